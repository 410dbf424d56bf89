//! The durable store: SQLite through sqlx, behind this module's API.
//!
//! Nothing outside `store/` writes SQL. Reads go through [`Store`]; every
//! change goes through a [`WriteTx`], which commits all or nothing. The SQL is
//! portable (`$n` placeholders, no SQLite-only functions, instants as BIGINT
//! milliseconds), so a PostgreSQL backend can implement the same methods.
//! Every query names its tenant, except the few that route or schedule work
//! across tenants; those say so in their name (`*_any_tenant`).
//!
//! SQLite allows one writer at a time. Write transactions are serialised
//! in-process by a mutex, so a transaction never fails half-way because
//! another one upgraded its lock first.

mod attachments;
mod audit;
mod cards;
mod erasure;
mod events;
mod health;
mod installs;
mod jobs;
mod metrics;
mod occupancy;
mod plugins;
mod retention;
mod rows;
mod schedule;
mod tenants;
mod tokens;
mod visits;

pub use attachments::{Attachment, AttachmentBody};
pub use audit::{AuditEntry, AuditFilter};
pub use cards::{CardAllocation, IssuedCardHold};
pub use erasure::{ErasureRecord, ErasureTargetRecord, NotPlanned};
pub use events::{EventFilter, EventInsert, NewEvent, StoredEvent};
pub use health::AttemptRecord;
pub use installs::StoredPolicy;
pub use jobs::{JobFilter, JobRecord, NewJob, Redrive, RunnableStep, StepRecord, StepUpdate};
pub use occupancy::{OccupancyRecord, OutboundDelivery};
pub use plugins::UploadedPluginVersion;
pub use retention::PurgeCounts;
pub use schedule::{NewScheduleEntry, ScheduleEntry};
pub use visits::SignedInVisitor;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("card pool {facility_code} of install {install} is exhausted: every number from {min} to {max} is live")]
    PoolExhausted { install: String, facility_code: u32, min: u64, max: u64 },
    #[error("install {install} has no card pool for facility code {facility_code}")]
    NoPool { install: String, facility_code: u32 },
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}

/// The service's database.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    writer: Arc<Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up
    /// to date. WAL journal, `synchronous=FULL` (a commit survives power
    /// loss), foreign keys enforced.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, writer: Arc::new(Mutex::new(())) })
    }

    /// Starts a write transaction; dropping it without [`WriteTx::commit`] rolls back.
    pub async fn begin(&self) -> Result<WriteTx, StoreError> {
        let guard = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }

    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One all-or-nothing change to the store.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _guard: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Makes every change of this transaction durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        &mut self.tx
    }
}
