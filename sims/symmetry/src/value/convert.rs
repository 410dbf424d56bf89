//! Conversions between SQL types: implicit conversion on INSERT and comparison, and CAST/CONVERT.
//!
//! Errors carry the SQL Server error numbers a client would see (245, 241, 242, 8115, 206), so a
//! connector can be tested against the same failures a real server reports.

use chrono::{Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::{Len, SqlType, Value};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConversionError {
    /// Msg 245.
    #[error("Conversion failed when converting the {from} value '{value}' to data type {to}.")]
    Failed { from: String, value: String, to: String },
    /// Msg 241.
    #[error("Conversion failed when converting date and/or time from character string.")]
    DateTimeText,
    /// Msg 242.
    #[error("The conversion of a {from} data type to a datetime data type resulted in an out-of-range value.")]
    DateTimeRange { from: String },
    /// Msg 8115.
    #[error("Arithmetic overflow error converting expression to data type {to}.")]
    Overflow { to: String },
    /// Msg 206.
    #[error("Operand type clash: {left} is incompatible with {right}")]
    Clash { left: String, right: String },
}

impl ConversionError {
    /// The SQL Server message number of this error.
    pub fn number(&self) -> u32 {
        match self {
            ConversionError::Failed { .. } => 245,
            ConversionError::DateTimeText => 241,
            ConversionError::DateTimeRange { .. } => 242,
            ConversionError::Overflow { .. } => 8115,
            ConversionError::Clash { .. } => 206,
        }
    }
}

/// CAST/CONVERT semantics: convert, then cut strings and binaries to the target length
/// (SQL Server truncates silently on CAST).
pub fn cast(value: &Value, ty: SqlType) -> Result<Value, ConversionError> {
    let converted = convert(value, ty)?;
    Ok(match (converted, ty) {
        (Value::Str(s), SqlType::VarChar(Len::Limited(n)) | SqlType::NVarChar(Len::Limited(n))) => {
            Value::Str(s.chars().take(n as usize).collect())
        }
        (Value::Bytes(mut b), SqlType::VarBinary(Len::Limited(n))) => {
            b.truncate(n as usize);
            Value::Bytes(b)
        }
        (other, _) => other,
    })
}

/// Whether an already converted value fits the column without truncation. INSERT reports
/// Msg 2628 when it does not.
pub fn check_fits(value: &Value, ty: SqlType) -> bool {
    match (value, ty) {
        (Value::Str(s), SqlType::VarChar(Len::Limited(n))) => s.chars().count() <= n as usize,
        (Value::Str(s), SqlType::NVarChar(Len::Limited(n))) => s.encode_utf16().count() <= n as usize,
        (Value::Bytes(b), SqlType::VarBinary(Len::Limited(n))) => b.len() <= n as usize,
        _ => true,
    }
}

/// Implicit conversion to `ty`, without truncation. NULL converts to NULL.
pub fn convert(value: &Value, ty: SqlType) -> Result<Value, ConversionError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        SqlType::TinyInt => to_integer(value, ty, 0, 255),
        SqlType::SmallInt => to_integer(value, ty, i16::MIN as i64, i16::MAX as i64),
        SqlType::Int => to_integer(value, ty, i32::MIN as i64, i32::MAX as i64),
        SqlType::BigInt => to_integer(value, ty, i64::MIN, i64::MAX),
        SqlType::Bit => to_bit(value),
        SqlType::Float => to_float(value).map(Value::Float),
        SqlType::Decimal { precision, scale } => to_decimal(value, precision, scale),
        SqlType::VarChar(_) => Ok(Value::Str(to_code_page_1252(&value.to_display_string()))),
        SqlType::NVarChar(_) => Ok(Value::Str(value.to_display_string())),
        SqlType::VarBinary(_) => match value {
            Value::Bytes(b) => Ok(Value::Bytes(b.clone())),
            other => Err(clash(other, ty)),
        },
        SqlType::Date => to_naive(value, ty).map(|t| Value::Date(t.date())),
        SqlType::DateTime => {
            let t = to_naive(value, ty)?;
            if t.date() < NaiveDate::from_ymd_opt(1753, 1, 1).expect("valid date") {
                return Err(ConversionError::DateTimeRange { from: source_name(value) });
            }
            Ok(Value::DateTime(round_to_datetime_ticks(t)))
        }
        SqlType::DateTime2 { scale } => to_naive(value, ty).map(|t| Value::DateTime(round_to_scale(t, scale))),
        SqlType::DateTimeOffset { scale } => to_offset(value, ty).map(|t| {
            let rounded = round_to_scale(t.naive_utc(), scale);
            Value::DateTimeOffset(rounded.and_utc().with_timezone(t.offset()))
        }),
    }
}

