//! Credentials issued to a person. A PIN exists in clear only on its way from
//! the connector to the sealer; from then on it is a [`SealedPin`].

use serde::{Deserialize, Serialize};

/// A card: unique within its install, facility code and format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardCredential {
    pub card_number: u64,
    pub facility_code: u32,
    /// Vendor format name, e.g. "wiegand-standard-26".
    pub format: String,
}

/// A PIN encrypted with the service's sealing key. Opaque by design: only
/// [`crate::seal::Sealer::open_pin`] turns it back into digits.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPin(pub(crate) Vec<u8>);

impl SealedPin {
    pub fn from_sealed_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    pub fn as_sealed_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SealedPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedPin(..)")
    }
}

/// A credential as recorded on the job trail.
#[derive(Clone, Debug, PartialEq)]
pub enum Credential {
    Card(CardCredential),
    Pin(SealedPin),
}
