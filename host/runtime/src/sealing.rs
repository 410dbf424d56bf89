//! Secrets sealed at rest.
//!
//! Install secrets (vendor passwords, API keys) are sealed with the one
//! sealer (`gatehouse_core::Sealer`) under the master key, which lives outside
//! the database, so a copied database file reveals nothing. The associated data binds every
//! ciphertext to its tenant, install and name: rows moved between installs
//! fail to open. Plaintexts leave this module only towards the component
//! that owns them (`capabilities/secrets.rs`) and the log redactor.

use std::sync::Arc;

use gatehouse_core::seal::NONCE_LEN;
use gatehouse_core::{MasterKey, Sealer};

use crate::grant::InstallScope;
use crate::persistence::{SealedValue, SecretRepo, StoreError};

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
    sealer: Sealer,
}

impl SecretStore {
    pub fn new(repo: Arc<dyn SecretRepo>, key: &MasterKey) -> Self {
        Self { repo, sealer: Sealer::new(key) }
    }

    /// Sets (or replaces) a secret of the install.
    pub async fn set(&self, scope: &InstallScope, name: &str, value: &str) -> Result<(), SecretError> {
        if !is_valid_secret_name(name) {
            return Err(SecretError::InvalidName(name.to_owned()));
        }
        let mut sealed = self.sealer.seal_bound(value.as_bytes(), &associated_data(scope, name));
        let ciphertext = sealed.split_off(NONCE_LEN);
        let sealed = SealedValue { nonce: sealed, ciphertext };
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
        if sealed.nonce.len() != NONCE_LEN {
            return Err(unreadable());
        }
        let joined = [sealed.nonce.as_slice(), sealed.ciphertext.as_slice()].concat();
        let plaintext = self.sealer.open_bound(&joined, &associated_data(scope, name)).map_err(|_| unreadable())?;
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

    #[tokio::test]
    async fn invalid_secret_names_are_refused() {
        let (secrets, _) = store(&MasterKey::generate()).await;
        let scope = InstallScope::new("t1", "i1");
        assert!(matches!(secrets.set(&scope, "../etc", "x").await, Err(SecretError::InvalidName(_))));
        assert!(matches!(secrets.set(&scope, "", "x").await, Err(SecretError::InvalidName(_))));
    }
}
