//! The live plan of one simulator: decides, per request, what the plan does to it, consuming
//! skips and counts and drawing from the plan's seeded generator.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

use crate::plan::{FaultPlan, PlanError};

/// What the plan does to one request. A simulator sleeps [`Decision::before_running`], fails the
/// request with its vendor's server error when `fail`, runs it otherwise, sleeps
/// [`Decision::before_answering`] and arms its connection's cut with `drop_after_bytes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// When the request reached the simulator: the answer-after time counts from here.
    pub arrived: Instant,
    pub latency: Duration,
    pub answer_after: Option<Duration>,
    pub fail: bool,
    pub drop_after_bytes: Option<u64>,
}

impl Decision {
    fn untouched(arrived: Instant) -> Self {
        Decision { arrived, latency: Duration::ZERO, answer_after: None, fail: false, drop_after_bytes: None }
    }

    /// Waits out the latency.
    pub async fn before_running(&self) {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }

    /// Waits until the answer may leave: `answer_after` from arrival, however long the request took.
    pub async fn before_answering(&self) {
        if let Some(after) = self.answer_after {
            tokio::time::sleep_until(self.arrived + after).await;
        }
    }
}

struct Live {
    plan: FaultPlan,
    draws: ChaCha8Rng,
}

impl Live {
    fn new(plan: FaultPlan) -> Self {
        // ChaCha8 gives the same sequence for a seed on every platform and release.
        Live { draws: ChaCha8Rng::seed_from_u64(plan.seed), plan }
    }
}

/// A simulator's fault plan, shared by its connections.
pub struct FaultInjector {
    /// The plan it started with (flags or configuration): what a simulator reset returns to.
    initial: FaultPlan,
    live: Mutex<Live>,
}

impl Default for FaultInjector {
    fn default() -> Self {
        FaultInjector { initial: FaultPlan::default(), live: Mutex::new(Live::new(FaultPlan::default())) }
    }
}

