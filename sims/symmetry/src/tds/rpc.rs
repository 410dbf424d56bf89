//! Client requests: SQL batch text and RPC calls with typed parameters (MS-TDS 2.2.6.6, 2.2.6.7).
//!
//! Parameter decoding covers the types SQL clients send for ordinary values: integers, bit,
//! float, decimal, (n)varchar incl. MAX (PLP), varbinary, date, datetime(N), datetime2,
//! datetimeoffset, uniqueidentifier, and NULLs of each. Anything else is reported as unsupported
//! rather than guessed at, since its length could not be skipped safely.

use chrono::{Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

use super::types::{self as t, time_len, year_1900, year_one};
use super::wire::decode_utf16;
use super::{ProtocolError, WireReader};
use crate::value::{Len, SqlType, Value};

/// Why an RPC request could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// A well-formed request using a type the simulator does not decode.
    #[error("parameter '{name}' has TDS type {type_byte:#04x}, which the simulator does not support")]
    UnsupportedType { name: String, type_byte: u8 },
    #[error("several RPC calls in one request are not supported by the simulator")]
    MultipleCalls,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Procedure {
    /// A well-known procedure by number (10 = sp_executesql).
    Id(u16),
    Name(String),
}

pub const SP_EXECUTESQL: u16 = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct RpcParam {
    /// As sent, e.g. `@P1`; empty for positional parameters.
    pub name: String,
    pub output: bool,
    pub ty: SqlType,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RpcRequest {
    pub procedure: Procedure,
    pub params: Vec<RpcParam>,
}

/// Skips ALL_HEADERS (transaction descriptor etc.), which TDS 7.2+ requests start with.
fn skip_all_headers(r: &mut WireReader<'_>) -> Result<(), ProtocolError> {
    let total = r.u32_le()? as usize;
    if total < 4 || total - 4 > r.remaining() {
        return Err(ProtocolError::new(format!("ALL_HEADERS length {total} is invalid")));
    }
    r.skip(total - 4)
}

pub fn parse_sql_batch(payload: &[u8]) -> Result<String, ProtocolError> {
    let mut r = WireReader::new(payload, "sql batch");
    skip_all_headers(&mut r)?;
    let text = r.bytes(r.remaining())?;
    if text.len() % 2 != 0 {
        return Err(ProtocolError::new("sql batch: odd number of UTF-16 bytes"));
    }
    decode_utf16(text).map_err(|_| ProtocolError::new("sql batch: invalid UTF-16 text"))
}

pub fn parse_rpc(payload: &[u8]) -> Result<RpcRequest, RpcError> {
    let mut r = WireReader::new(payload, "rpc");
    skip_all_headers(&mut r)?;
    let name_len = r.u16_le()?;
    let procedure =
        if name_len == 0xFFFF { Procedure::Id(r.u16_le()?) } else { Procedure::Name(r.utf16(name_len as usize)?) };
    let _option_flags = r.u16_le()?;
    let mut params = Vec::new();
    while !r.is_empty() {
        // 0x80 (batch flag) / 0xFF (no-exec flag) separate further calls in the same request.
        let peek = payload[r.position()];
        if peek == 0x80 || peek == 0xFF {
            return Err(RpcError::MultipleCalls);
        }
        let name = r.b_varchar()?;
        let status = r.u8()?;
        let (ty, value) = decode_param(&mut r, &name)?;
        params.push(RpcParam { name, output: status & 0x01 != 0, ty, value });
    }
    Ok(RpcRequest { procedure, params })
}

fn decode_param(r: &mut WireReader<'_>, name: &str) -> Result<(SqlType, Value), RpcError> {
    let type_byte = r.u8()?;
    let unsupported = || RpcError::UnsupportedType { name: name.to_string(), type_byte };
    Ok(match type_byte {
        // NULLTYPE: a NULL without a type (tiberius sends it for `None`); the declared type applies.
        0x1F => (SqlType::Int, Value::Null),
        0x30 => (SqlType::TinyInt, Value::Int(r.u8()? as i64)),
        0x34 => (SqlType::SmallInt, Value::Int(i16::from_le_bytes(r.array()?) as i64)),
        0x38 => (SqlType::Int, Value::Int(i32::from_le_bytes(r.array()?) as i64)),
        0x7F => (SqlType::BigInt, Value::Int(i64::from_le_bytes(r.array()?))),
        0x32 => (SqlType::Bit, Value::Bit(r.u8()? != 0)),
        0x3E => (SqlType::Float, Value::Float(f64::from_le_bytes(r.array()?))),
        0x3B => (SqlType::Float, Value::Float(f32::from_le_bytes(r.array()?) as f64)),
        0x3D => (SqlType::DateTime, Value::DateTime(datetime_from(r.bytes(8)?))),
        0x3A => (SqlType::DateTime, Value::DateTime(smalldatetime_from(r.bytes(4)?))),
        t::INTN => {
            let ty = match r.u8()? {
                1 => SqlType::TinyInt,
                2 => SqlType::SmallInt,
                4 => SqlType::Int,
                8 => SqlType::BigInt,
                other => return Err(ProtocolError::new(format!("INTN length {other}")).into()),
            };
            let value = match r.u8()? {
                0 => Value::Null,
                1 => Value::Int(r.u8()? as i64),
                2 => Value::Int(i16::from_le_bytes(r.array()?) as i64),
                4 => Value::Int(i32::from_le_bytes(r.array()?) as i64),
                8 => Value::Int(i64::from_le_bytes(r.array()?)),
                other => return Err(ProtocolError::new(format!("INTN value length {other}")).into()),
            };
            (ty, value)
        }
        t::BITN => {
            r.u8()?;
            let value = match r.u8()? {
                0 => Value::Null,
                _ => Value::Bit(r.u8()? != 0),
            };
            (SqlType::Bit, value)
        }
        t::FLTN => {
            r.u8()?;
            let value = match r.u8()? {
                0 => Value::Null,
                4 => Value::Float(f32::from_le_bytes(r.array()?) as f64),
                8 => Value::Float(f64::from_le_bytes(r.array()?)),
                other => return Err(ProtocolError::new(format!("FLTN value length {other}")).into()),
            };
            (SqlType::Float, value)
        }
        t::DECIMALN | t::NUMERICN => {
            let _len = r.u8()?;
            let (precision, scale) = (r.u8()?, r.u8()?);
            let value = match r.u8()? as usize {
                0 => Value::Null,
                n => {
                    let sign = r.u8()?;
                    let mut bytes = [0u8; 16];
                    let digits = r.bytes(n - 1)?;
                    bytes[..digits.len().min(16)].copy_from_slice(&digits[..digits.len().min(16)]);
                    let magnitude = u128::from_le_bytes(bytes) as i128;
                    Value::Decimal { mantissa: if sign == 0 { -magnitude } else { magnitude }, scale }
                }
            };
            (SqlType::Decimal { precision, scale }, value)
        }
        0x24 => {
            r.u8()?;
            let value = match r.u8()? {
                0 => Value::Null,
                _ => Value::Str(guid_text(&r.array::<16>()?)),
            };
            (SqlType::NVarChar(Len::Limited(36)), value)
        }
        t::DATETIMEN => {
            r.u8()?;
            let value = match r.u8()? {
                0 => Value::Null,
                4 => Value::DateTime(smalldatetime_from(r.bytes(4)?)),
                _ => Value::DateTime(datetime_from(r.bytes(8)?)),
            };
            (SqlType::DateTime, value)
        }
        t::DATEN => {
            let value = match r.u8()? {
                0 => Value::Null,
                _ => Value::Date(date_from(r.bytes(3)?)),
            };
            (SqlType::Date, value)
        }
        t::DATETIME2N => {
            let scale = r.u8()?.min(7);
            let value = match r.u8()? {
                0 => Value::Null,
                _ => Value::DateTime(datetime2_from(r, scale)?),
            };
            (SqlType::DateTime2 { scale }, value)
        }
        t::DATETIMEOFFSETN => {
            let scale = r.u8()?.min(7);
            let value = match r.u8()? {
                0 => Value::Null,
                _ => {
                    let utc = datetime2_from(r, scale)?;
                    let minutes = i16::from_le_bytes(r.array()?);
                    let offset = FixedOffset::east_opt(minutes as i32 * 60)
                        .ok_or_else(|| ProtocolError::new("datetimeoffset: offset out of range"))?;
                    Value::DateTimeOffset(utc.and_utc().with_timezone(&offset))
                }
            };
            (SqlType::DateTimeOffset { scale }, value)
        }
        t::BIGVARCHAR | t::BIGCHAR | t::NVARCHAR | t::NCHAR | t::BIGVARBINARY | t::BIGBINARY => {
            let max = r.u16_le()?;
            let textual = !matches!(type_byte, t::BIGVARBINARY | t::BIGBINARY);
            if textual {
                r.skip(5)?; // collation
            }
            let raw = if max == 0xFFFF { read_plp(r)? } else { read_ushort_len(r)? };
            let unicode = matches!(type_byte, t::NVARCHAR | t::NCHAR);
            let len = if max == 0xFFFF { Len::Max } else { Len::Limited(if unicode { max / 2 } else { max }) };
            let ty = match (textual, unicode) {
                (false, _) => SqlType::VarBinary(len),
                (true, true) => SqlType::NVarChar(len),
                (true, false) => SqlType::VarChar(len),
            };
            let value = match raw {
                None => Value::Null,
                Some(bytes) if !textual => Value::Bytes(bytes),
                Some(bytes) if unicode => Value::Str(
                    decode_utf16(&bytes)
                        .map_err(|_| ProtocolError::new(format!("parameter {name}: invalid UTF-16")))?,
                ),
                Some(bytes) => Value::Str(encoding_rs::WINDOWS_1252.decode(&bytes).0.into_owned()),
            };
            (ty, value)
        }
        _ => return Err(unsupported()),
    })
}

fn read_ushort_len(r: &mut WireReader<'_>) -> Result<Option<Vec<u8>>, ProtocolError> {
    match r.u16_le()? {
        0xFFFF => Ok(None),
        n => Ok(Some(r.bytes(n as usize)?.to_vec())),
    }
}

/// PLP: total length (or NULL / unknown markers), then chunks ending with a zero-length one.
fn read_plp(r: &mut WireReader<'_>) -> Result<Option<Vec<u8>>, ProtocolError> {
    const NULL: u64 = u64::MAX;
    const UNKNOWN: u64 = u64::MAX - 1;
    let total = r.u64_le()?;
    if total == NULL {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(if total == UNKNOWN { 0 } else { (total as usize).min(r.remaining()) });
    loop {
        let chunk = r.u32_le()? as usize;
        if chunk == 0 {
            break;
        }
        out.extend_from_slice(r.bytes(chunk)?);
    }
    if total != UNKNOWN && total as usize != out.len() {
        return Err(ProtocolError::new(format!("PLP value announced {total} bytes but carried {}", out.len())));
    }
    Ok(Some(out))
}

fn date_from(bytes: &[u8]) -> NaiveDate {
    let days = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0]);
    year_one() + Duration::days(days as i64)
}

fn datetime2_from(r: &mut WireReader<'_>, scale: u8) -> Result<NaiveDateTime, ProtocolError> {
    let mut time = [0u8; 8];
    let len = time_len(scale);
    time[..len].copy_from_slice(r.bytes(len)?);
    let units = u64::from_le_bytes(time);
    let nanos = units * 10u64.pow(9 - scale as u32);
    let date = date_from(r.bytes(3)?);
    Ok(date.and_time(NaiveTime::MIN) + Duration::nanoseconds(nanos as i64))
}

fn datetime_from(bytes: &[u8]) -> NaiveDateTime {
    let days = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let ticks = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as i64;
    (year_1900() + Duration::days(days as i64)).and_time(NaiveTime::MIN)
        + Duration::nanoseconds(ticks * 1_000_000_000 / 300)
}

fn smalldatetime_from(bytes: &[u8]) -> NaiveDateTime {
    let days = u16::from_le_bytes([bytes[0], bytes[1]]) as i64;
    let minutes = u16::from_le_bytes([bytes[2], bytes[3]]) as i64;
    (year_1900() + Duration::days(days)).and_time(NaiveTime::MIN) + Duration::minutes(minutes)
}

/// uniqueidentifier bytes in SQL Server's mixed-endian layout, as canonical upper-case text.
fn guid_text(b: &[u8; 16]) -> String {
    format!(
        "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_HEADERS: [u8; 22] = [22, 0, 0, 0, 18, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0];

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    #[test]
    fn batch_text_follows_all_headers() {
        let mut payload = ALL_HEADERS.to_vec();
        payload.extend(utf16("SELECT 1"));
        assert_eq!(parse_sql_batch(&payload).unwrap(), "SELECT 1");
        assert!(parse_sql_batch(&[200, 0, 0, 0]).is_err());
    }

    #[test]
    fn decodes_sp_executesql_with_plp_text_int_and_null() {
        let mut p = ALL_HEADERS.to_vec();
        p.extend_from_slice(&[0xFF, 0xFF, 10, 0, 0, 0]);
        // @stmt as NVARCHAR(MAX) with unknown length, two chunks
        p.push(0);
        p.push(0);
        p.extend_from_slice(&[0xE7, 0xFF, 0xFF, 0, 0, 0, 0, 0]);
        p.extend_from_slice(&(u64::MAX - 1).to_le_bytes());
        p.extend_from_slice(&4u32.to_le_bytes());
        p.extend(utf16("SE"));
        p.extend_from_slice(&2u32.to_le_bytes());
        p.extend(utf16("L"));
        p.extend_from_slice(&0u32.to_le_bytes());
        // @P1 int = 7
        p.push(3);
        p.extend(utf16("@P1"));
        p.extend_from_slice(&[0, 0x26, 4, 4, 7, 0, 0, 0]);
        // @P2 nvarchar(10) = NULL
        p.push(3);
        p.extend(utf16("@P2"));
        p.extend_from_slice(&[0, 0xE7, 20, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
        let rpc = parse_rpc(&p).unwrap();
        assert_eq!(rpc.procedure, Procedure::Id(SP_EXECUTESQL));
        assert_eq!(rpc.params[0].value, Value::str("SEL"));
        assert_eq!(rpc.params[0].ty, SqlType::NVarChar(Len::Max));
        assert_eq!((rpc.params[1].name.as_str(), &rpc.params[1].value), ("@P1", &Value::Int(7)));
        assert_eq!(rpc.params[2].value, Value::Null);
        assert_eq!(rpc.params[2].ty, SqlType::NVarChar(Len::Limited(10)));
    }

    #[test]
    fn decodes_datetime2_and_datetimeoffset() {
        let mut r = WireReader::new(&[0x2A, 7, 8, 0, 0, 0, 0, 0, 1, 0, 0], "t");
        let (_, v) = decode_param(&mut r, "@d").unwrap();
        assert_eq!(v, Value::DateTime(year_one().succ_opt().unwrap().and_time(NaiveTime::MIN)));
        let mut r = WireReader::new(&[0x2B, 0, 8, 0, 0, 0, 0, 0, 0, 60, 0], "t");
        let (_, v) = decode_param(&mut r, "@o").unwrap();
        let Value::DateTimeOffset(o) = v else { panic!() };
        assert_eq!(o.offset().local_minus_utc(), 3600);
    }

    #[test]
    fn decodes_legacy_datetime_smalldatetime_and_untyped_null() {
        let mut r = WireReader::new(&[0x6F, 8, 8, 1, 0, 0, 0, 44, 1, 0, 0, 0x1F], "t");
        let (ty, v) = decode_param(&mut r, "@d").unwrap();
        assert_eq!(ty, SqlType::DateTime);
        assert_eq!(v, Value::DateTime(year_1900().succ_opt().unwrap().and_hms_opt(0, 0, 1).unwrap()));
        assert_eq!(decode_param(&mut r, "@n").unwrap().1, Value::Null);
        let mut r = WireReader::new(&[0x3A, 1, 0, 90, 0], "t");
        let (_, v) = decode_param(&mut r, "@s").unwrap();
        assert_eq!(v, Value::DateTime(year_1900().succ_opt().unwrap().and_hms_opt(1, 30, 0).unwrap()));
    }

    #[test]
    fn unknown_types_are_reported_not_guessed() {
        let mut r = WireReader::new(&[0xF1, 0, 0], "t");
        assert!(matches!(decode_param(&mut r, "@x"), Err(RpcError::UnsupportedType { type_byte: 0xF1, .. })));
    }
}
