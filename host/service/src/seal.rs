//! Sealing of the few secrets the service itself keeps (PINs, webhook secrets,
//! SMTP passwords): XChaCha20-Poly1305 under one master key, a fresh random
//! nonce per value, the nonce stored in front of the ciphertext.

use crate::domain::SealedPin;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use std::path::Path;

const NONCE_LEN: usize = 24;
pub const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the sealed value is corrupt or was sealed with another master key")]
    Corrupt,
    #[error("the master key must be {KEY_LEN} bytes, hex-encoded")]
    BadKey,
    #[error("cannot read or write the master key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
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

    /// Parses a hex-encoded key (as in `GATEHOUSE_MASTER_KEY`).
    pub fn from_hex(hex_key: &str) -> Result<Self, SealError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| SealError::BadKey)?;
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(Self::new(key))
    }

    /// Reads the hex key at `path`, creating it (mode 0600) on first start.
    pub fn from_key_file(path: &Path) -> Result<Self, SealError> {
        let io = |source| SealError::KeyFile { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; KEY_LEN];
                rand::thread_rng().fill_bytes(&mut key);
                write_private(path, &hex::encode(key)).map_err(io)?;
                Ok(Self::new(key))
            }
            Err(e) => Err(io(e)),
        }
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

    pub fn seal_pin(&self, pin: &str) -> SealedPin {
        SealedPin::from_sealed_bytes(self.seal_str(pin))
    }

    pub fn open_pin(&self, pin: &SealedPin) -> Result<String, SealError> {
        self.open_str(pin.as_sealed_bytes())
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, contents.as_bytes())
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
    }
}
