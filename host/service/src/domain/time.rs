//! Time as the domain sees it: instants in UTC, access windows that cannot be
//! empty, and locations that carry the zone used at the edges.

use super::{DomainError, LocationId, TenantId};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Milliseconds since the epoch, the store's and the contract's form of an instant.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The inverse of [`to_millis`]; out-of-range values clamp to the epoch.
pub fn from_millis(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis).single().unwrap_or_default()
}

/// A half-open interval `[starts_at, ends_at)` during which a person has access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWindow", into = "RawWindow")]
pub struct AccessWindow {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl AccessWindow {
    /// A window; `starts_at` must be strictly before `ends_at`.
    pub fn new(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, DomainError> {
        if starts_at < ends_at {
            Ok(Self { starts_at, ends_at })
        } else {
            Err(DomainError::EmptyWindow { starts_at, ends_at })
        }
    }
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.ends_at
    }
}

#[derive(Serialize, Deserialize)]
struct RawWindow {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

impl TryFrom<RawWindow> for AccessWindow {
    type Error = DomainError;
    fn try_from(raw: RawWindow) -> Result<Self, DomainError> {
        AccessWindow::new(raw.starts_at, raw.ends_at)
    }
}

impl From<AccessWindow> for RawWindow {
    fn from(w: AccessWindow) -> Self {
        RawWindow { starts_at: w.starts_at, ends_at: w.ends_at }
    }
}

/// A site. Its zone turns the zone-less timestamps senders use into instants.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub tenant_id: TenantId,
    pub name: String,
    pub time_zone: Tz,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_must_start_before_it_ends() {
        let t = Utc::now();
        assert!(AccessWindow::new(t, t).is_err());
        assert!(AccessWindow::new(t, t - chrono::Duration::seconds(1)).is_err());
        let w = AccessWindow::new(t, t + chrono::Duration::hours(1)).unwrap();
        assert!(w.contains(t) && !w.contains(w.ends_at()));
        let json = serde_json::json!({"starts_at": w.ends_at(), "ends_at": w.starts_at()});
        assert!(serde_json::from_value::<AccessWindow>(json).is_err());
    }
}
