//! Timestamps at the edge. Senders mix ISO instants with zone-less local
//! times ("2024-01-15 10:30:00"); Envoy's own SDK assumes UTC for the latter,
//! which is wrong for every site not on UTC. Here a zone-less time is read in
//! the location's time zone, and everything leaves this module as UTC.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

const NAIVE_FORMATS: [&str; 4] = ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];

/// Reads an instant: RFC 3339 with a zone as is, a zone-less local time in `zone`.
pub fn parse_instant(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    let naive =
        NAIVE_FORMATS.iter().find_map(|format| NaiveDateTime::parse_from_str(text, format).ok()).ok_or_else(|| {
            format!("`{text}` is not a timestamp (use RFC 3339, or `YYYY-MM-DD HH:MM:SS` in the location's time zone)")
        })?;
    Ok(match zone.from_local_datetime(&naive) {
        LocalResult::Single(local) => local.with_timezone(&Utc),
        // A time that occurs twice (clocks going back): the first occurrence.
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        // A time skipped by clocks going forward: read it as the wall clock an hour later would show.
        LocalResult::None => match zone.from_local_datetime(&(naive + chrono::Duration::hours(1))) {
            LocalResult::Single(local) | LocalResult::Ambiguous(local, _) => local.with_timezone(&Utc),
            LocalResult::None => return Err(format!("`{text}` does not exist in time zone {zone}")),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_less_times_are_read_in_the_location_zone_and_zoned_ones_as_given() {
        let paris = chrono_tz::Europe::Paris;
        assert_eq!(parse_instant("2024-01-15 10:30:00", paris).unwrap().to_rfc3339(), "2024-01-15T09:30:00+00:00");
        assert_eq!(parse_instant("2024-07-15T10:30", paris).unwrap().to_rfc3339(), "2024-07-15T08:30:00+00:00");
        assert_eq!(parse_instant("2024-01-15T10:30:00Z", paris).unwrap().to_rfc3339(), "2024-01-15T10:30:00+00:00");
        assert_eq!(
            parse_instant("2024-01-15T10:30:00-05:00", paris).unwrap().to_rfc3339(),
            "2024-01-15T15:30:00+00:00"
        );
        assert!(parse_instant("yesterday", paris).is_err());
    }

    #[test]
    fn times_around_daylight_saving_changes_resolve_predictably() {
        let paris = chrono_tz::Europe::Paris;
        // 02:30 does not exist on 2024-03-31 in Paris; it is read as 03:30 CEST.
        assert_eq!(parse_instant("2024-03-31 02:30:00", paris).unwrap().to_rfc3339(), "2024-03-31T01:30:00+00:00");
        // 02:30 happens twice on 2024-10-27; the first (CEST) is taken.
        assert_eq!(parse_instant("2024-10-27 02:30:00", paris).unwrap().to_rfc3339(), "2024-10-27T00:30:00+00:00");
    }
}
