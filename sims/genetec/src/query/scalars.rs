//! Scalar value forms the Web SDK accepts: GUIDs, dates, time spans, booleans.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use uuid::Uuid;

/// A GUID dashed, as 32 hex digits, or in braces (spec §3.2: accept both forms).
pub fn parse_guid(text: &str) -> Option<Uuid> {
    let text = text.trim();
    let bare = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
    let well_formed =
        match bare.len() {
            32 => bare.chars().all(|c| c.is_ascii_hexdigit()),
            36 => bare.chars().enumerate().all(|(i, c)| {
                if matches!(i, 8 | 13 | 18 | 23) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            }),
            _ => false,
        };
    well_formed.then(|| Uuid::parse_str(bare).ok()).flatten()
}

/// ISO 8601 `yyyy-MM-ddTHH:mm:ss[.fff]` with an optional `Z` or offset (`+02:00`,
/// `-3:00`), or a bare date.
///
/// ASSUMPTION: a zone-less date-time is UTC (spec §3.2 [I]).
/// ASSUMPTION: a space where the offset sign should be is a `+` that the client
/// left unencoded (it decodes to a space) [I].
pub fn parse_date_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Some(local) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return parse_naive(local).map(|naive| Utc.from_utc_datetime(&naive));
    }
    if let Some((local, offset)) = split_offset(text) {
        let naive = parse_naive(local)?;
        return offset.from_local_datetime(&naive).single().map(|at| at.with_timezone(&Utc));
    }
    if let Some(naive) = parse_naive(text) {
        return Some(Utc.from_utc_datetime(&naive));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?))
}

fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()
}

/// Splits `…T08:00:00+2:00` into the local part and its offset.
fn split_offset(text: &str) -> Option<(&str, FixedOffset)> {
    let time_start = text.find('T')?;
    let sign_at = text[time_start..].rfind(['+', '-', ' ']).map(|i| i + time_start)?;
    let (local, offset) = text.split_at(sign_at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
    let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
    Some((local, FixedOffset::east_opt(sign * seconds)?))
}

/// A .NET TimeSpan: `d.hh:mm:ss` or `h:mm:ss` (spec §3.2).
pub fn parse_time_span(text: &str) -> Option<TimeDelta> {
    let text = text.trim();
    let (days, clock) = match text.split_once('.') {
        Some((days, clock)) if clock.contains(':') => (days.parse::<i64>().ok()?, clock),
        _ => (0, text),
    };
    let parts: Vec<i64> = clock.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [hours, minutes, seconds] = parts[..] else {
        return None;
    };
    if days < 0 || !(0..60).contains(&minutes) || !(0..60).contains(&seconds) || hours < 0 {
        return None;
    }
    Some(TimeDelta::seconds(((days * 24 + hours) * 60 + minutes) * 60 + seconds))
}

/// Renders a duration back as `d.hh:mm:ss`.
pub fn format_time_span(span: TimeDelta) -> String {
    let total = span.num_seconds().max(0);
    let (days, rest) = (total / 86_400, total % 86_400);
    format!("{days}.{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// `true`/`false` in any case (the .NET parser's forms).
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}