/// varchar columns hold code page 1252; characters outside it become '?', as on SQL Server.
// ASSUMPTION: SQL Server converts nvarchar to varchar one UTF-16 code unit at a time: nvarchar
// keeps a character outside the Basic Multilingual Plane (an emoji) as a surrogate pair, and each
// unit becomes one '?', so "😀" is stored as "??" (and counts two characters of the column). No
// best-fit mapping is modelled: every unmappable character becomes '?'.
fn to_code_page_1252(s: &str) -> String {
    let mut buf = [0u8; 4];
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let (_, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.extend(std::iter::repeat_n('?', c.len_utf16()));
        } else {
            out.push(c);
        }
    }
    out
}

fn source_name(v: &Value) -> String {
    match v {
        Value::Str(_) => "varchar".to_string(),
        other => other.natural_type().map_or("NULL".into(), |t| t.sql_name()),
    }
}

fn clash(v: &Value, to: SqlType) -> ConversionError {
    ConversionError::Clash { left: source_name(v), right: to.sql_name() }
}

fn failed(v: &Value, to: SqlType) -> ConversionError {
    ConversionError::Failed { from: source_name(v), value: v.to_display_string(), to: to.sql_name() }
}

fn to_integer(value: &Value, ty: SqlType, min: i64, max: i64) -> Result<Value, ConversionError> {
    let wide: i128 = match value {
        Value::Bit(b) => *b as i128,
        Value::Int(i) => *i as i128,
        Value::Float(f) if f.is_finite() => f.trunc() as i128,
        Value::Decimal { mantissa, scale } => mantissa / 10i128.pow(*scale as u32),
        Value::Str(s) => s.trim().parse::<i128>().map_err(|_| failed(value, ty))?,
        other => return Err(clash(other, ty)),
    };
    if wide < min as i128 || wide > max as i128 {
        return Err(ConversionError::Overflow { to: ty.sql_name() });
    }
    Ok(Value::Int(wide as i64))
}

fn to_bit(value: &Value) -> Result<Value, ConversionError> {
    Ok(Value::Bit(match value {
        Value::Bit(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Decimal { mantissa, .. } => *mantissa != 0,
        Value::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => true,
            "0" | "false" => false,
            _ => return Err(failed(value, SqlType::Bit)),
        },
        other => return Err(clash(other, SqlType::Bit)),
    }))
}

fn to_float(value: &Value) -> Result<f64, ConversionError> {
    match value {
        Value::Bit(b) => Ok(*b as u8 as f64),
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Decimal { mantissa, scale } => Ok(*mantissa as f64 / 10f64.powi(*scale as i32)),
        Value::Str(s) => s.trim().parse().map_err(|_| failed(value, SqlType::Float)),
        other => Err(clash(other, SqlType::Float)),
    }
}

fn to_decimal(value: &Value, precision: u8, scale: u8) -> Result<Value, ConversionError> {
    let ty = SqlType::Decimal { precision, scale };
    let factor = 10i128.pow(scale as u32);
    let mantissa = match value {
        Value::Bit(b) => *b as i128 * factor,
        Value::Int(i) => *i as i128 * factor,
        Value::Decimal { mantissa, scale: s } => rescale(*mantissa, *s, scale),
        Value::Float(f) => (f * factor as f64).round() as i128,
        Value::Str(s) => parse_decimal(s.trim(), scale).ok_or_else(|| failed(value, ty))?,
        other => return Err(clash(other, ty)),
    };
    if mantissa.unsigned_abs() >= 10u128.pow(precision.min(38) as u32) {
        return Err(ConversionError::Overflow { to: ty.sql_name() });
    }
    Ok(Value::Decimal { mantissa, scale })
}

fn rescale(mantissa: i128, from: u8, to: u8) -> i128 {
    if to >= from {
        mantissa * 10i128.pow((to - from) as u32)
    } else {
        let divisor = 10i128.pow((from - to) as u32);
        let (q, r) = (mantissa / divisor, mantissa % divisor);
        if r.abs() * 2 >= divisor {
            q + mantissa.signum()
        } else {
            q
        }
    }
}

/// Parses `-12.345` into a mantissa at `scale`.
pub fn parse_decimal(text: &str, scale: u8) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !all_digits(int_part) || !all_digits(frac_part) {
        return None;
    }
    let combined = format!("{int_part}{frac_part}");
    let raw: i128 = if combined.is_empty() { 0 } else { combined.parse().ok()? };
    let value = rescale(raw, frac_part.len().min(38) as u8, scale);
    Some(if negative { -value } else { value })
}

fn to_naive(value: &Value, ty: SqlType) -> Result<NaiveDateTime, ConversionError> {
    match value {
        Value::Date(d) => Ok(d.and_time(NaiveTime::MIN)),
        Value::DateTime(t) => Ok(*t),
        // Converting datetimeoffset to a naive type keeps the local wall-clock part.
        Value::DateTimeOffset(t) => Ok(t.naive_local()),
        Value::Str(s) => parse_datetime_text(s.trim()).ok_or(ConversionError::DateTimeText),
        other => Err(clash(other, ty)),
    }
}

