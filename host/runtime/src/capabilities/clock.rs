//! `gatehouse:connector/clock`: the only time a connector can read.
//!
//! The host injects a [`Clock`], so tests (and the plugin harness) can set
//! the time a connector sees; the WASI wall clock of WASI components reads
//! the same clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::contract::bindings::gatehouse::connector::clock::Host;
use crate::state::HostState;

/// A source of the current UTC time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to. Clones share the same time.
#[derive(Clone, Debug)]
pub struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(now)))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = now;
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Host for HostState {
    async fn now(&mut self) -> wasmtime::Result<i64> {
        Ok(self.env.services.clock.now().timestamp_millis())
    }
}
