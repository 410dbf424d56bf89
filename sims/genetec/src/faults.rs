//! Fault injection for Web SDK requests: latency, HTTP errors, `Fail` envelopes,
//! dropped connections and the UTF-8 BOM, for the next N requests or those matching
//! a text. A real server has no such thing; it exists so clients can prove their
//! retry and error handling.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a rule does to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Waits before answering (adds up when several rules match). With `when: after` the
    /// request takes effect first and only the answer is late: a client that gives up, or
    /// crashes, in that time never learns of a change that happened.
    Latency { millis: u64 },
    /// Answers this HTTP status (e.g. 500, 503) with an HTML body.
    HttpStatus { status: u16 },
    /// Answers HTTP 200 with `{"Rsp":{"Status":"Fail","Result":{…}}}`.
    FailEnvelope {
        #[serde(default = "default_error_code")]
        sdk_error_code: String,
        #[serde(default = "default_fail_message")]
        message: String,
    },
    /// Closes the socket without any response.
    DropConnection,
    /// Prefixes the response body with a UTF-8 byte-order mark.
    Bom,
}

fn default_error_code() -> String {
    "InvalidOperation".into()
}

fn default_fail_message() -> String {
    "Injected failure".into()
}

/// Whether a terminal fault replaces the request, or runs it and replaces its answer
/// (the write happened but the client never learns it: the idempotency case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTiming {
    #[default]
    Before,
    After,
}

/// A rule as posted to `/_sim/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Applies to this many matching requests, then disappears; `None`: until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// Only requests whose decoded path and query contain this text (case-insensitive).
    #[serde(default)]
    pub matching: Option<String>,
    #[serde(default)]
    pub when: FaultTiming,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveFault {
    pub id: u64,
    #[serde(flatten)]
    pub rule: FaultRule,
}

/// A fault that replaces the normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Terminal {
    HttpStatus(u16),
    FailEnvelope { code: String, message: String },
    DropConnection,
}

/// What the faults decided for one request.
#[derive(Debug, Default, PartialEq)]
pub struct Decision {
    pub latency: Duration,
    /// Latency between running the request and answering it.
    pub latency_after: Duration,
    pub before: Option<Terminal>,
    pub after: Option<Terminal>,
    pub bom: bool,
}

#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<ActiveFault>,
    next_id: u64,
}

impl Faults {
    pub fn add(&mut self, rule: FaultRule) -> u64 {
        self.next_id += 1;
        self.rules.push(ActiveFault { id: self.next_id, rule });
        self.next_id
    }

    pub fn list(&self) -> Vec<ActiveFault> {
        self.rules.clone()
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    /// Decides for a request to `target` (decoded path and query), consuming counts.
    /// Latency and BOM rules all apply; of the terminal rules, the first matching one
    /// per timing applies (and only it is consumed).
    pub fn decide(&mut self, target: &str) -> Decision {
        let target = target.to_lowercase();
        let mut decision = Decision::default();
        for active in &mut self.rules {
            let rule = &mut active.rule;
            if rule.count == Some(0) || rule.matching.as_ref().is_some_and(|m| !target.contains(&m.to_lowercase())) {
                continue;
            }
            let slot = match rule.when {
                FaultTiming::Before => &mut decision.before,
                FaultTiming::After => &mut decision.after,
            };
            let applied = match &rule.kind {
                FaultKind::Latency { millis } => {
                    match rule.when {
                        FaultTiming::Before => decision.latency += Duration::from_millis(*millis),
                        FaultTiming::After => decision.latency_after += Duration::from_millis(*millis),
                    }
                    true
                }
                FaultKind::Bom => {
                    decision.bom = true;
                    true
                }
                _ if slot.is_some() => false,
                FaultKind::HttpStatus { status } => slot.replace(Terminal::HttpStatus(*status)).is_none(),
                FaultKind::FailEnvelope { sdk_error_code, message } => slot
                    .replace(Terminal::FailEnvelope { code: sdk_error_code.clone(), message: message.clone() })
                    .is_none(),
                FaultKind::DropConnection => slot.replace(Terminal::DropConnection).is_none(),
            };
            if applied {
                if let Some(count) = &mut rule.count {
                    *count -= 1;
                }
            }
        }
        self.rules.retain(|r| r.rule.count != Some(0));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: FaultKind, count: Option<u32>, matching: Option<&str>) -> FaultRule {
        FaultRule { kind, count, matching: matching.map(str::to_string), when: FaultTiming::Before }
    }

    #[test]
    fn latency_after_delays_the_answer_not_the_request() {
        let mut faults = Faults::default();
        let mut late = rule(FaultKind::Latency { millis: 250 }, Some(1), None);
        late.when = FaultTiming::After;
        faults.add(late);
        let decision = faults.decide("/entity");
        assert_eq!((decision.latency, decision.latency_after), (Duration::ZERO, Duration::from_millis(250)));
    }

    #[test]
    fn counted_rule_applies_that_many_times_then_disappears() {
        let mut faults = Faults::default();
        faults.add(rule(FaultKind::HttpStatus { status: 503 }, Some(2), None));
        assert_eq!(faults.decide("/entity").before, Some(Terminal::HttpStatus(503)));
        assert_eq!(faults.decide("/entity").before, Some(Terminal::HttpStatus(503)));
        assert_eq!(faults.decide("/entity").before, None);
        assert!(faults.list().is_empty());
    }

    #[test]
    fn matching_rule_ignores_other_requests_and_keeps_its_count() {
        let mut faults = Faults::default();
        faults.add(rule(FaultKind::DropConnection, Some(1), Some("newentity(visitor)")));
        assert_eq!(faults.decide("/entity?q=entity=NewEntity(Cardholder)").before, None);
        assert_eq!(faults.decide("/entity?q=entity=NewEntity(Visitor)").before, Some(Terminal::DropConnection));
    }

    #[test]
    fn only_the_first_terminal_rule_is_consumed() {
        let mut faults = Faults::default();
        faults.add(rule(FaultKind::HttpStatus { status: 500 }, Some(1), None));
        faults.add(rule(FaultKind::DropConnection, Some(1), None));
        assert_eq!(faults.decide("/").before, Some(Terminal::HttpStatus(500)));
        assert_eq!(faults.decide("/").before, Some(Terminal::DropConnection));
    }

    #[test]
    fn latencies_add_up() {
        let mut faults = Faults::default();
        faults.add(rule(FaultKind::Latency { millis: 5 }, None, None));
        faults.add(rule(FaultKind::Latency { millis: 7 }, None, None));
        assert_eq!(faults.decide("/").latency, Duration::from_millis(12));
    }
}
