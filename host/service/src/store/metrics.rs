//! The store-side figures `/metrics` reports, across tenants.

use super::rows::get;
use super::{Store, StoreError};
use crate::domain::to_millis;
use chrono::{DateTime, Utc};

impl Store {
    /// How many jobs are in each status, every tenant together.
    pub async fn job_counts_any_tenant(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status ORDER BY status")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|row| Ok((get(row, "status")?, get(row, "n")?))).collect()
    }

    /// Pending steps of unfinished jobs that are due at `now`.
    pub async fn queue_depth_any_tenant(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM job_steps s JOIN jobs j ON j.id = s.job_id
             WHERE s.status = 'pending' AND s.next_attempt_at <= $1 AND j.status IN ('queued', 'running')",
        )
        .bind(to_millis(now))
        .fetch_one(self.pool())
        .await?;
        get(&row, "n")
    }
}
