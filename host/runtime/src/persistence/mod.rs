//! Where the runtime's durable state lives, behind traits.
//!
//! The kv capability and the secret store talk to these traits only, so a
//! PostgreSQL backend can follow the SQLite one without touching them. Every
//! operation is scoped by install: no method can reach another install's rows.

mod sqlite;

use std::ops::RangeInclusive;

use async_trait::async_trait;

pub use sqlite::SqliteState;

use crate::grant::InstallScope;

/// The state store failed; the operation may succeed when retried.
#[derive(Debug, Clone, thiserror::Error)]
#[error("state store: {0}")]
pub struct StoreError(pub String);

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError(error.to_string())
    }
}

/// Durable key/value state and unique-number pools of each install.
#[async_trait]
pub trait KvStore: Send + Sync {
    async fn get(&self, scope: &InstallScope, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn set(&self, scope: &InstallScope, key: &str, value: &[u8]) -> Result<(), StoreError>;
    async fn delete(&self, scope: &InstallScope, key: &str) -> Result<(), StoreError>;
    /// Writes `new` (or deletes, for `None`) only if the current value equals
    /// `expected` (`None` = absent). Returns whether it wrote.
    async fn compare_and_swap(
        &self,
        scope: &InstallScope,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, StoreError>;
    /// The number `owner` holds in `pool`, or else the lowest free number of
    /// `range`, now held by `owner`. `None` when the range is exhausted.
    async fn allocate_unique(
        &self,
        scope: &InstallScope,
        pool: &str,
        range: RangeInclusive<i64>,
        owner: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// Marks `number` in use without an owner. Reserving twice is harmless.
    async fn reserve_unique(&self, scope: &InstallScope, pool: &str, number: i64) -> Result<(), StoreError>;
    async fn release_unique(&self, scope: &InstallScope, pool: &str, number: i64) -> Result<(), StoreError>;
}

/// A secret value as stored: AEAD ciphertext and its nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedValue {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// Storage of sealed secrets. It never sees a plaintext.
#[async_trait]
pub trait SecretRepo: Send + Sync {
    async fn put(&self, scope: &InstallScope, name: &str, sealed: &SealedValue) -> Result<(), StoreError>;
    async fn get(&self, scope: &InstallScope, name: &str) -> Result<Option<SealedValue>, StoreError>;
    /// Every secret of the install, by name.
    async fn list(&self, scope: &InstallScope) -> Result<Vec<(String, SealedValue)>, StoreError>;
    /// Returns whether the secret existed.
    async fn delete(&self, scope: &InstallScope, name: &str) -> Result<bool, StoreError>;
}
