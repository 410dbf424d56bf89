//! MS-TDS, the SQL Server wire protocol, from the server's side.
//!
//! Each submodule owns one message or layer: packet framing, PRELOGIN, the TLS-inside-PRELOGIN
//! handshake, LOGIN7, the token stream the server writes, and the RPC/parameter decoding. The
//! server module strings them together; nothing here knows about Symmetry.

pub mod login7;
pub mod packet;
pub mod prelogin;
pub mod rpc;
pub mod tls;
pub mod tokens;
pub mod types;
mod wire;

pub use wire::WireReader;

/// A client message that does not follow MS-TDS. The connection cannot continue.
#[derive(Debug, thiserror::Error)]
#[error("TDS protocol error: {0}")]
pub struct ProtocolError(pub String);

impl ProtocolError {
    pub fn new(detail: impl Into<String>) -> Self {
        ProtocolError(detail.into())
    }
}

/// TDS versions as LOGIN7 and LOGINACK carry them.
pub mod version {
    pub const TDS_7_2: u32 = 0x7209_0002;
    pub const TDS_7_3_A: u32 = 0x730A_0003;
    pub const TDS_7_3_B: u32 = 0x730B_0003;
    pub const TDS_7_4: u32 = 0x7400_0004;
}
