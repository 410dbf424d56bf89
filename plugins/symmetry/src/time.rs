//! Time at the edge: Gatehouse speaks UTC instants, Symmetry stores naive local times of the SMS
//! server's zone (`ActiveDate`, `ExpiryDate`, `ActivationDateTime`, ...).
//!
//! The SQL capability carries such values as `local-timestamp`: milliseconds since 1970-01-01
//! on the wall clock, no zone. Everything we write is truncated to whole seconds, which SQL
//! Server's `datetime` stores exactly, so what we read back compares equal to what we wrote.

use chrono::{DateTime, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use gatehouse_sdk::sql::Value;
use gatehouse_sdk::{ConnectorError, UtcMillis};

/// A wall-clock time on the SMS server, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SmsTime(NaiveDateTime);

impl SmsTime {
    /// The SMS server's wall-clock reading at `instant`.
    pub fn from_utc(instant: UtcMillis, zone: Tz) -> Result<SmsTime, ConnectorError> {
        let utc = DateTime::from_timestamp_millis(instant)
            .ok_or_else(|| ConnectorError::permanent(format!("{instant} ms is not a representable time")))?;
        Ok(SmsTime::truncated(utc.with_timezone(&zone).naive_local()))
    }

    /// A value read from a `datetime` column; `None` for NULL.
    pub fn from_value(value: &Value) -> Result<Option<SmsTime>, ConnectorError> {
        match value {
            Value::Null => Ok(None),
            Value::LocalTimestamp(millis) => DateTime::from_timestamp_millis(*millis)
                .map(|wall| Some(SmsTime::truncated(wall.naive_utc())))
                .ok_or_else(|| {
                    ConnectorError::permanent(format!("Symmetry returned an impossible date ({millis} ms)"))
                }),
            other => Err(ConnectorError::permanent(format!("Symmetry returned {other:?} where a date was expected"))),
        }
    }

    fn truncated(wall: NaiveDateTime) -> SmsTime {
        SmsTime(wall.with_nanosecond(0).unwrap_or(wall))
    }

    /// The value to bind for a `datetime` parameter.
    pub fn to_value(self) -> Value {
        Value::LocalTimestamp(self.0.and_utc().timestamp_millis())
    }
}

impl std::fmt::Display for SmsTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d %H:%M:%S"))
    }
}

/// A validity period as Symmetry stores it on a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsWindow {
    pub active: SmsTime,
    pub expiry: SmsTime,
}

impl SmsWindow {
    pub fn from_utc(starts_at: UtcMillis, ends_at: UtcMillis, zone: Tz) -> Result<SmsWindow, ConnectorError> {
        if ends_at <= starts_at {
            return Err(ConnectorError::permanent("the access window ends before it starts"));
        }
        Ok(SmsWindow { active: SmsTime::from_utc(starts_at, zone)?, expiry: SmsTime::from_utc(ends_at, zone)? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn wall(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> SmsTime {
        SmsTime(NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, s).unwrap())
    }

    fn utc_ms(text: &str) -> UtcMillis {
        DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
    }

    #[test]
    fn new_york_winter_time_is_five_hours_behind_utc() {
        let zone: Tz = "America/New_York".parse().unwrap();
        assert_eq!(SmsTime::from_utc(utc_ms("2025-01-15T14:30:00Z"), zone).unwrap(), wall(2025, 1, 15, 9, 30, 0));
    }

    #[test]
    fn new_york_summer_time_is_four_hours_behind_utc() {
        let zone: Tz = "America/New_York".parse().unwrap();
        assert_eq!(SmsTime::from_utc(utc_ms("2025-07-15T14:30:00Z"), zone).unwrap(), wall(2025, 7, 15, 10, 30, 0));
    }

    #[test]
    fn the_hour_repeated_at_the_autumn_change_maps_each_instant_to_its_own_reading() {
        let zone: Tz = "America/New_York".parse().unwrap();
        // 2025-11-02: 01:30 EDT (05:30Z) and 01:30 EST (06:30Z) read the same on the wall.
        assert_eq!(SmsTime::from_utc(utc_ms("2025-11-02T05:30:00Z"), zone).unwrap(), wall(2025, 11, 2, 1, 30, 0));
        assert_eq!(SmsTime::from_utc(utc_ms("2025-11-02T06:30:00Z"), zone).unwrap(), wall(2025, 11, 2, 1, 30, 0));
    }

    #[test]
    fn times_are_truncated_to_whole_seconds_so_they_survive_a_datetime_round_trip() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let written = SmsTime::from_utc(utc_ms("2025-03-01T08:00:00.987Z"), zone).unwrap();
        assert_eq!(written, wall(2025, 3, 1, 9, 0, 0));
        // SQL Server's datetime keeps 1/300 s: a read-back of .003 still compares equal.
        let read = SmsTime::from_value(&Value::LocalTimestamp(written.to_value_millis() + 3)).unwrap();
        assert_eq!(read, Some(written));
    }

    #[test]
    fn a_window_is_converted_at_both_ends_and_must_not_be_empty() {
        let zone: Tz = "Asia/Tokyo".parse().unwrap();
        let window = SmsWindow::from_utc(utc_ms("2025-01-01T00:00:00Z"), utc_ms("2025-01-01T08:00:00Z"), zone).unwrap();
        assert_eq!(window.active, wall(2025, 1, 1, 9, 0, 0));
        assert_eq!(window.expiry, wall(2025, 1, 1, 17, 0, 0));
        assert!(SmsWindow::from_utc(5, 5, zone).is_err());
    }

    #[test]
    fn a_column_that_is_not_a_date_is_reported_not_guessed() {
        assert_eq!(SmsTime::from_value(&Value::Null).unwrap(), None);
        let error = SmsTime::from_value(&Value::Text("tomorrow".into())).unwrap_err();
        assert_eq!(error.kind, gatehouse_sdk::ErrorKind::Permanent);
    }

    impl SmsTime {
        fn to_value_millis(self) -> i64 {
            match self.to_value() {
                Value::LocalTimestamp(millis) => millis,
                other => panic!("not a local timestamp: {other:?}"),
            }
        }
    }
}
