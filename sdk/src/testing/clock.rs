//! The controllable clock.

use super::{current, FakeHost};
use crate::UtcMillis;

impl FakeHost {
    /// Where the clock starts: 2025-01-01T00:00:00Z.
    pub const DEFAULT_NOW: UtcMillis = 1_735_689_600_000;

    pub fn set_now(&self, now: UtcMillis) -> &Self {
        self.state.clock.set(now);
        self
    }

    pub fn advance(&self, millis: i64) -> &Self {
        self.state.clock.set(self.state.clock.get() + millis);
        self
    }

    pub fn now(&self) -> UtcMillis {
        self.state.clock.get()
    }
}

pub(crate) fn now() -> UtcMillis {
    current().clock.get()
}
