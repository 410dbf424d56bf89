//! How result columns and their values look on the wire: TYPE_INFO in COLMETADATA and the
//! per-type value encodings in ROW (MS-TDS 2.2.5.4–2.2.5.5).
//!
//! Only nullable ("N") and variable-length types are written, as SQL Server does for result
//! sets, and only types every supported client decodes (INTN, BITN, FLTN, NUMERICN, BIGVARCHAR,
//! NVARCHAR, BIGVARBINARY, DATEN, DATETIMEN, DATETIME2N, DATETIMEOFFSETN).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::value::{convert, ConversionError, Len, SqlType, Value};

/// ASSUMPTION: the Symmetry databases use SQL_Latin1_General_CP1_CI_AS (LCID 0x0409, sort id 52),
/// SQL Server's default for US English installs.
pub const COLLATION: [u8; 5] = [0x09, 0x04, 0xD0, 0x00, 0x34];

pub const INTN: u8 = 0x26;
pub const BITN: u8 = 0x68;
pub const FLTN: u8 = 0x6D;
pub const NUMERICN: u8 = 0x6C;
pub const DECIMALN: u8 = 0x6A;
pub const BIGVARCHAR: u8 = 0xA7;
pub const BIGCHAR: u8 = 0xAF;
pub const NVARCHAR: u8 = 0xE7;
pub const NCHAR: u8 = 0xEF;
pub const BIGVARBINARY: u8 = 0xA5;
pub const BIGBINARY: u8 = 0xAD;
pub const DATEN: u8 = 0x28;
pub const DATETIMEN: u8 = 0x6F;
pub const DATETIME2N: u8 = 0x2A;
pub const DATETIMEOFFSETN: u8 = 0x2B;

const PLP_NULL: u64 = u64::MAX;
const USHORT_NULL: u16 = 0xFFFF;

/// A column of a result set.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultColumn {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub identity: bool,
}

impl ResultColumn {
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        ResultColumn { name: name.into(), ty, nullable: true, identity: false }
    }
}

/// COLMETADATA flags. Only bits every client accepts: nullable, "updateable unknown" (MS-TDS
/// usUpdateable = 2) and identity.
pub fn column_flags(column: &ResultColumn) -> u16 {
    let mut flags = 0x0008;
    if column.nullable {
        flags |= 0x0001;
    }
    if column.identity {
        flags |= 0x0010;
    }
    flags
}

/// TYPE_INFO of a column.
pub fn encode_type_info(ty: SqlType, out: &mut Vec<u8>) {
    match ty {
        SqlType::TinyInt => out.extend_from_slice(&[INTN, 1]),
        SqlType::SmallInt => out.extend_from_slice(&[INTN, 2]),
        SqlType::Int => out.extend_from_slice(&[INTN, 4]),
        SqlType::BigInt => out.extend_from_slice(&[INTN, 8]),
        SqlType::Bit => out.extend_from_slice(&[BITN, 1]),
        SqlType::Float => out.extend_from_slice(&[FLTN, 8]),
        SqlType::Decimal { precision, scale } => {
            out.extend_from_slice(&[NUMERICN, decimal_storage_len(precision), precision, scale])
        }
        SqlType::VarChar(len) => {
            out.push(BIGVARCHAR);
            out.extend_from_slice(&max_len(len, 1).to_le_bytes());
            out.extend_from_slice(&COLLATION);
        }
        SqlType::NVarChar(len) => {
            out.push(NVARCHAR);
            out.extend_from_slice(&max_len(len, 2).to_le_bytes());
            out.extend_from_slice(&COLLATION);
        }
        SqlType::VarBinary(len) => {
            out.push(BIGVARBINARY);
            out.extend_from_slice(&max_len(len, 1).to_le_bytes());
        }
        SqlType::Date => out.push(DATEN),
        SqlType::DateTime => out.extend_from_slice(&[DATETIMEN, 8]),
        SqlType::DateTime2 { scale } => out.extend_from_slice(&[DATETIME2N, scale]),
        SqlType::DateTimeOffset { scale } => out.extend_from_slice(&[DATETIMEOFFSETN, scale]),
    }
}

fn max_len(len: Len, bytes_per_unit: u16) -> u16 {
    match len {
        Len::Max => 0xFFFF,
        Len::Limited(n) => n.saturating_mul(bytes_per_unit).min(8000),
    }
}

pub fn decimal_storage_len(precision: u8) -> u8 {
    match precision {
        0..=9 => 5,
        10..=19 => 9,
        20..=28 => 13,
        _ => 17,
    }
}

