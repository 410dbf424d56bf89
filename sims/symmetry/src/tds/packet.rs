//! Packet framing: every TDS message travels as one or more packets with an 8-byte header.
//!
//! Clients split messages at the negotiated packet size, so the server reassembles them; it
//! splits its own responses the same way. Header fields follow MS-TDS 2.2.3.1; the status byte
//! is exactly EOM on the last packet and 0 otherwise, which is what tiberius insists on.

use tokio::io::{AsyncRead, AsyncReadExt};

use super::ProtocolError;

pub const HEADER_LEN: usize = 8;
/// The packet size before LOGIN7 negotiates another one.
pub const DEFAULT_PACKET_SIZE: usize = 4096;
pub const MIN_PACKET_SIZE: usize = 512;
pub const MAX_PACKET_SIZE: usize = 32767;
/// Largest message the simulator reassembles (a few NVARCHAR(MAX) parameters fit easily).
pub const MAX_MESSAGE_LEN: usize = 64 * 1024 * 1024;

/// Packet types (MS-TDS 2.2.3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketType {
    SqlBatch,
    Rpc,
    TabularResult,
    Attention,
    BulkLoad,
    TransactionManager,
    Login7,
    Sspi,
    PreLogin,
    /// Anything else; answered with a protocol error.
    Other(u8),
}

impl PacketType {
    pub fn from_byte(b: u8) -> Self {
        match b {
            0x01 => PacketType::SqlBatch,
            0x03 => PacketType::Rpc,
            0x04 => PacketType::TabularResult,
            0x06 => PacketType::Attention,
            0x07 => PacketType::BulkLoad,
            0x0E => PacketType::TransactionManager,
            0x10 => PacketType::Login7,
            0x11 => PacketType::Sspi,
            0x12 => PacketType::PreLogin,
            other => PacketType::Other(other),
        }
    }

    pub fn byte(self) -> u8 {
        match self {
            PacketType::SqlBatch => 0x01,
            PacketType::Rpc => 0x03,
            PacketType::TabularResult => 0x04,
            PacketType::Attention => 0x06,
            PacketType::BulkLoad => 0x07,
            PacketType::TransactionManager => 0x0E,
            PacketType::Login7 => 0x10,
            PacketType::Sspi => 0x11,
            PacketType::PreLogin => 0x12,
            PacketType::Other(b) => b,
        }
    }
}

/// Status bits (MS-TDS 2.2.3.1.2).
pub mod status {
    pub const END_OF_MESSAGE: u8 = 0x01;
    /// The client abandons the message it was sending.
    pub const IGNORE: u8 = 0x02;
}

/// One reassembled client message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: PacketType,
    pub payload: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// Reads packets until one carries END_OF_MESSAGE. `Ok(None)` when the peer closed the
/// connection between messages.
pub async fn read_message<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Option<Message>, ReadError> {
    let mut payload = Vec::new();
    let mut kind = None;
    loop {
        let mut header = [0u8; HEADER_LEN];
        match reader.read_exact(&mut header[..1]).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && kind.is_none() => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        reader.read_exact(&mut header[1..]).await?;
        let length = u16::from_be_bytes([header[2], header[3]]) as usize;
        if !(HEADER_LEN..=MAX_PACKET_SIZE + HEADER_LEN).contains(&length) {
            return Err(ProtocolError::new(format!("packet length {length} out of range")).into());
        }
        let packet_kind = PacketType::from_byte(header[0]);
        if let Some(k) = kind {
            if k != packet_kind {
                return Err(ProtocolError::new(format!("packet of type {packet_kind:?} inside a {k:?} message")).into());
            }
        }
        kind = Some(packet_kind);
        let start = payload.len();
        if start + length - HEADER_LEN > MAX_MESSAGE_LEN {
            return Err(ProtocolError::new(format!("message larger than {MAX_MESSAGE_LEN} bytes")).into());
        }
        payload.resize(start + length - HEADER_LEN, 0);
        reader.read_exact(&mut payload[start..]).await?;

        let status = header[1];
        if status & status::END_OF_MESSAGE != 0 {
            if status & status::IGNORE != 0 {
                payload.clear();
                kind = None;
                continue;
            }
            return Ok(Some(Message { kind: packet_kind, payload }));
        }
    }
}

