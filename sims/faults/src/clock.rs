//! The simulators' clock: real time plus an offset that tests set, move or freeze, so session
//! expiry, activation windows and processor timestamps are testable without waiting, and a
//! vendor whose clock is wrong is one flag away.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// How the clock starts, and what a reset returns to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockSettings {
    /// Added to real time.
    pub offset: TimeDelta,
    /// Stopped at real time plus the offset, from the moment the clock is made.
    pub frozen: bool,
}

/// A number of seconds the clock cannot take.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0} seconds is not a clock offset (at most 100 years either way)")]
pub struct ClockError(pub f64);

/// 100 years: far enough for any test, near enough that no date overflows.
const MAX_OFFSET_SECS: f64 = 100.0 * 366.0 * 86_400.0;

impl ClockSettings {
    /// Settings from seconds (fractions kept to the millisecond), as flags and JSON give them.
    pub fn from_secs(offset_secs: f64, frozen: bool) -> Result<Self, ClockError> {
        Ok(ClockSettings { offset: seconds(offset_secs)?, frozen })
    }
}

fn seconds(secs: f64) -> Result<TimeDelta, ClockError> {
    if !secs.is_finite() || secs.abs() > MAX_OFFSET_SECS {
        return Err(ClockError(secs));
    }
    Ok(TimeDelta::milliseconds((secs * 1000.0).round() as i64))
}

#[derive(Debug, Clone, Copy)]
enum State {
    Running { offset: TimeDelta },
    Frozen { at: DateTime<Utc> },
}

impl State {
    fn start(settings: ClockSettings) -> Self {
        let running = State::Running { offset: settings.offset };
        if settings.frozen {
            State::Frozen { at: running.now() }
        } else {
            running
        }
    }

    fn now(self) -> DateTime<Utc> {
        match self {
            State::Running { offset } => Utc::now() + offset,
            State::Frozen { at } => at,
        }
    }
}

/// One simulator's clock.
#[derive(Debug)]
pub struct SimClock {
    settings: ClockSettings,
    state: Mutex<State>,
}

impl Default for SimClock {
    fn default() -> Self {
        SimClock::new(ClockSettings::default())
    }
}

impl SimClock {
    pub fn new(settings: ClockSettings) -> Self {
        SimClock { settings, state: Mutex::new(State::start(settings)) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    /// How far the clock is from real time.
    pub fn offset(&self) -> TimeDelta {
        match *self.lock() {
            State::Running { offset } => offset,
            State::Frozen { at } => at - Utc::now(),
        }
    }

    pub fn is_frozen(&self) -> bool {
        matches!(*self.lock(), State::Frozen { .. })
    }

    /// Moves the clock by `by` (back when negative); a frozen clock stays frozen.
    pub fn advance(&self, by: TimeDelta) {
        let mut state = self.lock();
        *state = match *state {
            State::Running { offset } => State::Running { offset: offset + by },
            State::Frozen { at } => State::Frozen { at: at + by },
        };
    }

    /// Makes `now()` return `at`, and run on from there unless frozen.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut state = self.lock();
        *state = match *state {
            State::Running { .. } => State::Running { offset: at - Utc::now() },
            State::Frozen { .. } => State::Frozen { at },
        };
    }

    /// Puts the clock `offset` from real time.
    pub fn set_offset(&self, offset: TimeDelta) {
        self.set(Utc::now() + offset);
    }

    /// Stops the clock at `at`.
    pub fn freeze_at(&self, at: DateTime<Utc>) {
        *self.lock() = State::Frozen { at };
    }

    /// Stops the clock where it is.
    pub fn freeze(&self) {
        let mut state = self.lock();
        *state = State::Frozen { at: state.now() };
    }

    /// Lets a frozen clock run on from the time it shows.
    pub fn resume(&self) {
        let mut state = self.lock();
        if let State::Frozen { at } = *state {
            *state = State::Running { offset: at - Utc::now() };
        }
    }

    /// Back to the settings the clock started with.
    pub fn reset(&self) {
        *self.lock() = State::start(self.settings);
    }

    /// Applies a control-API change, in the order its fields are documented.
    pub fn apply(&self, change: &ClockChange) -> Result<ClockView, ClockError> {
        let offset = change.offset_secs.map(seconds).transpose()?;
        let advance = change.advance_secs.map(seconds).transpose()?;
        if change.reset {
            self.reset();
        }
        if change.frozen == Some(true) {
            self.freeze();
        }
        if let Some(at) = change.set {
            self.set(at);
        }
        if let Some(offset) = offset {
            self.set_offset(offset);
        }
        if let Some(by) = advance {
            self.advance(by);
        }
        if change.frozen == Some(false) {
            self.resume();
        }
        Ok(self.view())
    }

    pub fn view(&self) -> ClockView {
        let state = *self.lock();
        let (now, offset, frozen) = match state {
            State::Running { offset } => (state.now(), offset, false),
            State::Frozen { at } => (at, at - Utc::now(), true),
        };
        ClockView { now, offset_secs: offset.num_milliseconds() as f64 / 1000.0, frozen }
    }
}

/// A change to the clock (`PUT /clock`), applied in this order: `reset`, freezing
/// (`frozen: true`), `set`, `offset_secs`, `advance_secs`, then running on (`frozen: false`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockChange {
    /// Back to the clock's start settings (its `--clock-offset-secs` and `--clock-frozen`).
    #[serde(default)]
    pub reset: bool,
    /// The time the clock shows from now on.
    #[serde(default)]
    pub set: Option<DateTime<Utc>>,
    /// The clock this far from real time.
    #[serde(default)]
    pub offset_secs: Option<f64>,
    /// The clock moved this far (back when negative).
    #[serde(default)]
    pub advance_secs: Option<f64>,
    /// Stop the clock (`true`) or let it run on (`false`).
    #[serde(default)]
    pub frozen: Option<bool>,
}

