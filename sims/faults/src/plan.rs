//! The fault plan: one JSON document, the same for every simulator, read from the control API
//! (`PUT /fault-plan`) or built from the command-line flags.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Rules applied to every request a simulator answers, in order, plus the seed of their draws.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Seeds the error-rate draws and the jitter: the same plan meeting the same requests in the
    /// same order fails the same ones and waits the same times, on either simulator.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

/// One rule. Every matching rule applies to a request: latencies add up, the longest
/// answer-after and the smallest byte limit win, and any rule's error draw fails it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only requests whose operation contains this text, case-insensitively: Genetec's decoded
    /// path and query (`newentity(visitor)`), Symmetry's SQL text (`DataImportTable`).
    #[serde(default)]
    pub matching: Option<String>,
    /// The first `skip` matching requests pass untouched (to strike the Nth request of a job).
    #[serde(default)]
    pub skip: u32,
    /// The rule applies to this many matching requests after the skipped ones, then it is spent
    /// and removed; `None`: until the plan is replaced or cleared.
    #[serde(default)]
    pub count: Option<u32>,
    /// A wait before the request runs: a slow server, or a slow network on the way in.
    #[serde(default)]
    pub latency_ms: u64,
    /// Adds a uniformly drawn 0..=`jitter_ms` to the latency.
    #[serde(default)]
    pub jitter_ms: u64,
    /// The request runs at once but its answer leaves no sooner than this many seconds after it
    /// arrived: a client that gives up earlier never learns of a change that happened.
    #[serde(default)]
    pub answer_after_secs: Option<f64>,
    /// The probability, 0 to 1, that the request fails before it runs, with the error the real
    /// server sends for a transient server-side failure.
    #[serde(default)]
    pub error_rate: f64,
    /// The connection closes after this many bytes of the response (0: before any).
    #[serde(default)]
    pub drop_after_bytes: Option<u64>,
}

/// Why a plan was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("fault rule {rule}: {problem}")]
pub struct PlanError {
    /// The rule's position in `rules`, from 0.
    pub rule: usize,
    pub problem: String,
}

impl FaultPlan {
    /// A plan of one rule, or no rule at all when `rule` does nothing.
    pub fn single(seed: u64, rule: FaultRule) -> Self {
        let rules = if rule.has_effect() { vec![rule] } else { Vec::new() };
        FaultPlan { seed, rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every rate a probability, every answer-after a finite, non-negative time.
    pub fn validate(&self) -> Result<(), PlanError> {
        for (index, rule) in self.rules.iter().enumerate() {
            rule.validate().map_err(|problem| PlanError { rule: index, problem })?;
        }
        Ok(())
    }
}

impl FaultRule {
    /// Whether the rule changes anything about a request it matches.
    pub fn has_effect(&self) -> bool {
        self.latency_ms > 0
            || self.jitter_ms > 0
            || self.answer_after_secs.is_some()
            || self.error_rate > 0.0
            || self.drop_after_bytes.is_some()
    }

    fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(format!("error_rate {} is not a probability between 0 and 1", self.error_rate));
        }
        if let Some(secs) = self.answer_after_secs {
            Duration::try_from_secs_f64(secs)
                .map_err(|_| format!("answer_after_secs {secs} is not a time of zero or more seconds"))?;
        }
        Ok(())
    }

    /// The answer-after time; validated plans only.
    pub(crate) fn answer_after(&self) -> Option<Duration> {
        self.answer_after_secs.and_then(|secs| Duration::try_from_secs_f64(secs).ok())
    }

    pub(crate) fn matches(&self, operation_lowercase: &str) -> bool {
        self.matching.as_ref().is_none_or(|text| operation_lowercase.contains(&text.to_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_from_json_with_defaults_and_refuses_unknown_fields() {
        let plan: FaultPlan =
            serde_json::from_str(r#"{"seed":3,"rules":[{"error_rate":0.25,"matching":"NewEntity"}]}"#).unwrap();
        let rule = FaultRule { error_rate: 0.25, matching: Some("NewEntity".into()), ..FaultRule::default() };
        assert_eq!(plan, FaultPlan { seed: 3, rules: vec![rule] });
        assert!(serde_json::from_str::<FaultPlan>(r#"{"rules":[{"latency":5}]}"#).is_err());
    }

    #[test]
    fn rates_outside_zero_to_one_and_negative_waits_are_refused() {
        let bad_rate = FaultPlan::single(0, FaultRule { error_rate: 1.5, ..FaultRule::default() });
        assert_eq!(bad_rate.validate().unwrap_err().rule, 0);
        let bad_wait = FaultPlan::single(0, FaultRule { answer_after_secs: Some(-1.0), ..FaultRule::default() });
        assert!(bad_wait.validate().unwrap_err().problem.contains("answer_after_secs"));
    }

    #[test]
    fn a_rule_without_effect_makes_an_empty_plan() {
        assert!(FaultPlan::single(9, FaultRule { count: Some(3), ..FaultRule::default() }).is_empty());
    }
}
