//! A circuit breaker per install. After a run of transient failures the
//! vendor is presumed down: its steps wait instead of burning their retry
//! budgets, until a cool-down passes and one trial call decides.

use crate::domain::InstallId;
use crate::metrics::{BreakerLevel, BreakerReport};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Debug)]
pub struct BreakerPolicy {
    /// Consecutive transient failures that open the breaker.
    pub failure_threshold: u32,
    /// How long an open breaker blocks calls before one trial.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self { failure_threshold: 5, cool_down: Duration::seconds(30) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum BreakerState {
    Closed {
        consecutive_failures: u32,
    },
    Open {
        until: DateTime<Utc>,
    },
    /// The cool-down passed; one trial call is in flight.
    HalfOpen,
}

pub struct Breakers {
    policy: BreakerPolicy,
    states: Mutex<HashMap<InstallId, BreakerState>>,
}

impl Breakers {
    pub fn new(policy: BreakerPolicy) -> Self {
        Self { policy, states: Mutex::new(HashMap::new()) }
    }

    fn states(&self) -> std::sync::MutexGuard<'_, HashMap<InstallId, BreakerState>> {
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether a call to the install may go ahead now. An open breaker whose
    /// cool-down passed lets exactly one call through (half-open).
    pub fn allow(&self, install: &InstallId, now: DateTime<Utc>) -> bool {
        let mut states = self.states();
        let state = states.entry(install.clone()).or_insert(BreakerState::Closed { consecutive_failures: 0 });
        match *state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::HalfOpen;
                true
            }
            BreakerState::Open { .. } | BreakerState::HalfOpen => false,
        }
    }

    /// The vendor answered (even with a non-transient error): it is up.
    pub fn record_success(&self, install: &InstallId) {
        self.states().insert(install.clone(), BreakerState::Closed { consecutive_failures: 0 });
    }

    /// A transient failure; returns true if it opened the breaker.
    pub fn record_failure(&self, install: &InstallId, now: DateTime<Utc>) -> bool {
        let mut states = self.states();
        let state = states.entry(install.clone()).or_insert(BreakerState::Closed { consecutive_failures: 0 });
        let failures = match *state {
            BreakerState::Closed { consecutive_failures } => consecutive_failures + 1,
            BreakerState::HalfOpen | BreakerState::Open { .. } => self.policy.failure_threshold,
        };
        if failures >= self.policy.failure_threshold {
            *state = BreakerState::Open { until: now + self.policy.cool_down };
            true
        } else {
            *state = BreakerState::Closed { consecutive_failures: failures };
            false
        }
    }

    /// When an open breaker will let a trial through.
    pub fn open_until(&self, install: &InstallId) -> Option<DateTime<Utc>> {
        match self.states().get(install) {
            Some(BreakerState::Open { until }) => Some(*until),
            _ => None,
        }
    }

    /// Every install's breaker that has seen a call, by install.
    pub fn snapshot(&self) -> Vec<(InstallId, BreakerState)> {
        let mut states: Vec<_> = self.states().iter().map(|(id, state)| (id.clone(), *state)).collect();
        states.sort_by(|a, b| a.0.cmp(&b.0));
        states
    }

    pub fn state(&self, install: &InstallId) -> BreakerState {
        self.states().get(install).copied().unwrap_or(BreakerState::Closed { consecutive_failures: 0 })
    }
}

impl BreakerReport for Breakers {
    fn levels(&self) -> Vec<(InstallId, BreakerLevel)> {
        let level = |state: BreakerState| match state {
            BreakerState::Closed { .. } => BreakerLevel::Closed,
            BreakerState::HalfOpen => BreakerLevel::HalfOpen,
            BreakerState::Open { .. } => BreakerLevel::Open,
        };
        self.snapshot().into_iter().map(|(install, state)| (install, level(state))).collect()
    }
}
