//! Secrets sealed at rest.
//!
//! Install secrets (vendor passwords, API keys) are encrypted with
//! XChaCha20-Poly1305 under a master key that lives outside the database, so
//! a copied database file reveals nothing. The associated data binds every
//! ciphertext to its tenant, install and name: rows moved between installs
//! fail to open. Plaintexts leave this module only towards the component
//! that owns them (`capabilities/secrets.rs`) and the log redactor.

use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::grant::InstallScope;
use crate::persistence::{SealedValue, SecretRepo, StoreError};

/// Environment variable holding the master key as base64 (32 bytes).
pub const MASTER_KEY_ENV: &str = "GATEHOUSE_MASTER_KEY";
/// Environment variable naming a file that holds the base64 master key.
pub const MASTER_KEY_FILE_ENV: &str = "GATEHOUSE_MASTER_KEY_FILE";

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
#[derive(Clone)]
pub struct MasterKey(chacha20poly1305::Key);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A fresh random key (tests, the plugin harness, first set-up).
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    pub fn from_base64(text: &str) -> Result<Self, MasterKeyError> {
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|_| MasterKeyError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| MasterKeyError::Malformed)?;
        Ok(Self(key.into()))
    }

    /// For writing a generated key to the operator's key file.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0.as_slice())
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
}

/// A revealed secret value. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(..)")
    }
}

/// Why a secret operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("`{0}` is not a valid secret name (1-64 of a-z, A-Z, 0-9, '-', '_', '.')")]
    InvalidName(String),
    /// The ciphertext does not open with this master key (wrong key or tampering).
    #[error("secret `{0}` cannot be opened with this master key")]
    Unreadable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Secret names: 1-64 of a-z, A-Z, 0-9, `-`, `_` and `.`.
pub fn is_valid_secret_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Install secrets, sealed on the way into the repository.
///
/// Write and list operations are public; reading a plaintext is for the
/// runtime alone, so no API of the host can return a secret.
#[derive(Clone)]
pub struct SecretStore {
    repo: Arc<dyn SecretRepo>,
    cipher: Arc<XChaCha20Poly1305>,
}

impl SecretStore {
    pub fn new(repo: Arc<dyn SecretRepo>, key: &MasterKey) -> Self {
        Self { repo, cipher: Arc::new(XChaCha20Poly1305::new(&key.0)) }
    }

    /// Sets (or replaces) a secret of the install.
    pub async fn set(&self, scope: &InstallScope, name: &str, value: &str) -> Result<(), SecretError> {
        if !is_valid_secret_name(name) {
            return Err(SecretError::InvalidName(name.to_owned()));
        }
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(scope, name);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: value.as_bytes(), aad: &aad })
            .map_err(|_| SecretError::Unreadable(name.to_owned()))?;
        let sealed = SealedValue { nonce: nonce.to_vec(), ciphertext };
        Ok(self.repo.put(scope, name, &sealed).await?)
    }

    /// Removes a secret; returns whether it existed.
    pub async fn delete(&self, scope: &InstallScope, name: &str) -> Result<bool, SecretError> {
        Ok(self.repo.delete(scope, name).await?)
    }

    /// Names of the install's secrets, without values.
    pub async fn names(&self, scope: &InstallScope) -> Result<Vec<String>, SecretError> {
        Ok(self.repo.list(scope).await?.into_iter().map(|(name, _)| name).collect())
    }

    pub(crate) async fn reveal(&self, scope: &InstallScope, name: &str) -> Result<Option<SecretValue>, SecretError> {
        match self.repo.get(scope, name).await? {
            Some(sealed) => self.open(scope, name, &sealed).map(Some),
            None => Ok(None),
        }
    }

    /// Every value of the install, for redacting log lines.
    pub(crate) async fn values(&self, scope: &InstallScope) -> Result<Vec<SecretValue>, SecretError> {
        let sealed = self.repo.list(scope).await?;
        sealed.iter().map(|(name, sealed)| self.open(scope, name, sealed)).collect()
    }

    fn open(&self, scope: &InstallScope, name: &str, sealed: &SealedValue) -> Result<SecretValue, SecretError> {
        let unreadable = || SecretError::Unreadable(name.to_owned());
        if sealed.nonce.len() != 24 {
            return Err(unreadable());
        }
        let aad = associated_data(scope, name);
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: &aad })
            .map_err(|_| unreadable())?;
        String::from_utf8(plaintext).map(SecretValue).map_err(|_| unreadable())
    }
}

/// Binds a ciphertext to where it belongs. Lengths prefix each part so no two
/// different (tenant, install, name) triples give the same bytes.
fn associated_data(scope: &InstallScope, name: &str) -> Vec<u8> {
    let mut aad = Vec::new();
    for part in [scope.tenant_id.as_str(), scope.install_id.as_str(), name] {
        aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::SqliteState;

    async fn store(key: &MasterKey) -> (SecretStore, SqliteState) {
        let state = SqliteState::in_memory().await.unwrap();
        (SecretStore::new(Arc::new(state.clone()), key), state)
    }

    #[tokio::test]
    async fn a_secret_reads_back_only_in_its_own_install() {
        let (secrets, _) = store(&MasterKey::generate()).await;
        let mine = InstallScope::new("t1", "i1");
        secrets.set(&mine, "password", "hunter2").await.unwrap();
        let revealed = secrets.reveal(&mine, "password").await.unwrap().unwrap();
        assert_eq!(revealed.expose(), "hunter2");
        assert_eq!(secrets.reveal(&InstallScope::new("t1", "i2"), "password").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_ciphertext_moved_to_another_install_does_not_open() {
        let (secrets, state) = store(&MasterKey::generate()).await;
        let (mine, theirs) = (InstallScope::new("t1", "i1"), InstallScope::new("t1", "i2"));
        secrets.set(&mine, "password", "hunter2").await.unwrap();
        let sealed = SecretRepo::get(&state, &mine, "password").await.unwrap().unwrap();
        SecretRepo::put(&state, &theirs, "password", &sealed).await.unwrap();
        assert!(matches!(secrets.reveal(&theirs, "password").await, Err(SecretError::Unreadable(_))));
    }

    #[tokio::test]
    async fn another_master_key_cannot_open_the_secrets() {
        let (secrets, state) = store(&MasterKey::generate()).await;
        let scope = InstallScope::new("t1", "i1");
        secrets.set(&scope, "password", "hunter2").await.unwrap();
        let stranger = SecretStore::new(Arc::new(state), &MasterKey::generate());
        assert!(matches!(stranger.reveal(&scope, "password").await, Err(SecretError::Unreadable(_))));
    }

    #[test]
    fn master_keys_round_trip_through_base64_and_reject_wrong_lengths() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_base64(&key.to_base64()).unwrap().0, key.0);
        assert!(matches!(MasterKey::from_base64("c2hvcnQ="), Err(MasterKeyError::Malformed)));
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
    }

    #[tokio::test]
    async fn invalid_secret_names_are_refused() {
        let (secrets, _) = store(&MasterKey::generate()).await;
        let scope = InstallScope::new("t1", "i1");
        assert!(matches!(secrets.set(&scope, "../etc", "x").await, Err(SecretError::InvalidName(_))));
        assert!(matches!(secrets.set(&scope, "", "x").await, Err(SecretError::InvalidName(_))));
    }
}
