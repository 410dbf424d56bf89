//! Privacy settings and the purge: anonymising the personal data of visits
//! that ended, and deleting history past its retention. The rules of *what*
//! may be purged are in these queries, so every caller gets the same safety:
//! a visit that is still active, has timers that will fire or jobs still to
//! run is never touched, and a job an erasure record points to is kept.

use super::rows::get;
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, InstallId, PersonDetails, PrivacySettings, Retention, Subject, TenantId};
use chrono::{DateTime, Utc};

/// What one purge removed, by kind (counts only: the audit entry holds these).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PurgeCounts {
    pub visits_anonymised: u64,
    pub events_scrubbed: u64,
    pub occupancy_deleted: u64,
    pub jobs_deleted: u64,
    pub steps_deleted: u64,
    pub attempts_deleted: u64,
    pub attachments_deleted: u64,
    pub schedule_entries_deleted: u64,
    pub events_deleted: u64,
    pub erasures_deleted: u64,
    pub audit_entries_deleted: u64,
}

/// The stored `details` of a person whose personal data is gone.
pub(crate) fn anonymised_details() -> String {
    serde_json::to_string(&PersonDetails::default()).unwrap_or_default()
}

/// Finished jobs of the tenant last changed before `$2` that no erasure record needs.
const PURGEABLE_JOBS: &str = "SELECT id FROM jobs WHERE tenant_id = $1 AND updated_at < $2
    AND status IN ('done', 'ignored', 'failed', 'dead')
    AND NOT EXISTS (SELECT 1 FROM erasure_targets t WHERE t.job_id = jobs.id)";

impl Store {
    /// The tenant's settings, or the defaults when it never set any.
    pub async fn privacy_settings(&self, tenant: &TenantId) -> Result<PrivacySettings, StoreError> {
        let row = sqlx::query(
            "SELECT personal_data_days, job_history_days, audit_days, share_health FROM privacy_settings WHERE tenant_id = $1",
        )
        .bind(tenant.as_str())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(PrivacySettings::default());
        };
        let days =
            |column: &str| -> Result<u32, StoreError> { super::rows::parse(u32::try_from(get::<i64>(&row, column)?)) };
        Ok(PrivacySettings {
            retention: Retention {
                personal_data_days: days("personal_data_days")?,
                job_history_days: days("job_history_days")?,
                audit_days: days("audit_days")?,
            },
            share_health: get(&row, "share_health")?,
        })
    }
}

