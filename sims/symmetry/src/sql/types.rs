//! SQL type names in statements (CAST targets, DECLARE, sp_executesql parameter lists) mapped to
//! the simulator's types. Names are matched on their text so every spelling the parser accepts
//! (`int`, `INTEGER`, `nvarchar(max)`, `datetime2(3)`) maps the same way.

use sqlparser::ast::DataType;

use super::error::SqlError;
use crate::value::{Len, SqlType};

pub fn data_type(dt: &DataType) -> Result<SqlType, SqlError> {
    type_from_text(&dt.to_string())
}

/// `nvarchar(40)`, `decimal(10, 2)`, `datetime2`, ...
pub fn type_from_text(text: &str) -> Result<SqlType, SqlError> {
    let text = text.trim().to_lowercase();
    let (name, args) = match text.split_once('(') {
        Some((name, rest)) => {
            (name.trim().to_string(), rest.trim_end_matches(')').split(',').map(|a| a.trim().to_string()).collect())
        }
        None => (text.clone(), Vec::<String>::new()),
    };
    let name = name.trim_matches(|c| c == '[' || c == ']');
    let number = |i: usize, default: u32| -> Result<u32, SqlError> {
        match args.get(i) {
            None => Ok(default),
            Some(a) => a.parse().map_err(|_| SqlError::syntax_near(a)),
        }
    };
    // Simplification: a length-less (n)varchar is taken as 30 characters, the
    // CAST default (DECLARE would use 1).
    let len = |max_units: u32| -> Result<Len, SqlError> {
        match args.first().map(String::as_str) {
            Some("max") => Ok(Len::Max),
            _ => Ok(Len::Limited(number(0, 30)?.min(max_units) as u16)),
        }
    };
    Ok(match name {
        "int" | "integer" => SqlType::Int,
        "bigint" => SqlType::BigInt,
        "smallint" => SqlType::SmallInt,
        "tinyint" => SqlType::TinyInt,
        "bit" => SqlType::Bit,
        "float" | "real" | "double" | "double precision" => SqlType::Float,
        "decimal" | "numeric" | "dec" => {
            SqlType::Decimal { precision: number(0, 18)?.clamp(1, 38) as u8, scale: number(1, 0)?.min(38) as u8 }
        }
        "varchar" | "char" | "character varying" | "character" | "text" => SqlType::VarChar(len(8000)?),
        "nvarchar" | "nchar" | "ntext" | "national character varying" | "sysname" => SqlType::NVarChar(len(4000)?),
        "varbinary" | "binary" | "image" => SqlType::VarBinary(len(8000)?),
        "date" => SqlType::Date,
        "datetime" | "smalldatetime" => SqlType::DateTime,
        "datetime2" => SqlType::DateTime2 { scale: number(0, 7)?.min(7) as u8 },
        "datetimeoffset" => SqlType::DateTimeOffset { scale: number(0, 7)?.min(7) as u8 },
        "uniqueidentifier" => SqlType::NVarChar(Len::Limited(36)),
        other => return Err(SqlError::unsupported(format!("the data type {other}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_type_spellings() {
        assert_eq!(type_from_text("NVARCHAR(MAX)").unwrap(), SqlType::NVarChar(Len::Max));
        assert_eq!(type_from_text("nvarchar(4000)").unwrap(), SqlType::NVarChar(Len::Limited(4000)));
        assert_eq!(type_from_text("decimal(10, 2)").unwrap(), SqlType::Decimal { precision: 10, scale: 2 });
        assert_eq!(type_from_text("datetime2").unwrap(), SqlType::DateTime2 { scale: 7 });
        assert!(type_from_text("xml").is_err());
    }
}
