//! Retention: each tenant's privacy settings and the purge that enforces
//! them. The purge runs on a schedule in `gatehouse serve` ([`run_purges`])
//! and on request; either way one transaction per tenant, and one audit entry
//! with the counts of what went (never what it was). The schedule records
//! only the runs that removed something; a request is always recorded, since
//! someone asked for it.

use super::{Service, ServiceError};
use crate::domain::{PrivacySettings, TenantId};
use crate::store::{AuditEntry, PurgeCounts};
use chrono::Duration;
use serde_json::json;

/// The actor the scheduled purge records in the audit trail.
pub const SCHEDULED_PURGE_ACTOR: &str = "system:retention";

impl Service {
    /// The tenant's privacy settings (the defaults until it sets its own).
    pub async fn privacy_settings(&self, tenant: &TenantId) -> Result<PrivacySettings, ServiceError> {
        self.store.tenant(tenant).await?.ok_or_else(|| ServiceError::not_found("tenant", tenant))?;
        Ok(self.store.privacy_settings(tenant).await?)
    }

    /// Replaces the tenant's privacy settings; every period must be 1 to 3650 days.
    pub async fn set_privacy_settings(
        &self,
        actor: &str,
        tenant: &TenantId,
        settings: PrivacySettings,
    ) -> Result<(), ServiceError> {
        settings.retention.validate().map_err(ServiceError::InvalidInput)?;
        let before = self.privacy_settings(tenant).await?;
        let mut tx = self.store.begin().await?;
        tx.put_privacy_settings(tenant, &settings, self.clock.now()).await?;
        let entry = AuditEntry {
            at: self.clock.now(),
            actor: actor.into(),
            action: "tenant.privacy".into(),
            subject: format!("tenant:{tenant}"),
            detail: json!({ "before": before, "after": settings }),
        };
        tx.append_audit(tenant, &entry).await?;
        Ok(tx.commit().await?)
    }

    /// Purges what the tenant's retention no longer allows to keep, as of now.
    /// Records an audit entry with the counts when anything was purged.
    pub async fn purge(&self, actor: &str, tenant: &TenantId) -> Result<PurgeCounts, ServiceError> {
        self.purge_recording(actor, tenant, false).await
    }

    /// The purge someone asked for: as [`Service::purge`], and the audit
    /// entry is written even when nothing was left to remove.
    pub(crate) async fn purge_on_request(&self, actor: &str, tenant: &TenantId) -> Result<PurgeCounts, ServiceError> {
        self.purge_recording(actor, tenant, true).await
    }

    async fn purge_recording(
        &self,
        actor: &str,
        tenant: &TenantId,
        record_empty: bool,
    ) -> Result<PurgeCounts, ServiceError> {
        let retention = self.privacy_settings(tenant).await?.retention;
        let now = self.clock.now();
        let before = |days: u32| now - Duration::days(i64::from(days));
        let mut counts = PurgeCounts::default();
        let mut tx = self.store.begin().await?;
        for (install, subject) in
            tx.ended_visits_with_personal_data(tenant, before(retention.personal_data_days)).await?
        {
            let (person, events) = tx.anonymise_subject(tenant, &install, &subject).await?;
            counts.visits_anonymised += u64::from(person);
            counts.events_scrubbed += events;
        }
        tx.purge_unattached_personal_data(tenant, before(retention.personal_data_days), &mut counts).await?;
        // Erasure records go first, so the jobs only they kept go in the same run.
        tx.purge_audit(tenant, before(retention.audit_days), &mut counts).await?;
        tx.purge_job_history(tenant, before(retention.job_history_days), &mut counts).await?;
        if record_empty || counts != PurgeCounts::default() {
            let detail = json!({ "retention": retention, "purged": counts });
            let entry = AuditEntry {
                at: now,
                actor: actor.into(),
                action: "retention.purge".into(),
                subject: format!("tenant:{tenant}"),
                detail,
            };
            tx.append_audit(tenant, &entry).await?;
        }
        tx.commit().await?;
        Ok(counts)
    }

    /// The scheduled purge: every tenant in turn. A tenant that fails is
    /// logged and the others still run.
    pub(crate) async fn purge_all_tenants(&self) -> Result<Vec<(TenantId, PurgeCounts)>, ServiceError> {
        let mut done = Vec::new();
        for tenant in self.store.tenants_any_tenant().await? {
            match self.purge(SCHEDULED_PURGE_ACTOR, &tenant.id).await {
                Ok(counts) => done.push((tenant.id, counts)),
                Err(e) => {
                    tracing::error!(tenant = %tenant.id, error = %e, "retention purge failed")
                }
            }
        }
        Ok(done)
    }
}

/// Purges every tenant now and then every `interval`, until `shutdown` resolves.
pub async fn run_purges(
    service: Service,
    interval: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match service.purge_all_tenants().await {
            Ok(done) => {
                for (tenant, counts) in done.iter().filter(|(_, c)| *c != PurgeCounts::default()) {
                    tracing::info!(%tenant, ?counts, "retention purge");
                }
            }
            Err(e) => tracing::error!(error = %e, "retention purge could not list tenants"),
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
