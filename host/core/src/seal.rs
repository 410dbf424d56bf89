//! Sealing at rest: XChaCha20-Poly1305 under one master key that lives
//! outside the database, a fresh random nonce per value, stored in front of
//! the ciphertext. Associated data binds a value to where it belongs (the
//! runtime binds plugin secrets to tenant, install and name), so a row moved
//! elsewhere fails to open. Each use may derive its own key from the master
//! key ([`MasterKey::derive`]), so one secret protects everything while no two
//! uses share a key.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

/// Environment variable holding the master key as base64 (32 bytes).
pub const MASTER_KEY_ENV: &str = "GATEHOUSE_MASTER_KEY";
/// Environment variable naming a file that holds the base64 master key.
pub const MASTER_KEY_FILE_ENV: &str = "GATEHOUSE_MASTER_KEY_FILE";
/// The length of the nonce in front of every sealed value.
pub const NONCE_LEN: usize = 24;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why a master key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("neither {MASTER_KEY_ENV} nor {MASTER_KEY_FILE_ENV} is set")]
    Missing,
    #[error("reading the master key file: {0}")]
    File(#[from] std::io::Error),
    #[error("the master key must be 32 bytes encoded as base64")]
    Malformed,
}

/// The key that seals every secret. Its `Debug` shows nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key (tests, the plugin harness, first set-up).
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    pub fn from_base64(text: &str) -> Result<Self, MasterKeyError> {
        let bytes = B64.decode(text.trim()).map_err(|_| MasterKeyError::Malformed)?;
        bytes.try_into().map(Self).map_err(|_| MasterKeyError::Malformed)
    }

    /// For writing a generated key to the operator's key file.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    pub fn from_file(path: &Path) -> Result<Self, MasterKeyError> {
        Self::from_base64(&std::fs::read_to_string(path)?)
    }

    /// `GATEHOUSE_MASTER_KEY` (base64), else the file `GATEHOUSE_MASTER_KEY_FILE` names.
    pub fn from_env() -> Result<Self, MasterKeyError> {
        if let Ok(text) = std::env::var(MASTER_KEY_ENV) {
            return Self::from_base64(&text);
        }
        match std::env::var_os(MASTER_KEY_FILE_ENV) {
            Some(path) => Self::from_file(Path::new(&path)),
            None => Err(MasterKeyError::Missing),
        }
    }

    /// A key of its own for one use, named by `context`: SHA-256 of the context,
    /// a NUL and the key's base64 text (the derivation sealed data already uses).
    pub fn derive(&self, context: &str) -> MasterKey {
        use sha2::{Digest, Sha256};
        let key = Sha256::new()
            .chain_update(context.as_bytes())
            .chain_update([0])
            .chain_update(self.to_base64().as_bytes())
            .finalize();
        MasterKey(key.into())
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is corrupt, was moved, or was sealed with another master key")]
    Corrupt,
}

/// Seals and opens values under one key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(key: &MasterKey) -> Self {
        Self { cipher: XChaCha20Poly1305::new(&key.0.into()) }
    }

    /// A sealer with a random key, for tests and throw-away demos.
    pub fn ephemeral() -> Self {
        Self::new(&MasterKey::generate())
    }

    /// The nonce followed by the ciphertext of `plaintext`, bound to `aad`.
    pub fn seal_bound(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad })
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        sealed
    }

    pub fn open_bound(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad }).map_err(|_| SealError::Corrupt)
    }

    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        self.seal_bound(plaintext, &[])
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        self.open_bound(sealed, &[])
    }

    pub fn open_str(&self, sealed: &[u8]) -> Result<String, SealError> {
        String::from_utf8(self.open(sealed)?).map_err(|_| SealError::Corrupt)
    }

    /// For a sealed value kept inside JSON (a tenant's notification settings).
    pub fn seal_base64(&self, plaintext: &str) -> String {
        B64.encode(self.seal(plaintext.as_bytes()))
    }

    pub fn open_base64(&self, sealed: &str) -> Result<String, SealError> {
        self.open_str(&B64.decode(sealed).map_err(|_| SealError::Corrupt)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_the_same_key_and_binding() {
        let key = MasterKey::generate();
        let sealer = Sealer::new(&key);
        let sealed = sealer.seal_bound(b"482915", b"tenant/install/pin");
        assert_eq!(sealer.open_bound(&sealed, b"tenant/install/pin").unwrap(), b"482915");
        assert_eq!(sealer.open_bound(&sealed, b"tenant/other/pin"), Err(SealError::Corrupt));
        assert_eq!(Sealer::ephemeral().open_bound(&sealed, b"tenant/install/pin"), Err(SealError::Corrupt));
        assert!(!sealed.windows(6).any(|w| w == b"482915"));
        assert_eq!(sealer.open(&sealed[..10]), Err(SealError::Corrupt));
    }

    #[test]
    fn derived_keys_are_stable_and_distinct() {
        let key = MasterKey::generate();
        let service = Sealer::new(&key.derive("service"));
        assert_eq!(Sealer::new(&key.derive("service")).open_base64(&service.seal_base64("x")).unwrap(), "x");
        assert!(Sealer::new(&key).open_base64(&service.seal_base64("x")).is_err());
        assert_ne!(key.derive("a"), key.derive("b"));
    }

    #[test]
    fn master_keys_round_trip_through_base64_and_reject_wrong_lengths() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_base64(&key.to_base64()).unwrap(), key);
        assert!(matches!(MasterKey::from_base64("c2hvcnQ="), Err(MasterKeyError::Malformed)));
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
    }
}
