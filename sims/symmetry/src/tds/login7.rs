//! LOGIN7 (MS-TDS 2.2.6.4): who the client is, what it wants, and the SQL login's password.
//!
//! A fixed 94-byte header of flags and (offset, length) pairs points at UTF-16 strings in the
//! variable part. The password is "obfuscated" (nibbles swapped, XOR 0xA5), not encrypted.

use super::{ProtocolError, WireReader};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login7 {
    pub tds_version: u32,
    /// Requested packet size; 0 means "server default".
    pub packet_size: u32,
    pub host_name: String,
    pub user_name: String,
    pub password: String,
    pub app_name: String,
    pub server_name: String,
    pub library_name: String,
    pub language: String,
    pub database: String,
    /// Windows authentication (SSPI) instead of a SQL login.
    pub integrated_security: bool,
}

const FIXED_LEN: usize = 94;
const OPTION_FLAGS2_INTEGRATED_SECURITY: u8 = 0x80;

pub fn parse(payload: &[u8]) -> Result<Login7, ProtocolError> {
    if payload.len() < FIXED_LEN {
        return Err(ProtocolError::new(format!("login7: {} bytes is shorter than the fixed part", payload.len())));
    }
    let mut fixed = WireReader::new(payload, "login7");
    let _length = fixed.u32_le()?;
    let tds_version = fixed.u32_le()?;
    let packet_size = fixed.u32_le()?;
    let _client_prog_version = fixed.u32_le()?;
    let _client_pid = fixed.u32_le()?;
    let _connection_id = fixed.u32_le()?;
    let _option_flags1 = fixed.u8()?;
    let option_flags2 = fixed.u8()?;
    let _type_flags = fixed.u8()?;
    let _option_flags3 = fixed.u8()?;
    let _client_time_zone = fixed.u32_le()?;
    let _client_lcid = fixed.u32_le()?;

    let mut next_string = |what: &'static str| -> Result<Vec<u8>, ProtocolError> {
        let offset = fixed.u16_le()? as usize;
        let chars = fixed.u16_le()? as usize;
        let end = offset + chars * 2;
        if chars > 0 && (offset < FIXED_LEN || end > payload.len()) {
            return Err(ProtocolError::new(format!("login7: {what} points outside the message")));
        }
        Ok(payload[offset..offset.max(end)].to_vec())
    };
    let text = |raw: Vec<u8>, what: &str| {
        super::wire::decode_utf16(&raw).map_err(|_| ProtocolError::new(format!("login7: {what} is not UTF-16")))
    };
    let host_name = text(next_string("host name")?, "host name")?;
    let user_name = text(next_string("user name")?, "user name")?;
    let password_raw = next_string("password")?;
    let app_name = text(next_string("app name")?, "app name")?;
    let server_name = text(next_string("server name")?, "server name")?;
    let _extension = next_string("extension");
    let library_name = text(next_string("library name")?, "library name")?;
    let language = text(next_string("language")?, "language")?;
    let database = text(next_string("database")?, "database")?;

    let password_bytes: Vec<u8> = password_raw.iter().map(|b| deobfuscate(*b)).collect();
    let password =
        super::wire::decode_utf16(&password_bytes).map_err(|_| ProtocolError::new("login7: password is not UTF-16"))?;

    Ok(Login7 {
        tds_version,
        packet_size,
        host_name,
        user_name,
        password,
        app_name,
        server_name,
        library_name,
        language,
        database,
        integrated_security: option_flags2 & OPTION_FLAGS2_INTEGRATED_SECURITY != 0,
    })
}

fn deobfuscate(b: u8) -> u8 {
    (b ^ 0xA5).rotate_left(4)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn obfuscate(b: u8) -> u8 {
        b.rotate_left(4) ^ 0xA5
    }

    /// Builds a LOGIN7 the way clients lay it out (strings in field order after the fixed part).
    pub(crate) fn build(user: &str, password: &str, database: &str, packet_size: u32) -> Vec<u8> {
        let utf16 = |s: &str| s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect::<Vec<u8>>();
        let pw: Vec<u8> = utf16(password).into_iter().map(obfuscate).collect();
        let fields: Vec<(Vec<u8>, usize)> = vec![
            (utf16("host"), 4),
            (utf16(user), user.encode_utf16().count()),
            (pw, password.encode_utf16().count()),
            (utf16("app"), 3),
            (utf16("server"), 6),
            (vec![], 0),
            (utf16("lib"), 3),
            (vec![], 0),
            (utf16(database), database.encode_utf16().count()),
        ];
        let mut fixed = Vec::new();
        fixed.extend_from_slice(&0u32.to_le_bytes());
        fixed.extend_from_slice(&0x7400_0004u32.to_le_bytes());
        fixed.extend_from_slice(&packet_size.to_le_bytes());
        fixed.extend_from_slice(&[0u8; 12]);
        fixed.extend_from_slice(&[0, 0, 0, 0]);
        fixed.extend_from_slice(&[0u8; 8]);
        let mut data = Vec::new();
        for (bytes, chars) in &fields {
            fixed.extend_from_slice(&((FIXED_LEN + data.len()) as u16).to_le_bytes());
            fixed.extend_from_slice(&(*chars as u16).to_le_bytes());
            data.extend_from_slice(bytes);
        }
        fixed.extend_from_slice(&[0u8; 6]); // client id
        for _ in 0..3 {
            fixed.extend_from_slice(&((FIXED_LEN + data.len()) as u16).to_le_bytes());
            fixed.extend_from_slice(&0u16.to_le_bytes());
        }
        fixed.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(fixed.len(), FIXED_LEN);
        fixed.extend(data);
        let len = fixed.len() as u32;
        fixed[0..4].copy_from_slice(&len.to_le_bytes());
        fixed
    }

    #[test]
    fn parses_credentials_database_and_packet_size() {
        let login = parse(&build("envoy", "S3cret-pässword", "multiMAX", 8192)).unwrap();
        assert_eq!(login.user_name, "envoy");
        assert_eq!(login.password, "S3cret-pässword");
        assert_eq!(login.database, "multiMAX");
        assert_eq!(login.packet_size, 8192);
        assert_eq!(login.tds_version, 0x7400_0004);
        assert!(!login.integrated_security);
    }

    #[test]
    fn rejects_truncated_and_out_of_bounds_logins() {
        assert!(parse(&[0u8; 20]).is_err());
        let mut bad = build("u", "p", "d", 4096);
        bad[40] = 0xFF; // user name offset far past the end
        bad[41] = 0x7F;
        assert!(parse(&bad).is_err());
    }
}
