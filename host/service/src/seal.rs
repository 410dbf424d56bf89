//! Sealing of the few secrets the service itself keeps (PINs, webhook secrets,
//! SMTP passwords): XChaCha20-Poly1305 under one master key, a fresh random
//! nonce per value, the nonce stored in front of the ciphertext.

use crate::domain::SealedPin;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

const NONCE_LEN: usize = 24;
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is corrupt or was sealed with another master key")]
    Corrupt,
}

/// Seals and opens values with the service's master key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(key: [u8; KEY_LEN]) -> Self {
        Self { cipher: XChaCha20Poly1305::new(&key.into()) }
    }

    /// A sealer with a random key, for tests and throw-away demos.
    pub fn ephemeral() -> Self {
        let mut key = [0u8; KEY_LEN];
        rand::thread_rng().fill_bytes(&mut key);
        Self::new(key)
    }

    /// A sealer whose key is derived from the deployment's master secret
    /// (the runtime's master key), so one secret protects everything while
    /// each use has its own key.
    pub fn derive(master_secret: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let key: [u8; KEY_LEN] =
            Sha256::new().chain_update(b"gatehouse/service-sealer/v1\0").chain_update(master_secret).finalize().into();
        Self::new(key)
    }

    pub fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        sealed
    }

    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher.decrypt(XNonce::from_slice(nonce), ciphertext).map_err(|_| SealError::Corrupt)
    }

    pub fn seal_str(&self, plaintext: &str) -> Vec<u8> {
        self.seal(plaintext.as_bytes())
    }

    pub fn open_str(&self, sealed: &[u8]) -> Result<String, SealError> {
        String::from_utf8(self.open(sealed)?).map_err(|_| SealError::Corrupt)
    }

    /// For a sealed value kept inside JSON (the tenant's delivery settings).
    pub fn seal_base64(&self, plaintext: &str) -> String {
        B64.encode(self.seal_str(plaintext))
    }

    pub fn open_base64(&self, sealed: &str) -> Result<String, SealError> {
        self.open_str(&B64.decode(sealed).map_err(|_| SealError::Corrupt)?)
    }

    pub fn seal_pin(&self, pin: &str) -> SealedPin {
        SealedPin::from_sealed_bytes(self.seal_str(pin))
    }

    pub fn open_pin(&self, pin: &SealedPin) -> Result<String, SealError> {
        self.open_str(pin.as_sealed_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_pin_opens_only_with_the_same_key() {
        let sealer = Sealer::ephemeral();
        let sealed = sealer.seal_pin("482915");
        assert_eq!(sealer.open_pin(&sealed).unwrap(), "482915");
        assert!(Sealer::ephemeral().open_pin(&sealed).is_err());
        assert!(!sealed.as_sealed_bytes().windows(6).any(|w| w == b"482915"));
        let derived = Sealer::derive(b"master");
        assert_eq!(Sealer::derive(b"master").open_pin(&derived.seal_pin("1")).unwrap(), "1");
    }
}
