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
    /// Every request whose SQL text contains `matching` (case-insensitive) fails with error
    /// 229, before it runs, until faults are cleared: a permanent failure of one kind of
    /// statement, such as the import rows that carry `AccessCodeID`.
    FailStatements { matching: String },
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
    failing: Vec<String>,
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
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn inject(&self, fault: Fault) {
        let mut state = self.lock();
        match fault {
            Fault::DenyNextStatements { count } => state.deny_next_statements += count,
            Fault::DenyObject { object, permission } => {
                state.denied_objects.push(Denial { permission, object })
            }
            Fault::DropConnections {
                count,
                when,
                matching,
            } => state.drops.push(DropRule {
                remaining: count,
                when,
                matching: matching.map(|m| m.to_lowercase()),
            }),
            Fault::SlowProcessing { delay_ms } => {
                state.processor_delay = Duration::from_millis(delay_ms)
            }
            Fault::FailStatements { matching } => state.failing.push(matching.to_lowercase()),
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
            out.push(Fault::DenyNextStatements {
                count: state.deny_next_statements,
            });
        }
        out.extend(state.denied_objects.iter().map(|d| Fault::DenyObject {
            object: d.object.clone(),
            permission: d.permission,
        }));
        out.extend(state.drops.iter().map(|r| Fault::DropConnections {
            count: r.remaining,
            when: r.when,
            matching: r.matching.clone(),
        }));
        if !state.processor_delay.is_zero() {
            out.push(Fault::SlowProcessing {
                delay_ms: state.processor_delay.as_millis() as u64,
            });
        }
        out.extend(state.failing.iter().map(|matching| Fault::FailStatements {
            matching: matching.clone(),
        }));
        out
    }

    /// Whether a `FailStatements` fault strikes this request's SQL text.
    pub fn fails_statement(&self, request_text: &str) -> bool {
        let text = request_text.to_lowercase();
        self.lock().failing.iter().any(|m| text.contains(m.as_str()))
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
        self.lock()
            .denied_objects
            .iter()
            .any(|d| d.applies_to(object, permission))
    }

    /// Consumes a drop rule matching this request's SQL text, if any.
    pub fn take_drop(&self, request_text: &str) -> Option<DropPoint> {
        let mut state = self.lock();
        let text = request_text.to_lowercase();
        let rule = state.drops.iter_mut().find(|r| {
            r.remaining > 0
                && r.matching
                    .as_ref()
                    .is_none_or(|m| text.contains(m.as_str()))
        })?;
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
        assert_eq!(
            faults.take_drop("INSERT INTO dataimporttable"),
            Some(DropPoint::AfterExecute)
        );
        assert!(faults.active().is_empty());
    }

    #[test]
    fn failing_statements_match_their_text_until_cleared() {
        let faults = Faults::default();
        faults.inject(Fault::FailStatements {
            matching: "AccessCodeID".into(),
        });
        assert!(faults.fails_statement("INSERT INTO dbo.DataImportTable (AccessCodeID) VALUES (@P1)"));
        assert!(faults.fails_statement("insert into dataimporttable (accesscodeid) values (1)"));
        assert!(!faults.fails_statement("SELECT 1"));
        faults.clear();
        assert!(!faults.fails_statement("INSERT INTO dbo.DataImportTable (AccessCodeID) VALUES (@P1)"));
    }

    #[test]
    fn faults_read_from_json() {
        let f: Fault = serde_json::from_str(
            r#"{"kind":"deny_object","object":"DataImportTable","permission":"INSERT"}"#,
        )
        .unwrap();
        assert_eq!(
            f,
            Fault::DenyObject {
                object: "DataImportTable".into(),
                permission: Some(Permission::Insert)
            }
        );
    }
}
