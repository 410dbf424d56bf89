//! Comparison and LIKE, following the database collation: text comparisons ignore case and
//! trailing spaces. That is why an email match works on a real server whether or not the writer
//! lower-cases it.

// ASSUMPTION: the Symmetry databases use SQL Server's default US collation
// SQL_Latin1_General_CP1_CI_AS (case-insensitive, accent-sensitive).

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

use super::convert::{convert, ConversionError};
use super::{SqlType, Value};

/// Orders two values the way SQL Server would, converting across types by its precedence rules.
/// `None` when either side is NULL (SQL's "unknown").
pub fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, ConversionError> {
    use Value::*;
    Ok(Some(match (a, b) {
        (Null, _) | (_, Null) => return Ok(None),
        (Str(x), Str(y)) => collate_cmp(x, y),
        (Bytes(x), Bytes(y)) => x.cmp(y),
        (Str(_), other) | (other, Str(_)) if is_numeric(other) || is_temporal(other) => {
            // The string side converts to the other side's type (type precedence).
            let (string, typed, flipped) = if matches!(a, Str(_)) { (a, b, false) } else { (b, a, true) };
            let target = typed.natural_type().unwrap_or(SqlType::Int);
            let target = if is_numeric(typed) && !matches!(typed, Float(_)) && !matches!(typed, Decimal { .. }) {
                SqlType::BigInt
            } else {
                target
            };
            let converted = convert(string, target)?;
            let ord = compare(&converted, typed)?.unwrap_or(Ordering::Equal);
            if flipped {
                ord.reverse()
            } else {
                ord
            }
        }
        _ if is_numeric(a) && is_numeric(b) => numeric_cmp(a, b),
        _ if is_temporal(a) && is_temporal(b) => instant(a).cmp(&instant(b)),
        _ => return Err(ConversionError::Clash { left: type_label(a), right: type_label(b) }),
    }))
}

/// `a = b` in SQL's three-valued logic.
pub fn sql_equal(a: &Value, b: &Value) -> Result<Option<bool>, ConversionError> {
    Ok(compare(a, b)?.map(|o| o == Ordering::Equal))
}

/// Text ordering under a case-insensitive, trailing-space-insensitive collation.
fn collate_cmp(x: &str, y: &str) -> Ordering {
    let fold = |s: &str| s.trim_end_matches(' ').to_lowercase();
    fold(x).cmp(&fold(y))
}

fn is_numeric(v: &Value) -> bool {
    matches!(v, Value::Bit(_) | Value::Int(_) | Value::Float(_) | Value::Decimal { .. })
}

fn is_temporal(v: &Value) -> bool {
    matches!(v, Value::Date(_) | Value::DateTime(_) | Value::DateTimeOffset(_))
}

fn numeric_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.as_i64(), b.as_i64(), a, b) {
        (Some(x), Some(y), Value::Int(_) | Value::Bit(_), Value::Int(_) | Value::Bit(_)) => x.cmp(&y),
        _ => {
            let (x, y) = (as_f64(a), as_f64(b));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Bit(b) => *b as u8 as f64,
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Decimal { mantissa, scale } => *mantissa as f64 / 10f64.powi(*scale as i32),
        _ => f64::NAN,
    }
}

/// A temporal value on one time line: naive values count as UTC (SQL Server converts
/// datetime to datetimeoffset with a +00:00 offset).
fn instant(v: &Value) -> DateTime<FixedOffset> {
    let utc = FixedOffset::east_opt(0).expect("zero offset");
    let naive = |t: NaiveDateTime| utc.from_utc_datetime(&t);
    match v {
        Value::Date(d) => naive(d.and_hms_opt(0, 0, 0).expect("midnight")),
        Value::DateTime(t) => naive(*t),
        Value::DateTimeOffset(t) => *t,
        _ => Utc::now().fixed_offset(),
    }
}

fn type_label(v: &Value) -> String {
    v.natural_type().map_or("NULL".to_string(), |t| t.sql_name())
}

/// T-SQL LIKE: `%`, `_`, `[set]`, `[^set]`, `[a-z]`, with an optional escape character,
/// compared case-insensitively.
pub fn like_matches(text: &str, pattern: &str, escape: Option<char>) -> bool {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let pattern = parse_pattern(&pattern.to_lowercase(), escape);
    matches_from(&text, &pattern)
}

enum PatternItem {
    AnySequence,
    AnyChar,
    Literal(char),
    Set { negated: bool, ranges: Vec<(char, char)> },
}

fn parse_pattern(pattern: &str, escape: Option<char>) -> Vec<PatternItem> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut items = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if Some(c) == escape && i < chars.len() {
            items.push(PatternItem::Literal(chars[i]));
            i += 1;
            continue;
        }
        match c {
            '%' => items.push(PatternItem::AnySequence),
            '_' => items.push(PatternItem::AnyChar),
            '[' => match chars[i..].iter().position(|&x| x == ']') {
                Some(end) => {
                    let body = &chars[i..i + end];
                    i += end + 1;
                    let (negated, body) = match body.first() {
                        Some('^') => (true, &body[1..]),
                        _ => (false, body),
                    };
                    let mut ranges = Vec::new();
                    let mut j = 0;
                    while j < body.len() {
                        if j + 2 < body.len() && body[j + 1] == '-' {
                            ranges.push((body[j], body[j + 2]));
                            j += 3;
                        } else {
                            ranges.push((body[j], body[j]));
                            j += 1;
                        }
                    }
                    items.push(PatternItem::Set { negated, ranges });
                }
                None => items.push(PatternItem::Literal('[')),
            },
            other => items.push(PatternItem::Literal(other)),
        }
    }
    items
}

fn matches_from(text: &[char], pattern: &[PatternItem]) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return text.is_empty();
    };
    match first {
        PatternItem::AnySequence => (0..=text.len()).any(|skip| matches_from(&text[skip..], rest)),
        single => match text.split_first() {
            Some((c, text_rest)) if single_matches(single, *c) => matches_from(text_rest, rest),
            _ => false,
        },
    }
}

fn single_matches(item: &PatternItem, c: char) -> bool {
    match item {
        PatternItem::AnyChar => true,
        PatternItem::Literal(l) => *l == c,
        PatternItem::Set { negated, ranges } => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated,
        PatternItem::AnySequence => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_comparison_ignores_case_and_trailing_spaces() {
        let r = sql_equal(&Value::str("Dana@Example.com  "), &Value::str("dana@example.com")).unwrap();
        assert_eq!(r, Some(true));
    }

    #[test]
    fn null_compares_as_unknown() {
        assert_eq!(sql_equal(&Value::Null, &Value::Int(1)).unwrap(), None);
    }

    #[test]
    fn a_numeric_string_compares_with_an_int() {
        assert_eq!(compare(&Value::str("12"), &Value::Int(9)).unwrap(), Some(Ordering::Greater));
        assert!(compare(&Value::str("abc"), &Value::Int(9)).is_err());
    }

    #[test]
    fn like_supports_wildcards_sets_and_escapes() {
        assert!(like_matches("Lobby Door", "lobby%", None));
        assert!(like_matches("B1", "[a-c]_", None));
        assert!(!like_matches("D1", "[a-c]_", None));
        assert!(like_matches("D1", "[^a-c]1", None));
        assert!(like_matches("50%", "50!%", Some('!')));
        assert!(!like_matches("500", "50!%", Some('!')));
    }
}