/// Splits a server message into packets of at most `packet_size` bytes (header included).
pub fn encode_message(kind: PacketType, payload: &[u8], packet_size: usize, spid: u16) -> Vec<u8> {
    let chunk = packet_size.clamp(MIN_PACKET_SIZE, MAX_PACKET_SIZE) - HEADER_LEN;
    let chunks: Vec<&[u8]> = if payload.is_empty() { vec![&[][..]] } else { payload.chunks(chunk).collect() };
    let mut out = Vec::with_capacity(payload.len() + chunks.len() * HEADER_LEN);
    for (i, body) in chunks.iter().enumerate() {
        let last = i + 1 == chunks.len();
        out.push(kind.byte());
        out.push(if last { status::END_OF_MESSAGE } else { 0 });
        out.extend_from_slice(&((body.len() + HEADER_LEN) as u16).to_be_bytes());
        out.extend_from_slice(&spid.to_be_bytes());
        out.push(((i + 1) % 256) as u8);
        out.push(0);
        out.extend_from_slice(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(kind: u8, status: u8, body: &[u8]) -> Vec<u8> {
        let mut p = vec![kind, status];
        p.extend_from_slice(&((body.len() + 8) as u16).to_be_bytes());
        p.extend_from_slice(&[0, 0, 1, 0]);
        p.extend_from_slice(body);
        p
    }

    #[tokio::test]
    async fn reassembles_a_message_split_across_packets() {
        let mut wire = packet(0x01, 0, b"hello ");
        wire.extend(packet(0x01, 1, b"world"));
        let msg = read_message(&mut wire.as_slice()).await.unwrap().unwrap();
        assert_eq!(msg.kind, PacketType::SqlBatch);
        assert_eq!(msg.payload, b"hello world");
    }

    #[tokio::test]
    async fn drops_a_message_the_client_marked_ignore() {
        let mut wire = packet(0x01, 0, b"abandoned");
        wire.extend(packet(0x01, status::END_OF_MESSAGE | status::IGNORE, b""));
        wire.extend(packet(0x06, 1, b""));
        let msg = read_message(&mut wire.as_slice()).await.unwrap().unwrap();
        assert_eq!(msg.kind, PacketType::Attention);
    }

    #[tokio::test]
    async fn clean_close_between_messages_is_not_an_error() {
        assert!(read_message(&mut &[][..]).await.unwrap().is_none());
        assert!(read_message(&mut &[0x01u8, 0][..]).await.is_err());
    }

    #[tokio::test]
    async fn rejects_impossible_packet_lengths() {
        let wire = [0x01u8, 1, 0, 4, 0, 0, 1, 0];
        assert!(matches!(read_message(&mut &wire[..]).await, Err(ReadError::Protocol(_))));
    }

    #[tokio::test]
    async fn splits_responses_at_the_packet_size_and_marks_only_the_last_packet_eom() {
        let payload: Vec<u8> = (0..1500u32).map(|i| i as u8).collect();
        let wire = encode_message(PacketType::TabularResult, &payload, 512, 51);
        assert_eq!(wire.len(), 1500 + 3 * HEADER_LEN);
        let headers: Vec<&[u8]> = vec![&wire[0..8], &wire[512..520], &wire[1024..1032]];
        assert_eq!(headers.iter().map(|h| h[1]).collect::<Vec<_>>(), vec![0, 0, 1]);
        assert!(headers.iter().all(|h| h[0] == 0x04 && h[4..6] == [0, 51]));
        let back = read_message(&mut wire.as_slice()).await.unwrap().unwrap();
        assert_eq!(back.payload, payload);
    }
}
