//! The simulator's clock: real time plus an offset tests can move, so session expiry
//! and activation windows are testable without waiting.

use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Default)]
pub struct SimClock {
    offset: Mutex<TimeDelta>,
}

impl SimClock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn advance(&self, by: TimeDelta) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += by;
    }

    /// Makes `now()` return `at` (and move on from there).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = at - Utc::now();
    }

    pub fn reset(&self) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = TimeDelta::zero();
    }
}
