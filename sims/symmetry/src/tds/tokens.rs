//! The token stream a server writes (MS-TDS 2.2.7): login acknowledgement, environment changes,
//! messages, result sets and completion tokens.
//!
//! Only tokens and status bits that every supported client decodes are emitted; tiberius, for
//! one, rejects unknown DONE status bits and panics on tokens it does not implement.

use crate::value::{ConversionError, Value};

use super::types::{column_flags, encode_type_info, encode_value, ResultColumn};

const LOGINACK: u8 = 0xAD;
const ENVCHANGE: u8 = 0xE3;
const INFO: u8 = 0xAB;
const ERROR: u8 = 0xAA;
const COLMETADATA: u8 = 0x81;
const ROW: u8 = 0xD1;
const RETURNSTATUS: u8 = 0x79;

/// DONE status bits.
pub mod done_status {
    pub const FINAL: u16 = 0x0000;
    pub const MORE: u16 = 0x0001;
    pub const ERROR: u16 = 0x0002;
    pub const COUNT: u16 = 0x0010;
    pub const ATTENTION: u16 = 0x0020;
}

/// The statement kind a DONE token reports (CurCmd).
pub mod cur_cmd {
    pub const NONE: u16 = 0x00;
    pub const SELECT: u16 = 0xC1;
    pub const INSERT: u16 = 0xC3;
    pub const DECLARE: u16 = 0xE6;
    pub const SET: u16 = 0xB9;
    pub const USE: u16 = 0xB7;
    pub const WAITFOR: u16 = 0xBE;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoneKind {
    /// Completion of a SQL batch statement.
    Done,
    /// Completion of an RPC.
    DoneProc,
    /// Completion of a statement inside an RPC.
    DoneInProc,
}

/// An INFO or ERROR message as SQL Server reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerMessage {
    pub number: u32,
    pub state: u8,
    pub class: u8,
    pub message: String,
    pub server: String,
    pub procedure: String,
    pub line: u32,
}

#[derive(Debug, Default)]
pub struct TokenWriter {
    buf: Vec<u8>,
}