impl FaultInjector {
    pub fn new(initial: FaultPlan) -> Result<Self, PlanError> {
        initial.validate()?;
        Ok(FaultInjector { live: Mutex::new(Live::new(initial.clone())), initial })
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        // Every change is one assignment, so a poisoned lock holds a whole plan.
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the plan and restarts its draws from its seed.
    pub fn set(&self, plan: FaultPlan) -> Result<(), PlanError> {
        plan.validate()?;
        *self.lock() = Live::new(plan);
        Ok(())
    }

    /// The plan as it stands: spent rules gone, skips and counts as far as they got.
    pub fn plan(&self) -> FaultPlan {
        self.lock().plan.clone()
    }

    /// No faults any more.
    pub fn clear(&self) {
        *self.lock() = Live::new(FaultPlan::default());
    }

    /// Back to the plan the simulator started with.
    pub fn reset(&self) {
        *self.lock() = Live::new(self.initial.clone());
    }

    /// Decides for one request, `operation` being what rules match against.
    pub fn decide(&self, operation: &str) -> Decision {
        let mut decision = Decision::untouched(Instant::now());
        let mut live = self.lock();
        if live.plan.is_empty() {
            return decision;
        }
        let operation = operation.to_lowercase();
        let Live { plan, draws } = &mut *live;
        for rule in &mut plan.rules {
            if rule.count == Some(0) || !rule.matches(&operation) {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            if let Some(count) = &mut rule.count {
                *count -= 1;
            }
            let jitter = if rule.jitter_ms > 0 { draws.gen_range(0..=rule.jitter_ms) } else { 0 };
            decision.latency += Duration::from_millis(rule.latency_ms + jitter);
            decision.answer_after = decision.answer_after.max(rule.answer_after());
            decision.fail |= rule.error_rate > 0.0 && draws.gen_bool(rule.error_rate);
            decision.drop_after_bytes = match (decision.drop_after_bytes, rule.drop_after_bytes) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        plan.rules.retain(|rule| rule.count != Some(0));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::FaultRule;

    fn injector(seed: u64, rule: FaultRule) -> FaultInjector {
        FaultInjector::new(FaultPlan { seed, rules: vec![rule] }).unwrap()
    }

    fn failures(faults: &FaultInjector, requests: usize) -> Vec<bool> {
        (0..requests).map(|_| faults.decide("SELECT 1").fail).collect()
    }

    #[test]
    fn a_seeded_error_rate_fails_the_same_requests_every_time() {
        let rule = FaultRule { error_rate: 0.5, ..FaultRule::default() };
        let first = failures(&injector(42, rule.clone()), 64);
        assert_eq!(first, failures(&injector(42, rule.clone()), 64));
        assert_ne!(first, failures(&injector(43, rule.clone()), 64), "another seed, another sequence");
        let failed = first.iter().filter(|f| **f).count();
        assert!((16..=48).contains(&failed), "about half of 64 fail, not {failed}");

        // Setting the plan again restarts the draws from its seed.
        let faults = injector(42, rule.clone());
        failures(&faults, 10);
        faults.set(FaultPlan { seed: 42, rules: vec![rule] }).unwrap();
        assert_eq!(failures(&faults, 64), first);
    }

    #[test]
    fn rates_of_zero_and_one_never_and_always_fail() {
        assert!(failures(&injector(1, FaultRule { error_rate: 1.0, ..FaultRule::default() }), 20).iter().all(|f| *f));
        let zero = injector(1, FaultRule { error_rate: 0.0, latency_ms: 1, ..FaultRule::default() });
        assert!(failures(&zero, 20).iter().all(|f| !*f));
    }

    #[test]
    fn skip_then_count_strikes_only_the_nth_matching_request() {
        let rule = FaultRule {
            matching: Some("DataImportTable".into()),
            skip: 1,
            count: Some(1),
            error_rate: 1.0,
            ..FaultRule::default()
        };
        let faults = injector(0, rule);
        let struck: Vec<bool> = ["select 1", "INSERT INTO dataimporttable", "select 1", "insert into DataImportTable"]
            .iter()
            .chain(&["insert into DataImportTable"])
            .map(|sql| faults.decide(sql).fail)
            .collect();
        assert_eq!(struck, [false, false, false, true, false]);
        assert!(faults.plan().is_empty(), "a spent rule is removed");
    }

    #[test]
    fn matching_rules_combine() {
        let plan = FaultPlan {
            seed: 0,
            rules: vec![
                FaultRule {
                    latency_ms: 5,
                    answer_after_secs: Some(1.0),
                    drop_after_bytes: Some(100),
                    ..Default::default()
                },
                FaultRule {
                    latency_ms: 7,
                    answer_after_secs: Some(2.5),
                    drop_after_bytes: Some(40),
                    ..Default::default()
                },
                FaultRule { matching: Some("elsewhere".into()), latency_ms: 1000, ..Default::default() },
            ],
        };
        let decision = FaultInjector::new(plan).unwrap().decide("/entity?q=x");
        assert_eq!(decision.latency, Duration::from_millis(12));
        assert_eq!(decision.answer_after, Some(Duration::from_millis(2500)));
        assert_eq!(decision.drop_after_bytes, Some(40));
    }

    #[test]
    fn jitter_stays_within_its_bound_and_follows_the_seed() {
        let rule = FaultRule { latency_ms: 10, jitter_ms: 20, ..FaultRule::default() };
        let latencies = |faults: &FaultInjector| (0..50).map(|_| faults.decide("x").latency).collect::<Vec<_>>();
        let first = latencies(&injector(5, rule.clone()));
        assert!(first.iter().all(|l| (Duration::from_millis(10)..=Duration::from_millis(30)).contains(l)));
        assert!(first.iter().any(|l| *l != first[0]), "the jitter varies");
        assert_eq!(first, latencies(&injector(5, rule)));
    }

    #[tokio::test(start_paused = true)]
    async fn answer_after_counts_from_arrival_not_from_the_end_of_the_work() {
        let faults = injector(0, FaultRule { answer_after_secs: Some(3.0), count: Some(1), ..FaultRule::default() });
        let decision = faults.decide("/entity");
        let start = Instant::now();
        decision.before_running().await;
        tokio::time::sleep(Duration::from_secs(1)).await; // the request's own work
        decision.before_answering().await;
        assert_eq!(start.elapsed(), Duration::from_secs(3));

        let next = faults.decide("/entity");
        assert_eq!(next.answer_after, None, "a one-shot answer-after is spent");
        let start = Instant::now();
        next.before_answering().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[test]
    fn reset_returns_to_the_initial_plan_and_clear_to_none() {
        let faults = injector(0, FaultRule { error_rate: 1.0, count: Some(1), ..FaultRule::default() });
        assert!(faults.decide("x").fail);
        assert!(faults.plan().is_empty());
        faults.reset();
        assert_eq!(faults.plan().rules.len(), 1);
        faults.clear();
        assert!(!faults.decide("x").fail);
    }
}
