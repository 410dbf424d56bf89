//! SQL values and column types, shared by the wire codec, the SQL evaluator and the data model.
//!
//! One value type crosses every layer (a parameter decoded from TDS is compared with a stored
//! column and encoded back into a ROW), so the few SQL Server conversion and comparison rules the
//! simulator needs live next to it: `compare` (collation-aware ordering) and `convert` (implicit
//! conversion on INSERT, CAST).

mod compare;
mod convert;

pub use compare::{compare, like_matches, sql_equal};
pub use convert::{
    cast, check_fits, convert, parse_decimal, round_to_datetime_ticks as round_datetime, ConversionError,
};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde_json::json;

/// The length bound of a variable-length type: `(n)` or `(max)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    Max,
    /// Characters for (n)varchar, bytes for varbinary.
    Limited(u16),
}

/// A SQL Server column or expression type, as far as the simulator models them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Bit,
    Float,
    Decimal { precision: u8, scale: u8 },
    VarChar(Len),
    NVarChar(Len),
    VarBinary(Len),
    Date,
    DateTime,
    DateTime2 { scale: u8 },
    DateTimeOffset { scale: u8 },
}

impl SqlType {
    /// The type's name as SQL Server spells it in messages, e.g. `nvarchar(40)`.
    pub fn sql_name(&self) -> String {
        let len = |l: &Len| match l {
            Len::Max => "max".to_string(),
            Len::Limited(n) => n.to_string(),
        };
        match self {
            SqlType::TinyInt => "tinyint".into(),
            SqlType::SmallInt => "smallint".into(),
            SqlType::Int => "int".into(),
            SqlType::BigInt => "bigint".into(),
            SqlType::Bit => "bit".into(),
            SqlType::Float => "float".into(),
            SqlType::Decimal { precision, scale } => format!("numeric({precision},{scale})"),
            SqlType::VarChar(l) => format!("varchar({})", len(l)),
            SqlType::NVarChar(l) => format!("nvarchar({})", len(l)),
            SqlType::VarBinary(l) => format!("varbinary({})", len(l)),
            SqlType::Date => "date".into(),
            SqlType::DateTime => "datetime".into(),
            SqlType::DateTime2 { scale } => format!("datetime2({scale})"),
            SqlType::DateTimeOffset { scale } => format!("datetimeoffset({scale})"),
        }
    }

    pub fn is_string(&self) -> bool {
        matches!(self, SqlType::VarChar(_) | SqlType::NVarChar(_))
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::TinyInt | SqlType::SmallInt | SqlType::Int | SqlType::BigInt)
    }
}

/// One SQL value. Strings of every character type are `Str`; the column's [`SqlType`] decides
/// how they are stored and encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bit(bool),
    Int(i64),
    Float(f64),
    /// A fixed-point number: `mantissa / 10^scale`.
    Decimal {
        mantissa: i128,
        scale: u8,
    },
    Str(String),
    Bytes(Vec<u8>),
    Date(NaiveDate),
    /// A naive wall-clock time (datetime, datetime2).
    DateTime(NaiveDateTime),
    DateTimeOffset(DateTime<FixedOffset>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn opt_str(s: Option<&str>) -> Value {
        s.map_or(Value::Null, Value::str)
    }

    pub fn opt_int(i: Option<i64>) -> Value {
        i.map_or(Value::Null, Value::Int)
    }

    pub fn opt_datetime(t: Option<NaiveDateTime>) -> Value {
        t.map_or(Value::Null, Value::DateTime)
    }

    /// The value as an integer, when it is one (bits count as 0/1).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bit(b) => Some(*b as i64),
            Value::Decimal { mantissa, scale } => i64::try_from(mantissa / 10i128.pow(*scale as u32)).ok(),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The most natural SQL type for this value when no declared type is known
    /// (literals, computed expressions).
    pub fn natural_type(&self) -> Option<SqlType> {
        Some(match self {
            Value::Null => return None,
            Value::Bit(_) => SqlType::Bit,
            Value::Int(i) if i32::try_from(*i).is_ok() => SqlType::Int,
            Value::Int(_) => SqlType::BigInt,
            Value::Float(_) => SqlType::Float,
            Value::Decimal { scale, .. } => SqlType::Decimal { precision: 38, scale: *scale },
            Value::Str(s) if s.chars().count() <= 4000 => SqlType::NVarChar(Len::Limited(4000)),
            Value::Str(_) => SqlType::NVarChar(Len::Max),
            Value::Bytes(b) if b.len() <= 8000 => SqlType::VarBinary(Len::Limited(8000)),
            Value::Bytes(_) => SqlType::VarBinary(Len::Max),
            Value::Date(_) => SqlType::Date,
            Value::DateTime(_) => SqlType::DateTime2 { scale: 7 },
            Value::DateTimeOffset(_) => SqlType::DateTimeOffset { scale: 7 },
        })
    }

    /// The value as JSON for state dumps: dates as ISO-8601 text, bytes as hex.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bit(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Float(f) => json!(f),
            Value::Decimal { .. } => json!(self.to_display_string()),
            Value::Str(s) => json!(s),
            Value::Bytes(b) => json!(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
            Value::Date(d) => json!(d.to_string()),
            Value::DateTime(t) => json!(t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()),
            Value::DateTimeOffset(t) => json!(t.to_rfc3339()),
        }
    }

    /// Text form used when a value is converted to a string type.
    pub fn to_display_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bit(b) => (*b as u8).to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Decimal { mantissa, scale } => decimal_to_string(*mantissa, *scale),
            Value::Str(s) => s.clone(),
            Value::Bytes(b) => format!("0x{}", b.iter().map(|x| format!("{x:02X}")).collect::<String>()),
            Value::Date(d) => d.to_string(),
            Value::DateTime(t) => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            Value::DateTimeOffset(t) => t.format("%Y-%m-%d %H:%M:%S%.7f %:z").to_string(),
        }
    }
}

fn decimal_to_string(mantissa: i128, scale: u8) -> String {
    if scale == 0 {
        return mantissa.to_string();
    }
    let divisor = 10i128.pow(scale as u32);
    let sign = if mantissa < 0 { "-" } else { "" };
    let abs = mantissa.abs();
    format!("{sign}{}.{:0width$}", abs / divisor, abs % divisor, width = scale as usize)
}