impl TokenWriter {
    pub fn new() -> Self {
        TokenWriter::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn env_change_database(&mut self, new: &str, old: &str) {
        self.env_change_text(1, new, old);
    }

    pub fn env_change_language(&mut self, new: &str, old: &str) {
        self.env_change_text(2, new, old);
    }

    /// Packet size travels as decimal text.
    pub fn env_change_packet_size(&mut self, new: usize, old: usize) {
        self.env_change_text(4, &new.to_string(), &old.to_string());
    }

    pub fn env_change_collation(&mut self, collation: &[u8; 5]) {
        let mut body = vec![7, collation.len() as u8];
        body.extend_from_slice(collation);
        body.push(0); // old value: empty
        self.token_with_len(ENVCHANGE, &body);
    }

    fn env_change_text(&mut self, kind: u8, new: &str, old: &str) {
        let mut body = vec![kind];
        put_b_varchar(&mut body, new);
        put_b_varchar(&mut body, old);
        self.token_with_len(ENVCHANGE, &body);
    }

    /// LOGINACK: interface SQL_TSQL, the TDS version (big-endian, unlike everything else) and the
    /// product name and version.
    pub fn login_ack(&mut self, tds_version: u32, program: &str, version: [u8; 4]) {
        let mut body = vec![1];
        body.extend_from_slice(&tds_version.to_be_bytes());
        put_b_varchar(&mut body, program);
        body.extend_from_slice(&version);
        self.token_with_len(LOGINACK, &body);
    }

    pub fn info(&mut self, msg: &ServerMessage) {
        self.message(INFO, msg);
    }

    pub fn error(&mut self, msg: &ServerMessage) {
        self.message(ERROR, msg);
    }

    fn message(&mut self, token: u8, msg: &ServerMessage) {
        let mut body = Vec::new();
        body.extend_from_slice(&msg.number.to_le_bytes());
        body.push(msg.state);
        body.push(msg.class);
        let units: Vec<u16> = msg.message.encode_utf16().collect();
        body.extend_from_slice(&(units.len() as u16).to_le_bytes());
        body.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        put_b_varchar(&mut body, &msg.server);
        put_b_varchar(&mut body, &msg.procedure);
        body.extend_from_slice(&msg.line.to_le_bytes());
        self.token_with_len(token, &body);
    }

    pub fn col_metadata(&mut self, columns: &[ResultColumn]) {
        self.buf.push(COLMETADATA);
        self.buf.extend_from_slice(&(columns.len() as u16).to_le_bytes());
        for column in columns {
            self.buf.extend_from_slice(&0u32.to_le_bytes()); // user type
            self.buf.extend_from_slice(&column_flags(column).to_le_bytes());
            encode_type_info(column.ty, &mut self.buf);
            put_b_varchar(&mut self.buf, &column.name);
        }
    }

    /// One ROW. On a conversion error nothing is written.
    pub fn row(&mut self, columns: &[ResultColumn], values: &[Value]) -> Result<(), ConversionError> {
        let mut row = vec![ROW];
        for (column, value) in columns.iter().zip(values) {
            encode_value(column.ty, value, &mut row)?;
        }
        self.buf.extend(row);
        Ok(())
    }

    pub fn done(&mut self, kind: DoneKind, status: u16, cur_cmd: u16, rows: u64) {
        self.buf.push(match kind {
            DoneKind::Done => 0xFD,
            DoneKind::DoneProc => 0xFE,
            DoneKind::DoneInProc => 0xFF,
        });
        self.buf.extend_from_slice(&status.to_le_bytes());
        self.buf.extend_from_slice(&cur_cmd.to_le_bytes());
        self.buf.extend_from_slice(&rows.to_le_bytes());
    }

    pub fn return_status(&mut self, value: i32) {
        self.buf.push(RETURNSTATUS);
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    fn token_with_len(&mut self, token: u8, body: &[u8]) {
        self.buf.push(token);
        self.buf.extend_from_slice(&(body.len() as u16).to_le_bytes());
        self.buf.extend_from_slice(body);
    }
}

fn put_b_varchar(out: &mut Vec<u8>, s: &str) {
    let units: Vec<u16> = s.encode_utf16().take(255).collect();
    out.push(units.len() as u8);
    out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::SqlType;

    #[test]
    fn error_token_layout() {
        let mut w = TokenWriter::new();
        w.error(&ServerMessage {
            number: 18456,
            state: 1,
            class: 14,
            message: "x".into(),
            server: "S".into(),
            procedure: String::new(),
            line: 1,
        });
        let b = w.into_bytes();
        assert_eq!(b[0], ERROR);
        assert_eq!(u16::from_le_bytes([b[1], b[2]]) as usize, b.len() - 3);
        assert_eq!(u32::from_le_bytes([b[3], b[4], b[5], b[6]]), 18456);
        assert_eq!((b[7], b[8]), (1, 14));
    }

    #[test]
    fn done_carries_status_command_and_eight_byte_count() {
        let mut w = TokenWriter::new();
        w.done(DoneKind::Done, done_status::COUNT, cur_cmd::SELECT, 3);
        assert_eq!(w.into_bytes(), vec![0xFD, 0x10, 0, 0xC1, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn a_row_that_cannot_convert_writes_nothing() {
        let mut w = TokenWriter::new();
        let cols = [ResultColumn::new("a", SqlType::Int), ResultColumn::new("b", SqlType::Int)];
        assert!(w.row(&cols, &[Value::Int(1), Value::str("x")]).is_err());
        assert!(w.into_bytes().is_empty());
    }

    #[test]
    fn login_ack_version_is_big_endian() {
        let mut w = TokenWriter::new();
        w.login_ack(0x7400_0004, "P", [15, 0, 7, 208]);
        let b = w.into_bytes();
        assert_eq!(&b[4..8], &[0x74, 0, 0, 4]);
    }
}
