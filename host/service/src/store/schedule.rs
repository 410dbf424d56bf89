//! Durable timers. An entry holds the steps to run when it falls due; firing
//! it turns them into a job. Entries survive restarts because they are rows.

use super::rows::{get, instant, parse};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, EventId, InstallId, JobId, PlannedStep, ScheduleEntryId, Subject, TenantId};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

pub struct NewScheduleEntry<'a> {
    pub tenant_id: &'a TenantId,
    pub install_id: &'a InstallId,
    pub subject: &'a Subject,
    /// What the entry is for, in words ("activate", "revoke").
    pub purpose: &'a str,
    pub due_at: DateTime<Utc>,
    pub steps: &'a [PlannedStep],
    pub policy_version: Option<i64>,
    pub origin_event_id: Option<&'a EventId>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    pub id: ScheduleEntryId,
    pub tenant_id: TenantId,
    pub install_id: InstallId,
    pub subject: Subject,
    pub purpose: String,
    pub due_at: DateTime<Utc>,
    pub steps: Vec<PlannedStep>,
    pub policy_version: Option<i64>,
    pub origin_event_id: Option<EventId>,
    pub fired: bool,
    pub cancelled: bool,
    pub job_id: Option<JobId>,
}

const COLUMNS: &str =
    "id, tenant_id, install_id, subject, purpose, due_at, steps, policy_version, origin_event_id, fired, cancelled, job_id";

fn entry_from(row: &SqliteRow) -> Result<ScheduleEntry, StoreError> {
    let steps: String = get(row, "steps")?;
    Ok(ScheduleEntry {
        id: ScheduleEntryId::new(get::<String>(row, "id")?),
        tenant_id: TenantId::new(get::<String>(row, "tenant_id")?),
        install_id: InstallId::new(get::<String>(row, "install_id")?),
        subject: parse(Subject::parse(&get::<String>(row, "subject")?))?,
        purpose: get(row, "purpose")?,
        due_at: instant(row, "due_at")?,
        steps: parse(serde_json::from_str(&steps))?,
        policy_version: get(row, "policy_version")?,
        origin_event_id: get::<Option<String>>(row, "origin_event_id")?.map(EventId::new),
        fired: get(row, "fired")?,
        cancelled: get(row, "cancelled")?,
        job_id: get::<Option<String>>(row, "job_id")?.map(JobId::new),
    })
}

impl WriteTx {
    pub async fn insert_schedule_entry(
        &mut self,
        entry: NewScheduleEntry<'_>,
        now: DateTime<Utc>,
    ) -> Result<ScheduleEntryId, StoreError> {
        let id = ScheduleEntryId::generate();
        sqlx::query(
            "INSERT INTO schedule_entries (id, tenant_id, install_id, subject, purpose, due_at, steps, policy_version,
                 origin_event_id, fired, cancelled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, FALSE, FALSE, $10)",
        )
        .bind(id.as_str())
        .bind(entry.tenant_id.as_str())
        .bind(entry.install_id.as_str())
        .bind(entry.subject.key())
        .bind(entry.purpose)
        .bind(to_millis(entry.due_at))
        .bind(serde_json::to_string(entry.steps).map_err(StoreError::corrupt)?)
        .bind(entry.policy_version)
        .bind(entry.origin_event_id.map(EventId::as_str))
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(id)
    }

    /// Cancels every entry of the subject that has not fired yet: a newer
    /// plan replaces them ("latest state wins").
    pub async fn cancel_pending_entries(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        subject: &Subject,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "UPDATE schedule_entries SET cancelled = TRUE
             WHERE tenant_id = $1 AND install_id = $2 AND subject = $3 AND fired = FALSE AND cancelled = FALSE",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(subject.key())
        .execute(self.conn())
        .await?
        .rows_affected())
    }

    /// Entries due at `now`, oldest first.
    pub async fn due_entries_any_tenant(
        &mut self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ScheduleEntry>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM schedule_entries WHERE fired = FALSE AND cancelled = FALSE AND due_at <= $1
             ORDER BY due_at, created_at LIMIT $2"
        );
        let rows = sqlx::query(&sql).bind(to_millis(now)).bind(i64::from(limit)).fetch_all(self.conn()).await?;
        rows.iter().map(entry_from).collect()
    }

    pub async fn mark_entry_fired(&mut self, entry: &ScheduleEntryId, job: &JobId) -> Result<(), StoreError> {
        sqlx::query("UPDATE schedule_entries SET fired = TRUE, job_id = $2 WHERE id = $1")
            .bind(entry.as_str())
            .bind(job.as_str())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// The subject's entries that will still fire, soonest first.
    pub async fn pending_entries(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        subject: &Subject,
    ) -> Result<Vec<ScheduleEntry>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM schedule_entries
             WHERE tenant_id = $1 AND install_id = $2 AND subject = $3 AND fired = FALSE AND cancelled = FALSE
             ORDER BY due_at"
        );
        let rows = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(subject.key())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(entry_from).collect()
    }

    pub async fn next_entry_due_any_tenant(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row =
            sqlx::query("SELECT MIN(due_at) AS due FROM schedule_entries WHERE fired = FALSE AND cancelled = FALSE")
                .fetch_one(self.pool())
                .await?;
        super::rows::opt_instant(&row, "due")
    }
}
