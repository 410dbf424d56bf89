//! Erasure records: which installs and subjects an erasure reached, and the
//! job that does it there (or why there is none). The person's identifier is
//! never stored; the outcome is read from the job's own status.

use super::rows::{get, instant};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, ErasureId, InstallId, JobId, JobStatus, Person, Subject, TenantId};
use chrono::{DateTime, Utc};

/// Why an install got no erase-person job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotPlanned {
    /// The install's plugin has no `erase-person` action.
    Unsupported,
    /// The plugin could not be asked (not loaded, no active version).
    Failed,
}

impl NotPlanned {
    fn as_str(self) -> &'static str {
        match self {
            NotPlanned::Unsupported => "unsupported",
            NotPlanned::Failed => "failed",
        }
    }
}

/// One install and subject an erasure reached, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ErasureTargetRecord {
    pub install_id: InstallId,
    pub subject: Subject,
    /// The erase-person job and its status, when one was planned.
    pub job: Option<(JobId, JobStatus)>,
    pub not_planned: Option<(NotPlanned, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ErasureRecord {
    pub id: ErasureId,
    pub actor: String,
    pub requested_at: DateTime<Utc>,
    pub targets: Vec<ErasureTargetRecord>,
}

impl WriteTx {
    pub async fn insert_erasure(
        &mut self,
        tenant: &TenantId,
        id: &ErasureId,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO erasures (id, tenant_id, actor, requested_at) VALUES ($1, $2, $3, $4)")
            .bind(id.as_str())
            .bind(tenant.as_str())
            .bind(actor)
            .bind(to_millis(now))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records the job planned for `subject` at `install`, or why there is none.
    pub async fn insert_erasure_target(
        &mut self,
        tenant: &TenantId,
        erasure: &ErasureId,
        install: &InstallId,
        subject: &Subject,
        planned: Result<&JobId, (NotPlanned, &str)>,
    ) -> Result<(), StoreError> {
        let (job, not_planned, reason) = match planned {
            Ok(job) => (Some(job.as_str()), None, None),
            Err((why, reason)) => (None, Some(why.as_str()), Some(reason)),
        };
        sqlx::query(
            "INSERT INTO erasure_targets (erasure_id, tenant_id, install_id, subject, job_id, not_planned, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(erasure.as_str())
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(subject.key())
        .bind(job)
        .bind(not_planned)
        .bind(reason)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Deletes the badge occupancy records of an e-mail address.
    pub async fn delete_occupancy_of(&mut self, tenant: &TenantId, email: &str) -> Result<u64, StoreError> {
        Ok(sqlx::query("DELETE FROM occupancy WHERE tenant_id = $1 AND LOWER(email) = $2")
            .bind(tenant.as_str())
            .bind(email.to_lowercase())
            .execute(self.conn())
            .await?
            .rows_affected())
    }
}

impl Store {
    /// Every person the tenant's installs know, with the install.
    pub async fn persons_of_tenant(&self, tenant: &TenantId) -> Result<Vec<(InstallId, Person)>, StoreError> {
        let rows = sqlx::query(
            "SELECT install_id, kind, external_id, details, pacs_id FROM persons WHERE tenant_id = $1 ORDER BY install_id, external_id",
        )
        .bind(tenant.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| Ok((InstallId::new(get::<String>(row, "install_id")?), super::visits::person_from(row)?)))
            .collect()
    }

    pub async fn erasure(&self, tenant: &TenantId, id: &ErasureId) -> Result<Option<ErasureRecord>, StoreError> {
        let row = sqlx::query("SELECT actor, requested_at FROM erasures WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let targets = sqlx::query(
            "SELECT t.install_id, t.subject, t.job_id, t.not_planned, t.reason, j.status, j.reason AS job_reason
             FROM erasure_targets t LEFT JOIN jobs j ON j.id = t.job_id
             WHERE t.tenant_id = $1 AND t.erasure_id = $2 ORDER BY t.install_id, t.subject",
        )
        .bind(tenant.as_str())
        .bind(id.as_str())
        .fetch_all(self.pool())
        .await?;
        let targets = targets
            .iter()
            .map(|row| {
                let job = match (get::<Option<String>>(row, "job_id")?, get::<Option<String>>(row, "status")?) {
                    (Some(job), Some(status)) => Some((
                        JobId::new(job),
                        super::rows::parse(JobStatus::from_parts(&status, get(row, "job_reason")?))?,
                    )),
                    _ => None,
                };
                let not_planned = match get::<Option<String>>(row, "not_planned")?.as_deref() {
                    Some("unsupported") => {
                        Some((NotPlanned::Unsupported, get::<Option<String>>(row, "reason")?.unwrap_or_default()))
                    }
                    Some("failed") => {
                        Some((NotPlanned::Failed, get::<Option<String>>(row, "reason")?.unwrap_or_default()))
                    }
                    Some(other) => return Err(StoreError::corrupt(format!("erasure target state {other}"))),
                    None => None,
                };
                Ok(ErasureTargetRecord {
                    install_id: InstallId::new(get::<String>(row, "install_id")?),
                    subject: super::rows::parse(Subject::parse(&get::<String>(row, "subject")?))?,
                    job,
                    not_planned,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(ErasureRecord {
            id: id.clone(),
            actor: get(&row, "actor")?,
            requested_at: instant(&row, "requested_at")?,
            targets,
        }))
    }
}