impl WriteTx {
    pub async fn put_privacy_settings(
        &mut self,
        tenant: &TenantId,
        settings: &PrivacySettings,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let r = &settings.retention;
        sqlx::query(
            "INSERT INTO privacy_settings (tenant_id, personal_data_days, job_history_days, audit_days, share_health, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id) DO UPDATE SET personal_data_days = excluded.personal_data_days,
                 job_history_days = excluded.job_history_days, audit_days = excluded.audit_days,
                 share_health = excluded.share_health, updated_at = excluded.updated_at",
        )
        .bind(tenant.as_str())
        .bind(i64::from(r.personal_data_days))
        .bind(i64::from(r.job_history_days))
        .bind(i64::from(r.audit_days))
        .bind(settings.share_health)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Visits of the tenant that ended before `cutoff` (signed out or
    /// cancelled then, or whose access window closed then) and still hold
    /// personal data, skipping any with timers to fire or jobs to run.
    pub async fn ended_visits_with_personal_data(
        &mut self,
        tenant: &TenantId,
        cutoff: DateTime<Utc>,
    ) -> Result<Vec<(InstallId, Subject)>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.install_id, v.visit_id FROM visits v
             JOIN persons p ON p.install_id = v.install_id AND p.external_id = v.visit_id AND p.kind = 'visitor'
             WHERE v.tenant_id = $1 AND p.details <> $3
               AND (CASE WHEN v.state IN ('signed-out', 'cancelled') THEN v.updated_at ELSE v.window_end END) < $2
               AND NOT EXISTS (SELECT 1 FROM schedule_entries e WHERE e.install_id = v.install_id
                                 AND e.subject = 'visit:' || v.visit_id AND e.fired = FALSE AND e.cancelled = FALSE)
               AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.install_id = v.install_id
                                 AND j.subject = 'visit:' || v.visit_id AND j.status IN ('queued', 'running', 'held'))
             ORDER BY v.install_id, v.visit_id",
        )
        .bind(tenant.as_str())
        .bind(to_millis(cutoff))
        .bind(anonymised_details())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let visit = crate::domain::VisitId::new(get::<String>(row, "visit_id")?);
                Ok((InstallId::new(get::<String>(row, "install_id")?), Subject::Visit(visit)))
            })
            .collect()
    }

    /// Removes what Gatehouse knows personally about one subject at one
    /// install: the person's details (the PACS id stays, it names a vendor
    /// record, not a person) and the bodies of the events about them.
    /// Returns whether the person had details, and how many events were scrubbed.
    pub async fn anonymise_subject(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        subject: &Subject,
    ) -> Result<(bool, u64), StoreError> {
        let anonymised = anonymised_details();
        let person = sqlx::query("UPDATE persons SET details = $4 WHERE tenant_id = $1 AND install_id = $2 AND external_id = $3 AND details <> $4")
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(subject.external_id())
            .bind(&anonymised)
            .execute(self.conn())
            .await?
            .rows_affected();
        let events = sqlx::query(
            "UPDATE events SET raw = '', normalised = NULL
             WHERE tenant_id = $1 AND install_id = $2 AND raw <> ''
               AND (id IN (SELECT event_id FROM jobs WHERE install_id = $2 AND subject = $3)
                    OR id IN (SELECT origin_event_id FROM schedule_entries WHERE install_id = $2 AND subject = $3))",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(subject.key())
        .execute(self.conn())
        .await?
        .rows_affected();
        Ok((person == 1, events))
    }

    /// Personal data not tied to a visit: the bodies of events that planned
    /// nothing (names we do not handle) and badge occupancy records.
    pub async fn purge_unattached_personal_data(
        &mut self,
        tenant: &TenantId,
        cutoff: DateTime<Utc>,
        counts: &mut PurgeCounts,
    ) -> Result<(), StoreError> {
        counts.events_scrubbed += self
            .delete_before(
                "UPDATE events SET raw = '', normalised = NULL
                 WHERE tenant_id = $1 AND received_at < $2 AND raw <> ''
                   AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id)
                   AND NOT EXISTS (SELECT 1 FROM schedule_entries e WHERE e.origin_event_id = events.id)",
                tenant,
                cutoff,
            )
            .await?;
        counts.occupancy_deleted += self
            .delete_before("DELETE FROM occupancy WHERE tenant_id = $1 AND occurred_at < $2", tenant, cutoff)
            .await?;
        Ok(())
    }

    /// Deletes finished jobs last changed before `cutoff`, with their steps,
    /// attempts, attachments and fired timers, then the timers and events
    /// before `cutoff` that nothing refers to any more.
    pub async fn purge_job_history(
        &mut self,
        tenant: &TenantId,
        cutoff: DateTime<Utc>,
        counts: &mut PurgeCounts,
    ) -> Result<(), StoreError> {
        counts.attachments_deleted += self
            .delete_before(&format!("DELETE FROM attachments WHERE job_id IN ({PURGEABLE_JOBS})"), tenant, cutoff)
            .await?;
        counts.steps_deleted += self
            .delete_before(&format!("DELETE FROM job_steps WHERE job_id IN ({PURGEABLE_JOBS})"), tenant, cutoff)
            .await?;
        counts.attempts_deleted += self
            .delete_before(&format!("DELETE FROM step_attempts WHERE job_id IN ({PURGEABLE_JOBS})"), tenant, cutoff)
            .await?;
        counts.schedule_entries_deleted += self
            .delete_before(&format!("DELETE FROM schedule_entries WHERE job_id IN ({PURGEABLE_JOBS})"), tenant, cutoff)
            .await?;
        counts.jobs_deleted +=
            self.delete_before(&format!("DELETE FROM jobs WHERE id IN ({PURGEABLE_JOBS})"), tenant, cutoff).await?;
        counts.schedule_entries_deleted += self
            .delete_before(
                "DELETE FROM schedule_entries WHERE tenant_id = $1 AND cancelled = TRUE AND created_at < $2",
                tenant,
                cutoff,
            )
            .await?;
        counts.events_deleted += self
            .delete_before(
                "DELETE FROM events WHERE tenant_id = $1 AND received_at < $2
                   AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id)
                   AND NOT EXISTS (SELECT 1 FROM schedule_entries e WHERE e.origin_event_id = events.id)",
                tenant,
                cutoff,
            )
            .await?;
        Ok(())
    }

    /// Deletes audit entries and erasure records written before `cutoff`.
    pub async fn purge_audit(
        &mut self,
        tenant: &TenantId,
        cutoff: DateTime<Utc>,
        counts: &mut PurgeCounts,
    ) -> Result<(), StoreError> {
        self.delete_before(
            "DELETE FROM erasure_targets WHERE erasure_id IN (SELECT id FROM erasures WHERE tenant_id = $1 AND requested_at < $2)",
            tenant,
            cutoff,
        )
        .await?;
        counts.erasures_deleted += self
            .delete_before("DELETE FROM erasures WHERE tenant_id = $1 AND requested_at < $2", tenant, cutoff)
            .await?;
        counts.audit_entries_deleted +=
            self.delete_before("DELETE FROM audit_entries WHERE tenant_id = $1 AND at < $2", tenant, cutoff).await?;
        Ok(())
    }

    /// Runs a statement (delete or scrub) bound to (`$1` tenant, `$2` cutoff); returns the rows it changed.
    async fn delete_before(&mut self, sql: &str, tenant: &TenantId, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(sqlx::query(sql).bind(tenant.as_str()).bind(to_millis(cutoff)).execute(self.conn()).await?.rows_affected())
    }
}
