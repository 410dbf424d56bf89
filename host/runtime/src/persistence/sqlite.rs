//! The SQLite state store: the runtime's own database file.
//!
//! WAL and `synchronous=FULL`, so a write the kv capability acknowledged to a
//! connector survives a power cut. Each operation is one statement, which
//! makes it atomic without explicit transactions; the SQL is kept plain so a
//! PostgreSQL port changes placeholders, not logic.

use std::ops::RangeInclusive;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use super::{KvStore, SealedValue, SecretRepo, StoreError};
use crate::grant::InstallScope;

/// Kv entries, unique-number pools and sealed secrets in one SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteState {
    pool: SqlitePool,
}

impl SqliteState {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        Self::migrated(pool).await
    }

    /// A private database in memory, for tests and the plugin harness.
    pub async fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
        // One connection that never closes: each in-memory connection would
        // otherwise be a database of its own.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::migrated(pool).await
    }

    async fn migrated(pool: SqlitePool) -> Result<Self, StoreError> {
        sqlx::migrate!("./migrations").run(&pool).await.map_err(|error| StoreError(format!("migrating: {error}")))?;
        Ok(Self { pool })
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Lowest free number of `[$4, $5]` in pool `$3`: `$4` itself when free,
/// else one past the end of the run of used numbers starting at `$4`.
const ALLOCATE_LOWEST_FREE: &str = "
    INSERT INTO unique_numbers (tenant_id, install_id, pool, number, owner)
    SELECT $1, $2, $3, candidate, $6 FROM (
        SELECT CASE
            WHEN NOT EXISTS (SELECT 1 FROM unique_numbers
                             WHERE tenant_id = $1 AND install_id = $2 AND pool = $3 AND number = $4)
            THEN $4
            ELSE (SELECT MIN(used.number + 1) FROM unique_numbers used
                  WHERE used.tenant_id = $1 AND used.install_id = $2 AND used.pool = $3
                    AND used.number >= $4 AND used.number < $5
                    AND NOT EXISTS (SELECT 1 FROM unique_numbers next
                                    WHERE next.tenant_id = $1 AND next.install_id = $2
                                      AND next.pool = $3 AND next.number = used.number + 1))
        END AS candidate
    ) AS free
    WHERE candidate IS NOT NULL
    RETURNING number";

#[async_trait]
impl KvStore for SqliteState {
    async fn get(&self, scope: &InstallScope, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row =
            sqlx::query("SELECT value FROM kv_entries WHERE tenant_id = $1 AND install_id = $2 AND entry_key = $3")
                .bind(&scope.tenant_id)
                .bind(&scope.install_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|row| row.get(0)))
    }

    async fn set(&self, scope: &InstallScope, key: &str, value: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO kv_entries (tenant_id, install_id, entry_key, value) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, install_id, entry_key) DO UPDATE SET value = excluded.value",
        )
        .bind(&scope.tenant_id)
        .bind(&scope.install_id)
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn delete(&self, scope: &InstallScope, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM kv_entries WHERE tenant_id = $1 AND install_id = $2 AND entry_key = $3")
            .bind(&scope.tenant_id)
            .bind(&scope.install_id)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn compare_and_swap(
        &self,
        scope: &InstallScope,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, StoreError> {
        let scoped = |statement| sqlx::query(statement).bind(&scope.tenant_id).bind(&scope.install_id).bind(key);
        let written = match (expected, new) {
            (None, None) => return Ok(KvStore::get(self, scope, key).await?.is_none()),
            (None, Some(new)) => scoped(
                "INSERT INTO kv_entries (tenant_id, install_id, entry_key, value) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tenant_id, install_id, entry_key) DO NOTHING",
            )
            .bind(new),
            (Some(expected), Some(new)) => scoped(
                "UPDATE kv_entries SET value = $5
                 WHERE tenant_id = $1 AND install_id = $2 AND entry_key = $3 AND value = $4",
            )
            .bind(expected)
            .bind(new),
            (Some(expected), None) => scoped(
                "DELETE FROM kv_entries
                 WHERE tenant_id = $1 AND install_id = $2 AND entry_key = $3 AND value = $4",
            )
            .bind(expected),
        }
        .execute(&self.pool)
        .await?;
        Ok(written.rows_affected() == 1)
    }

    async fn allocate_unique(
        &self,
        scope: &InstallScope,
        pool: &str,
        range: RangeInclusive<i64>,
        owner: &str,
    ) -> Result<Option<i64>, StoreError> {
        // A concurrent allocation can take the same candidate first; the
        // primary key refuses ours and the next round picks another.
        for _ in 0..8 {
            let held = sqlx::query(
                "SELECT number FROM unique_numbers
                 WHERE tenant_id = $1 AND install_id = $2 AND pool = $3 AND owner = $4",
            )
            .bind(&scope.tenant_id)
            .bind(&scope.install_id)
            .bind(pool)
            .bind(owner)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = held {
                return Ok(Some(row.get(0)));
            }
            let inserted = sqlx::query(ALLOCATE_LOWEST_FREE)
                .bind(&scope.tenant_id)
                .bind(&scope.install_id)
                .bind(pool)
                .bind(range.start())
                .bind(range.end())
                .bind(owner)
                .fetch_optional(&self.pool)
                .await;
            match inserted {
                Ok(row) => return Ok(row.map(|row| row.get(0))),
                Err(error) if is_unique_violation(&error) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError(format!("allocation in pool `{pool}` kept colliding; retry")))
    }

    async fn reserve_unique(&self, scope: &InstallScope, pool: &str, number: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO unique_numbers (tenant_id, install_id, pool, number, owner)
             VALUES ($1, $2, $3, $4, NULL)
             ON CONFLICT (tenant_id, install_id, pool, number) DO NOTHING",
        )
        .bind(&scope.tenant_id)
        .bind(&scope.install_id)
        .bind(pool)
        .bind(number)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release_unique(&self, scope: &InstallScope, pool: &str, number: i64) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM unique_numbers
             WHERE tenant_id = $1 AND install_id = $2 AND pool = $3 AND number = $4",
        )
        .bind(&scope.tenant_id)
        .bind(&scope.install_id)
        .bind(pool)
        .bind(number)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl SecretRepo for SqliteState {
    async fn put(&self, scope: &InstallScope, name: &str, sealed: &SealedValue) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sealed_secrets (tenant_id, install_id, name, nonce, ciphertext)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (tenant_id, install_id, name)
             DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext",
        )
        .bind(&scope.tenant_id)
        .bind(&scope.install_id)
        .bind(name)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn get(&self, scope: &InstallScope, name: &str) -> Result<Option<SealedValue>, StoreError> {
        let row = sqlx::query(
            "SELECT nonce, ciphertext FROM sealed_secrets
             WHERE tenant_id = $1 AND install_id = $2 AND name = $3",
        )
        .bind(&scope.tenant_id)
        .bind(&scope.install_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| SealedValue { nonce: row.get(0), ciphertext: row.get(1) }))
    }

    async fn list(&self, scope: &InstallScope) -> Result<Vec<(String, SealedValue)>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, nonce, ciphertext FROM sealed_secrets
             WHERE tenant_id = $1 AND install_id = $2 ORDER BY name",
        )
        .bind(&scope.tenant_id)
        .bind(&scope.install_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), SealedValue { nonce: row.get(1), ciphertext: row.get(2) }))
            .collect())
    }

    async fn delete(&self, scope: &InstallScope, name: &str) -> Result<bool, StoreError> {
        let deleted = sqlx::query("DELETE FROM sealed_secrets WHERE tenant_id = $1 AND install_id = $2 AND name = $3")
            .bind(&scope.tenant_id)
            .bind(&scope.install_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() == 1)
    }
}