/// What `GET /clock` and `PUT /clock` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockView {
    pub now: DateTime<Utc>,
    /// From real time, to the millisecond.
    pub offset_secs: f64,
    pub frozen: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real time moves while a test runs; a running clock is judged to this tolerance.
    fn near(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        (a - b).abs() < TimeDelta::milliseconds(500)
    }

    #[test]
    fn an_offset_clock_runs_that_far_from_real_time() {
        let clock = SimClock::new(ClockSettings::from_secs(-3600.0, false).unwrap());
        assert!(near(clock.now(), Utc::now() - TimeDelta::hours(1)));
        assert_eq!(clock.offset(), TimeDelta::hours(-1));
        clock.advance(TimeDelta::minutes(90));
        assert_eq!(clock.offset(), TimeDelta::minutes(30));
        clock.reset();
        assert_eq!(clock.offset(), TimeDelta::hours(-1), "a reset returns to the start offset");
    }

    #[test]
    fn a_frozen_clock_stands_still_and_moves_only_when_told() {
        let at = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().to_utc();
        let clock = SimClock::default();
        clock.freeze_at(at);
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(clock.now(), at);
        clock.advance(TimeDelta::seconds(90));
        assert_eq!(clock.now(), at + TimeDelta::seconds(90));
        clock.resume();
        assert!(!clock.is_frozen() && near(clock.now(), at + TimeDelta::seconds(90)));
        clock.reset();
        assert!(near(clock.now(), Utc::now()));
    }

    #[test]
    fn set_keeps_a_running_clock_running() {
        let at = Utc::now() + TimeDelta::days(3);
        let clock = SimClock::default();
        clock.set(at);
        assert!(!clock.is_frozen() && near(clock.now(), at));
    }

    #[test]
    fn changes_apply_in_their_documented_order() {
        let at = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z").unwrap().to_utc();
        let clock = SimClock::new(ClockSettings::from_secs(60.0, true).unwrap());
        let change: ClockChange =
            serde_json::from_str(r#"{"frozen":true,"set":"2024-05-01T12:00:00Z","advance_secs":1.5}"#).unwrap();
        let view = clock.apply(&change).unwrap();
        assert_eq!((view.now, view.frozen), (at + TimeDelta::milliseconds(1500), true));
        let view = clock.apply(&ClockChange { reset: true, ..ClockChange::default() }).unwrap();
        assert!(view.frozen && (view.offset_secs - 60.0).abs() < 0.5, "{view:?}");
        let view =
            clock.apply(&ClockChange { offset_secs: Some(-86_400.0), frozen: Some(false), ..Default::default() });
        assert!(!view.as_ref().unwrap().frozen && near(view.unwrap().now, Utc::now() - TimeDelta::days(1)));
    }

    #[test]
    fn offsets_beyond_a_century_are_refused_before_anything_changes() {
        let clock = SimClock::default();
        let change = ClockChange { reset: true, offset_secs: Some(1e12), ..ClockChange::default() };
        assert_eq!(clock.apply(&change), Err(ClockError(1e12)));
        assert!(ClockSettings::from_secs(f64::NAN, false).is_err());
    }
}
