//! Reading the trail: jobs with their steps and attachments, the dead-letter
//! queue, re-driving, and the one-time reveal of a PIN.

use super::{Service, ServiceError};
use crate::domain::{AttachmentId, CardCredential, InstallId, JobId, Subject, TenantId, VisitId};
use crate::policy::Plan;
use crate::store::{AttachmentBody, AuditEntry, JobRecord, StepRecord};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// The answer of a dry run: the exact steps and times, nothing executed.
#[derive(Clone, Debug, Serialize)]
pub struct DryRun {
    /// The stored version used, or `None` for a candidate policy.
    pub policy_version: Option<i64>,
    pub planned_at: DateTime<Utc>,
    #[serde(flatten)]
    pub plan: Plan,
}

/// A job as operators see it.
#[derive(Clone, Debug)]
pub struct JobView {
    pub job: JobRecord,
    pub steps: Vec<StepRecord>,
    pub attachments: Vec<AttachmentView>,
}

/// An attachment, with secrets left out: a PIN shows only whether it was revealed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AttachmentView {
    Card { id: AttachmentId, card: CardCredential },
    Pin { id: AttachmentId, revealed: bool },
    QrPng { id: AttachmentId, bytes: usize },
}

impl Service {
    pub async fn job_view(&self, tenant: &TenantId, job_id: &JobId) -> Result<JobView, ServiceError> {
        let job = self.store.job(tenant, job_id).await?.ok_or_else(|| ServiceError::not_found("job", job_id))?;
        let steps = self.store.steps(tenant, job_id).await?;
        let attachments = self
            .store
            .attachments(tenant, job_id)
            .await?
            .into_iter()
            .map(|a| match a.body {
                AttachmentBody::Card(card) => AttachmentView::Card { id: a.id, card },
                AttachmentBody::Pin(_) => AttachmentView::Pin { id: a.id, revealed: a.pin_revealed },
                AttachmentBody::QrPng(png) => AttachmentView::QrPng { id: a.id, bytes: png.len() },
            })
            .collect();
        Ok(JobView { job, steps, attachments })
    }

    /// Every job of a visit at an install, in the order they run.
    pub async fn visit_jobs(&self, tenant: &TenantId, install: &InstallId, visit: &VisitId) -> Result<Vec<JobRecord>, ServiceError> {
        Ok(self.store.jobs_for_subject(tenant, install, &Subject::Visit(visit.clone())).await?)
    }

    /// The dead-letter queue: jobs whose retry budget ran out.
    pub async fn dead_jobs(&self, tenant: &TenantId) -> Result<Vec<JobRecord>, ServiceError> {
        Ok(self.store.jobs_with_status(tenant, "dead").await?)
    }

    /// Puts a dead or failed job back in the queue with a fresh retry budget.
    pub async fn redrive(&self, actor: &str, tenant: &TenantId, job_id: &JobId) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        if !tx.redrive_job(tenant, job_id, self.clock.now()).await? {
            return Err(ServiceError::InvalidInput(format!("job `{job_id}` is not dead or failed, or does not exist")));
        }
        let entry = AuditEntry { at: self.clock.now(), actor: actor.into(), action: "job.redrive".into(), subject: format!("job:{job_id}"), detail: json!({}) };
        tx.append_audit(tenant, &entry).await?;
        tx.commit().await?;
        self.work_arrived.notify_one();
        Ok(())
    }

    /// The PIN of an attachment, the first time it is asked for; `None` after.
    pub async fn reveal_pin_once(&self, actor: &str, tenant: &TenantId, attachment: &AttachmentId) -> Result<Option<String>, ServiceError> {
        let mut tx = self.store.begin().await?;
        let Some(sealed) = tx.take_pin(tenant, attachment).await? else { return Ok(None) };
        let entry = AuditEntry { at: self.clock.now(), actor: actor.into(), action: "pin.reveal".into(), subject: format!("attachment:{attachment}"), detail: json!({}) };
        tx.append_audit(tenant, &entry).await?;
        let pin = self.sealer.open_pin(&sealed)?;
        tx.commit().await?;
        Ok(Some(pin))
    }
}
