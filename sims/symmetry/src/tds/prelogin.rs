//! PRELOGIN (MS-TDS 2.2.6.5): the first exchange, where client and server agree on encryption.
//!
//! The negotiation table is SQL Server's (MS-TDS 3.3.5.1 "encryption"): a client that cannot
//! encrypt gets plaintext, a client offering encryption "off" gets TLS for LOGIN7 only, and a
//! client asking for encryption gets TLS for the whole connection.

use serde::{Deserialize, Serialize};

use super::{ProtocolError, WireReader};

/// The ENCRYPTION option values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encryption {
    Off,
    On,
    NotSupported,
    Required,
}

impl Encryption {
    fn from_byte(b: u8) -> Result<Self, ProtocolError> {
        // The high bits carry client certificate flags (TDS 8 / CTAIP), which we ignore.
        match b & 0x0F {
            0 => Ok(Encryption::Off),
            1 => Ok(Encryption::On),
            2 => Ok(Encryption::NotSupported),
            3 => Ok(Encryption::Required),
            other => Err(ProtocolError::new(format!("prelogin: unknown encryption value {other}"))),
        }
    }

    fn byte(self) -> u8 {
        match self {
            Encryption::Off => 0,
            Encryption::On => 1,
            Encryption::NotSupported => 2,
            Encryption::Required => 3,
        }
    }
}

/// What the server is configured to allow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionPolicy {
    /// Like a default SQL Server install with a (self-signed) certificate: encrypt when asked.
    #[default]
    Supported,
    /// Like "Force Encryption = Yes": every connection is encrypted; clients that cannot are refused.
    Required,
    /// No TLS at all (a server without a certificate).
    Unsupported,
}

/// How the rest of the connection runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Plaintext,
    /// TLS for the LOGIN7 message only, plaintext afterwards.
    LoginOnlyTls,
    FullTls,
    /// The client cannot meet the policy; the server answers and closes.
    Refused,
}

/// The parts of the client's PRELOGIN the server acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloginRequest {
    pub encryption: Encryption,
}

const OPTION_VERSION: u8 = 0x00;
const OPTION_ENCRYPTION: u8 = 0x01;
const OPTION_INSTOPT: u8 = 0x02;
const OPTION_THREADID: u8 = 0x03;
const OPTION_MARS: u8 = 0x04;
const TERMINATOR: u8 = 0xFF;

pub fn parse_request(payload: &[u8]) -> Result<PreloginRequest, ProtocolError> {
    let mut table = WireReader::new(payload, "prelogin");
    // A client that sends no ENCRYPTION option is treated as one that cannot encrypt.
    let mut encryption = Encryption::NotSupported;
    loop {
        let token = table.u8()?;
        if token == TERMINATOR {
            break;
        }
        let offset = u16::from_be_bytes(table.array()?) as usize;
        let length = u16::from_be_bytes(table.array()?) as usize;
        if offset + length > payload.len() {
            return Err(ProtocolError::new(format!("prelogin: option {token:#x} points outside the message")));
        }
        if token == OPTION_ENCRYPTION && length >= 1 {
            encryption = Encryption::from_byte(payload[offset])?;
        }
    }
    Ok(PreloginRequest { encryption })
}

/// The server's reply value and the resulting transport.
pub fn negotiate(policy: EncryptionPolicy, client: Encryption) -> (Encryption, Transport) {
    use Encryption::*;
    match (policy, client) {
        (EncryptionPolicy::Unsupported, On | Required) => (NotSupported, Transport::Refused),
        (EncryptionPolicy::Unsupported, _) => (NotSupported, Transport::Plaintext),
        (EncryptionPolicy::Supported, NotSupported) => (NotSupported, Transport::Plaintext),
        (EncryptionPolicy::Supported, Off) => (Off, Transport::LoginOnlyTls),
        (EncryptionPolicy::Supported, On | Required) => (On, Transport::FullTls),
        (EncryptionPolicy::Required, NotSupported) => (Required, Transport::Refused),
        (EncryptionPolicy::Required, _) => (On, Transport::FullTls),
    }
}

/// The server's PRELOGIN reply: VERSION, ENCRYPTION, INSTOPT, an empty THREADID and MARS off,
/// the option set SQL Server answers with.
pub fn encode_response(product_version: [u8; 4], encryption: Encryption) -> Vec<u8> {
    let mut version = product_version.to_vec();
    version.extend_from_slice(&[0, 0]); // sub-build
    let options: [(u8, Vec<u8>); 5] = [
        (OPTION_VERSION, version),
        (OPTION_ENCRYPTION, vec![encryption.byte()]),
        (OPTION_INSTOPT, vec![0]),
        (OPTION_THREADID, vec![]),
        (OPTION_MARS, vec![0]),
    ];
    let mut table = Vec::new();
    let mut data = Vec::new();
    let data_start = options.len() * 5 + 1;
    for (token, value) in &options {
        table.push(*token);
        table.extend_from_slice(&((data_start + data.len()) as u16).to_be_bytes());
        table.extend_from_slice(&(value.len() as u16).to_be_bytes());
        data.extend_from_slice(value);
    }
    table.push(TERMINATOR);
    table.extend(data);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_round_trips_through_the_request_parser() {
        let reply = encode_response([15, 0, 0x07, 0xD0], Encryption::Off);
        assert_eq!(parse_request(&reply).unwrap().encryption, Encryption::Off);
        assert_eq!(&reply[26..30], &[15, 0, 0x07, 0xD0]);
    }

    #[test]
    fn negotiation_follows_sql_server() {
        use Encryption::*;
        let s = EncryptionPolicy::Supported;
        assert_eq!(negotiate(s, NotSupported), (NotSupported, Transport::Plaintext));
        assert_eq!(negotiate(s, Off), (Off, Transport::LoginOnlyTls));
        assert_eq!(negotiate(s, On), (On, Transport::FullTls));
        assert_eq!(negotiate(s, Required), (On, Transport::FullTls));
        assert_eq!(negotiate(EncryptionPolicy::Required, Off), (On, Transport::FullTls));
        assert_eq!(negotiate(EncryptionPolicy::Required, NotSupported).1, Transport::Refused);
    }

    #[test]
    fn options_pointing_outside_the_message_are_rejected() {
        let bad = [OPTION_ENCRYPTION, 0, 50, 0, 1, TERMINATOR];
        assert!(parse_request(&bad).is_err());
    }
}