fn to_offset(value: &Value, ty: SqlType) -> Result<chrono::DateTime<FixedOffset>, ConversionError> {
    let utc = FixedOffset::east_opt(0).expect("zero offset");
    match value {
        Value::DateTimeOffset(t) => Ok(*t),
        Value::Str(s) => {
            let s = s.trim();
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                return Ok(t);
            }
            for format in ["%Y-%m-%d %H:%M:%S%.f %:z", "%Y-%m-%d %H:%M:%S %:z"] {
                if let Ok(t) = chrono::DateTime::parse_from_str(s, format) {
                    return Ok(t);
                }
            }
            let naive = parse_datetime_text(s).ok_or(ConversionError::DateTimeText)?;
            Ok(naive.and_utc().with_timezone(&utc))
        }
        other => to_naive(other, ty).map(|t| t.and_utc().with_timezone(&utc)),
    }
}

/// Date/time text formats SQL Server accepts under `us_english` (DATEFORMAT mdy): ISO forms and
/// the US culture form `1/2/2024 10:00:00 AM` that PowerShell's `DateTime.ToString()` produces.
pub(crate) fn parse_datetime_text(s: &str) -> Option<NaiveDateTime> {
    const DATETIME_FORMATS: [&str; 9] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y%m%d %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %I:%M:%S %p",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M",
    ];
    const DATE_FORMATS: [&str; 3] = ["%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"];
    DATETIME_FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok()).or_else(|| {
        DATE_FORMATS.iter().find_map(|f| NaiveDate::parse_from_str(s, f).ok()).map(|d| d.and_time(NaiveTime::MIN))
    })
}

/// `datetime` stores time in 1/300 s ticks.
pub fn round_to_datetime_ticks(t: NaiveDateTime) -> NaiveDateTime {
    let midnight = t.date().and_time(NaiveTime::MIN);
    let nanos_of_day = (t - midnight).num_nanoseconds().unwrap_or(0) as i128;
    let ticks = (nanos_of_day * 300 + 500_000_000) / 1_000_000_000;
    midnight + Duration::nanoseconds((ticks * 1_000_000_000 / 300) as i64)
}

/// datetime2/datetimeoffset keep `scale` fractional digits.
fn round_to_scale(t: NaiveDateTime, scale: u8) -> NaiveDateTime {
    let unit = 10i64.pow(9 - scale.min(7) as u32);
    let nanos = t.nanosecond() as i64 % 1_000_000_000;
    let rounded = (nanos + unit / 2) / unit * unit;
    t.with_nanosecond(0).expect("valid time") + Duration::nanoseconds(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varchar_replaces_characters_outside_code_page_1252() {
        assert_eq!(convert(&Value::str("Zoë 李"), SqlType::VarChar(Len::Limited(10))).unwrap(), Value::str("Zoë ?"));
    }

    #[test]
    fn varchar_gives_one_question_mark_per_utf16_unit_of_an_unmappable_character() {
        let varchar = SqlType::VarChar(Len::Limited(40));
        for (written, stored) in
            [("😀", "??"), ("a😀b", "a??b"), ("李", "?"), ("שלום", "????"), ("e\u{301}", "e?"), ("€ Œ ™", "€ Œ ™")]
        {
            assert_eq!(convert(&Value::str(written), varchar).unwrap(), Value::str(stored), "{written}");
        }
        // What the column stores is what counts against its length.
        let twenty_one_emoji = Value::str("😀".repeat(21));
        let stored = convert(&twenty_one_emoji, varchar).unwrap();
        assert!(!check_fits(&stored, varchar), "42 characters in varchar(40)");
    }

    #[test]
    fn int_conversion_reports_overflow_and_bad_text() {
        assert_eq!(convert(&Value::Int(1 << 40), SqlType::Int).unwrap_err().number(), 8115);
        assert_eq!(convert(&Value::str("x1"), SqlType::Int).unwrap_err().number(), 245);
        assert_eq!(convert(&Value::str(" 42 "), SqlType::Int).unwrap(), Value::Int(42));
    }

    #[test]
    fn datetime_accepts_iso_and_us_culture_text() {
        let expected = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap().and_hms_opt(10, 0, 0).unwrap();
        for text in ["2024-01-02 10:00:00", "2024-01-02T10:00:00", "1/2/2024 10:00:00 AM"] {
            assert_eq!(convert(&Value::str(text), SqlType::DateTime).unwrap(), Value::DateTime(expected), "{text}");
        }
        assert_eq!(convert(&Value::str("tomorrow"), SqlType::DateTime).unwrap_err().number(), 241);
    }

    #[test]
    fn datetime_rounds_to_three_hundredths_of_a_second() {
        let t = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap().and_hms_milli_opt(10, 0, 0, 2).unwrap();
        let Value::DateTime(r) = convert(&Value::DateTime(t), SqlType::DateTime).unwrap() else { panic!() };
        assert_eq!(r.nanosecond(), 3_333_333);
    }

    #[test]
    fn decimal_text_parses_at_scale() {
        assert_eq!(parse_decimal("-12.345", 2), Some(-1235));
        assert_eq!(parse_decimal("7", 0), Some(7));
        assert_eq!(parse_decimal("1.2.3", 0), None);
    }
}
