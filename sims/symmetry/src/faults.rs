//! Fault injection for tests: the failures a Symmetry integration must survive, switched on from
//! the control API or the library API and consumed where they strike.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{Denial, Permission};
use crate::model::schema::ObjectId;

/// One injected fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The next `count` statements that touch a table or view fail with error 229.
    DenyNextStatements { count: u32 },
    /// Every statement touching `object` fails with error 229 until faults are cleared.
    DenyObject {
        object: String,
        #[serde(default)]
        permission: Option<Permission>,
    },
    /// The next `count` requests (whose text contains `matching`, if given) lose their
    /// connection: closed before the statement runs, or after it ran but before any reply.
    DropConnections {
        count: u32,
        #[serde(default)]
        when: DropPoint,
        #[serde(default)]
        matching: Option<String>,
    },
    /// The import processor waits this long before each pass.
    SlowProcessing { delay_ms: u64 },
    /// Requests whose SQL text contains `matching` (case-insensitive; empty matches every
    /// request) fail with error 229 before they run: a permanent failure of one kind of
    /// statement, such as the import rows that carry `AccessCodeID`. The first `skip` matching
    /// requests pass; then `count` fail (all of them when `None`, until faults are cleared).
    FailStatements {
        matching: String,
        #[serde(default)]
        skip: u32,
        #[serde(default)]
        count: Option<u32>,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropPoint {
    #[default]
    BeforeExecute,
    /// The request takes effect, the client never hears about it.
    AfterExecute,
}

#[derive(Debug, Default)]
struct FaultState {
    deny_next_statements: u32,
    denied_objects: Vec<Denial>,
    drops: Vec<DropRule>,
    processor_delay: Duration,
    failing: Vec<FailRule>,
}

#[derive(Debug, Clone)]
struct FailRule {
    matching: String,
    skip: u32,
    count: Option<u32>,
}

#[derive(Debug, Clone)]
struct DropRule {
    remaining: u32,
    when: DropPoint,
    matching: Option<String>,
}

#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<FaultState>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn inject(&self, fault: Fault) {
        let mut state = self.lock();
        match fault {
            Fault::DenyNextStatements { count } => state.deny_next_statements += count,
            Fault::DenyObject { object, permission } => state.denied_objects.push(Denial { permission, object }),
            Fault::DropConnections { count, when, matching } => {
                state.drops.push(DropRule { remaining: count, when, matching: matching.map(|m| m.to_lowercase()) })
            }
            Fault::SlowProcessing { delay_ms } => state.processor_delay = Duration::from_millis(delay_ms),
            Fault::FailStatements { matching, skip, count } => {
                state.failing.push(FailRule { matching: matching.to_lowercase(), skip, count })
            }
        }
    }

    pub fn clear(&self) {
        *self.lock() = FaultState::default();
    }

    /// The faults still armed.
    pub fn active(&self) -> Vec<Fault> {
        let state = self.lock();
        let mut out = Vec::new();
        if state.deny_next_statements > 0 {
            out.push(Fault::DenyNextStatements { count: state.deny_next_statements });
        }
        out.extend(
            state
                .denied_objects
                .iter()
                .map(|d| Fault::DenyObject { object: d.object.clone(), permission: d.permission }),
        );
        out.extend(state.drops.iter().map(|r| Fault::DropConnections {
            count: r.remaining,
            when: r.when,
            matching: r.matching.clone(),
        }));
        if !state.processor_delay.is_zero() {
            out.push(Fault::SlowProcessing { delay_ms: state.processor_delay.as_millis() as u64 });
        }
        out.extend(state.failing.iter().map(|rule| Fault::FailStatements {
            matching: rule.matching.clone(),
            skip: rule.skip,
            count: rule.count,
        }));
        out
    }

    /// Whether a `FailStatements` fault strikes this request's SQL text (consuming its skips and
    /// counts).
    pub fn fails_statement(&self, request_text: &str) -> bool {
        let text = request_text.to_lowercase();
        let mut state = self.lock();
        let Some(rule) = state.failing.iter_mut().find(|r| r.count != Some(0) && text.contains(r.matching.as_str()))
        else {
            return false;
        };
        if rule.skip > 0 {
            rule.skip -= 1;
            return false;
        }
        if let Some(count) = &mut rule.count {
            *count -= 1;
        }
        state.failing.retain(|r| r.count != Some(0));
        true
    }

    /// Consumes one "deny the next statement" if any is armed.
    pub fn take_statement_denial(&self) -> bool {
        let mut state = self.lock();
        if state.deny_next_statements > 0 {
            state.deny_next_statements -= 1;
            true
        } else {
            false
        }
    }

    pub fn object_denied(&self, object: ObjectId, permission: Permission) -> bool {
        self.lock().denied_objects.iter().any(|d| d.applies_to(object, permission))
    }

    /// Consumes a drop rule matching this request's SQL text, if any.
    pub fn take_drop(&self, request_text: &str) -> Option<DropPoint> {
        let mut state = self.lock();
        let text = request_text.to_lowercase();
        let rule = state
            .drops
            .iter_mut()
            .find(|r| r.remaining > 0 && r.matching.as_ref().is_none_or(|m| text.contains(m.as_str())))?;
        rule.remaining -= 1;
        let when = rule.when;
        state.drops.retain(|r| r.remaining > 0);
        Some(when)
    }

    pub fn processor_delay(&self) -> Duration {
        self.lock().processor_delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_are_consumed() {
        let faults = Faults::default();
        faults.inject(Fault::DenyNextStatements { count: 1 });
        assert!(faults.take_statement_denial());
        assert!(!faults.take_statement_denial());
        faults.inject(Fault::DropConnections {
            count: 1,
            when: DropPoint::AfterExecute,
            matching: Some("DataImportTable".into()),
        });
        assert_eq!(faults.take_drop("select 1"), None);
        assert_eq!(faults.take_drop("INSERT INTO dataimporttable"), Some(DropPoint::AfterExecute));
        assert!(faults.active().is_empty());
    }

    #[test]
    fn failing_statements_match_their_text_until_cleared() {
        let faults = Faults::default();
        faults.inject(Fault::FailStatements { matching: "AccessCodeID".into(), skip: 0, count: None });
        assert!(faults.fails_statement("INSERT INTO dbo.DataImportTable (AccessCodeID) VALUES (@P1)"));
        assert!(faults.fails_statement("insert into dataimporttable (accesscodeid) values (1)"));
        assert!(!faults.fails_statement("SELECT 1"));
        faults.clear();
        assert!(!faults.fails_statement("INSERT INTO dbo.DataImportTable (AccessCodeID) VALUES (@P1)"));
    }

    #[test]
    fn a_failing_statement_rule_skips_then_strikes_its_count() {
        let faults = Faults::default();
        faults.inject(Fault::FailStatements { matching: String::new(), skip: 2, count: Some(1) });
        let struck: Vec<bool> = (0..4).map(|_| faults.fails_statement("SELECT 1")).collect();
        assert_eq!(struck, [false, false, true, false]);
        assert!(faults.active().is_empty());
    }

    #[test]
    fn faults_read_from_json() {
        let f: Fault =
            serde_json::from_str(r#"{"kind":"deny_object","object":"DataImportTable","permission":"INSERT"}"#).unwrap();
        assert_eq!(f, Fault::DenyObject { object: "DataImportTable".into(), permission: Some(Permission::Insert) });
    }
}
