//! The attempt log: one row per connector call, with when it started and
//! ended and how it failed, if it did. Connector health is computed from it.

use super::rows::{get, instant};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, ActionKind, ErrorKind, InstallId, JobId, TenantId};
use chrono::{DateTime, Utc};

/// One connector call as the log keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttemptRecord {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `None` when the call succeeded.
    pub error_kind: Option<ErrorKind>,
}

fn attempt_from(row: &sqlx::sqlite::SqliteRow) -> Result<AttemptRecord, StoreError> {
    let kind =
        get::<Option<String>>(row, "error_kind")?.map(|k| super::rows::parse(ErrorKind::parse(&k))).transpose()?;
    Ok(AttemptRecord {
        started_at: instant(row, "started_at")?,
        finished_at: instant(row, "finished_at")?,
        error_kind: kind,
    })
}

impl WriteTx {
    pub async fn insert_attempt(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        job: &JobId,
        action: ActionKind,
        attempt: &AttemptRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO step_attempts (id, tenant_id, install_id, job_id, action, started_at, finished_at, error_kind)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(job.as_str())
        .bind(action.as_str())
        .bind(to_millis(attempt.started_at))
        .bind(to_millis(attempt.finished_at))
        .bind(attempt.error_kind.map(ErrorKind::as_str))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// The install's attempts that finished in `[from, to]`, oldest first.
    pub async fn attempts(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<AttemptRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT started_at, finished_at, error_kind FROM step_attempts
             WHERE tenant_id = $1 AND install_id = $2 AND finished_at >= $3 AND finished_at <= $4 ORDER BY finished_at, started_at",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attempt_from).collect()
    }

    /// The install's last attempt that finished before `at`.
    pub async fn attempt_before(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        at: DateTime<Utc>,
    ) -> Result<Option<AttemptRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT started_at, finished_at, error_kind FROM step_attempts
             WHERE tenant_id = $1 AND install_id = $2 AND finished_at < $3 ORDER BY finished_at DESC LIMIT 1",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(to_millis(at))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(attempt_from).transpose()
    }

    /// When a call to the install last succeeded.
    pub async fn last_success(
        &self,
        tenant: &TenantId,
        install: &InstallId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query(
            "SELECT MAX(finished_at) AS at FROM step_attempts WHERE tenant_id = $1 AND install_id = $2 AND error_kind IS NULL",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .fetch_one(self.pool())
        .await?;
        super::rows::opt_instant(&row, "at")
    }
}