/// The value of one column in a ROW token. The value is converted to the column type first.
pub fn encode_value(ty: SqlType, value: &Value, out: &mut Vec<u8>) -> Result<(), ConversionError> {
    let value = convert(value, ty)?;
    match (ty, &value) {
        (SqlType::VarChar(Len::Max) | SqlType::NVarChar(Len::Max) | SqlType::VarBinary(Len::Max), Value::Null) => {
            out.extend_from_slice(&PLP_NULL.to_le_bytes())
        }
        (SqlType::VarChar(_) | SqlType::NVarChar(_) | SqlType::VarBinary(_), Value::Null) => {
            out.extend_from_slice(&USHORT_NULL.to_le_bytes())
        }
        (_, Value::Null) => out.push(0),
        (SqlType::TinyInt, Value::Int(i)) => out.extend_from_slice(&[1, *i as u8]),
        (SqlType::SmallInt, Value::Int(i)) => len_prefixed(out, &(*i as i16).to_le_bytes()),
        (SqlType::Int, Value::Int(i)) => len_prefixed(out, &(*i as i32).to_le_bytes()),
        (SqlType::BigInt, Value::Int(i)) => len_prefixed(out, &i.to_le_bytes()),
        (SqlType::Bit, Value::Bit(b)) => out.extend_from_slice(&[1, *b as u8]),
        (SqlType::Float, Value::Float(f)) => len_prefixed(out, &f.to_le_bytes()),
        (SqlType::Decimal { precision, .. }, Value::Decimal { mantissa, .. }) => {
            let len = decimal_storage_len(precision) as usize;
            out.push(len as u8);
            out.push(if *mantissa < 0 { 0 } else { 1 });
            out.extend_from_slice(&mantissa.unsigned_abs().to_le_bytes()[..len - 1]);
        }
        (SqlType::VarChar(len), Value::Str(s)) => {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(s);
            variable(out, len, &bytes)
        }
        (SqlType::NVarChar(len), Value::Str(s)) => {
            let bytes: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            variable(out, len, &bytes)
        }
        (SqlType::VarBinary(len), Value::Bytes(b)) => variable(out, len, b),
        (SqlType::Date, Value::Date(d)) => {
            out.push(3);
            out.extend_from_slice(&days_since_year_one(*d).to_le_bytes()[..3]);
        }
        (SqlType::DateTime, Value::DateTime(t)) => {
            let (days, ticks) = datetime_parts(*t);
            out.push(8);
            out.extend_from_slice(&days.to_le_bytes());
            out.extend_from_slice(&ticks.to_le_bytes());
        }
        (SqlType::DateTime2 { scale }, Value::DateTime(t)) => {
            let body = datetime2_body(*t, scale);
            len_prefixed(out, &body);
        }
        (SqlType::DateTimeOffset { scale }, Value::DateTimeOffset(t)) => {
            let mut body = datetime2_body(t.naive_utc(), scale);
            body.extend_from_slice(&((t.offset().local_minus_utc() / 60) as i16).to_le_bytes());
            len_prefixed(out, &body);
        }
        (ty, other) => {
            return Err(ConversionError::Clash {
                left: other.natural_type().map_or("NULL".into(), |t| t.sql_name()),
                right: ty.sql_name(),
            })
        }
    }
    Ok(())
}

fn len_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

/// USHORTLEN data, or PLP (partially length-prefixed) data for `(max)` columns.
fn variable(out: &mut Vec<u8>, len: Len, bytes: &[u8]) {
    match len {
        Len::Max => {
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            if !bytes.is_empty() {
                out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                out.extend_from_slice(bytes);
            }
            out.extend_from_slice(&0u32.to_le_bytes());
        }
        Len::Limited(_) => {
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

pub fn year_one() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).expect("valid date")
}

pub fn year_1900() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date")
}

fn days_since_year_one(d: NaiveDate) -> u32 {
    (d - year_one()).num_days() as u32
}

/// datetime: days since 1900-01-01 and 1/300-second ticks since midnight.
fn datetime_parts(t: NaiveDateTime) -> (i32, u32) {
    let days = (t.date() - year_1900()).num_days() as i32;
    let nanos = (t.time() - NaiveTime::MIN).num_nanoseconds().unwrap_or(0) as u128;
    let ticks = ((nanos * 300 + 500_000_000) / 1_000_000_000) as u32;
    (days, ticks)
}

/// Bytes of the time part for a scale.
pub fn time_len(scale: u8) -> usize {
    match scale {
        0..=2 => 3,
        3..=4 => 4,
        _ => 5,
    }
}

/// datetime2 body: time in 10^-scale second units, then the 3-byte day count.
fn datetime2_body(t: NaiveDateTime, scale: u8) -> Vec<u8> {
    let scale = scale.min(7);
    let nanos_of_day = t.num_seconds_from_midnight() as u64 * 1_000_000_000 + (t.nanosecond() % 1_000_000_000) as u64;
    let units = nanos_of_day / 10u64.pow(9 - scale as u32);
    let mut body = units.to_le_bytes()[..time_len(scale)].to_vec();
    body.extend_from_slice(&days_since_year_one(t.date()).to_le_bytes()[..3]);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(ty: SqlType, v: Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(ty, &v, &mut out).unwrap();
        out
    }

    #[test]
    fn int_and_null_encodings() {
        assert_eq!(encoded(SqlType::Int, Value::Int(-2)), vec![4, 0xFE, 0xFF, 0xFF, 0xFF]);
        assert_eq!(encoded(SqlType::Int, Value::Null), vec![0]);
        assert_eq!(encoded(SqlType::NVarChar(Len::Limited(10)), Value::Null), vec![0xFF, 0xFF]);
        assert_eq!(encoded(SqlType::NVarChar(Len::Max), Value::Null), vec![0xFF; 8]);
    }

    #[test]
    fn max_strings_use_plp_chunks() {
        let out = encoded(SqlType::NVarChar(Len::Max), Value::str("ab"));
        assert_eq!(out, vec![4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, b'a', 0, b'b', 0, 0, 0, 0, 0]);
    }

    #[test]
    fn varchar_is_code_page_1252() {
        assert_eq!(encoded(SqlType::VarChar(Len::Limited(5)), Value::str("é")), vec![1, 0, 0xE9]);
    }

    #[test]
    fn datetime_counts_days_from_1900_and_ticks_of_a_300th() {
        let t = NaiveDate::from_ymd_opt(1900, 1, 2).unwrap().and_hms_opt(0, 0, 1).unwrap();
        assert_eq!(encoded(SqlType::DateTime, Value::DateTime(t)), vec![8, 1, 0, 0, 0, 44, 1, 0, 0]);
    }

    #[test]
    fn scope_identity_is_numeric_38() {
        let out = encoded(SqlType::Decimal { precision: 38, scale: 0 }, Value::Int(7));
        assert_eq!(out.len(), 18);
        assert_eq!(&out[..3], &[17, 1, 7]);
    }
}
