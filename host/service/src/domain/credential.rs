//! Credentials issued to a person. A PIN exists in clear only on its way from
//! the connector to the sealer; from then on it is a [`SealedPin`].

use gatehouse_core::{SealError, Sealer};
use serde::{Deserialize, Serialize};

/// A card: unique within its install, facility code and format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardCredential {
    pub card_number: u64,
    pub facility_code: u32,
    /// Vendor format name, e.g. "wiegand-standard-26".
    pub format: String,
}

/// A PIN sealed with the service's key. Opaque by design: only
/// [`SealedPin::open`] turns it back into digits.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPin(pub(crate) Vec<u8>);

impl SealedPin {
    pub fn seal(sealer: &Sealer, pin: &str) -> Self {
        Self(sealer.seal(pin.as_bytes()))
    }
    pub fn open(&self, sealer: &Sealer) -> Result<String, SealError> {
        sealer.open_str(&self.0)
    }
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
