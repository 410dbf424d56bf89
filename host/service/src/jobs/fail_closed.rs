//! Fail closed: a visit never keeps access that a failed job left behind, and
//! never gets access while its provisioning is broken.
//!
//! - A visit's job that grants access and stops (failed or dead) is undone by a
//!   **compensation job** of its own (in `/jobs`, `compensates` naming it),
//!   queued in the same transaction that stops it: every credential revoked,
//!   the groups it added removed, the record deactivated. The stopped job stays
//!   for an operator to redrive; a redrive waits for the compensation and then
//!   runs every step again under fresh idempotency keys.
//! - **Admission**: before a granting job of a visit takes its first step, it
//!   is *held* while an earlier granting job of the visit stands stopped (a
//!   held job does not block the visit's later jobs, so sign-out still
//!   revokes), and *ignored* when the visit is over: signed out, cancelled, or
//!   past its window. Held jobs return to the queue whenever a job of the visit
//!   ends well, and are admitted again.
//!
//! Employees are not compensated: Gatehouse only toggles records the PACS
//! already had, and a failed toggle leaves them as they were.

use super::{Engine, ServiceError};
use crate::domain::{JobId, JobStatus, PlannedStep, Subject};
use crate::store::{NewJob, RunnableStep, WriteTx};
use chrono::{DateTime, Utc};

/// A compensation to queue if the step stops its job.
pub(super) struct Compensation {
    job: JobId,
    policy_version: Option<i64>,
    steps: Vec<PlannedStep>,
}

impl Engine {
    /// Whether the job of `runnable`, about to take its first step, may run;
    /// otherwise the status it stops in.
    pub(super) async fn admission(&self, runnable: &RunnableStep) -> Result<Option<JobStatus>, ServiceError> {
        let Subject::Visit(visit_id) = &runnable.subject else { return Ok(None) };
        let store = self.service().store();
        let job = &runnable.step.job_id;
        let steps = store.steps(&runnable.tenant_id, job).await?;
        if !steps.iter().any(|s| s.planned.action.grants_access()) {
            return Ok(None);
        }
        if let Some(blocker) = store.stopped_grant_before(job).await? {
            return Ok(Some(JobStatus::Held(format!(
                "held while job {} of this visit is {}: a visit whose provisioning stopped gets no access until that job \
                 is redriven and done",
                blocker.id,
                blocker.status.name()
            ))));
        }
        let Some(visit) = store.visit(&runnable.tenant_id, &runnable.install_id, visit_id).await? else {
            return Ok(None);
        };
        let now = self.service().clock().now();
        let over = match visit.window {
            _ if !visit.provisioned => Some(format!("the visit is {}", visit.state.as_str())),
            Some(window) if window.ends_at() <= now => {
                Some(format!("the visit's access window ended at {}", window.ends_at()))
            }
            _ => None,
        };
        Ok(over.map(|why| JobStatus::Ignored(format!("{why}; its access is not provisioned again"))))
    }

    /// Stops a job that has not started, as admission decided.
    pub(super) async fn refuse(&self, runnable: &RunnableStep, status: JobStatus) -> Result<(), ServiceError> {
        let service = self.service();
        let now = service.clock().now();
        let mut tx = service.store().begin().await?;
        tx.stop_unstarted_job(&runnable.step.job_id, &status, now).await?;
        if matches!(status, JobStatus::Ignored(_)) {
            tx.release_held_jobs(&runnable.install_id, &runnable.subject, now).await?;
        }
        tx.commit().await?;
        tracing::warn!(tenant = %runnable.tenant_id, install = %runnable.install_id, job = %runnable.step.job_id,
            status = status.name(), reason = status.reason().unwrap_or_default(), "job not admitted");
        Ok(())
    }

    /// The compensation of the step's job, should the step stop it: read
    /// before the transaction that records the step.
    pub(super) async fn compensation_for(&self, runnable: &RunnableStep) -> Result<Option<Compensation>, ServiceError> {
        if !matches!(runnable.subject, Subject::Visit(_)) {
            return Ok(None);
        }
        let store = self.service().store();
        let (tenant, install) = (&runnable.tenant_id, &runnable.install_id);
        let job_id = &runnable.step.job_id;
        let Some(job) = store.job(tenant, job_id).await? else { return Ok(None) };
        let planned: Vec<PlannedStep> = store.steps(tenant, job_id).await?.into_iter().map(|s| s.planned).collect();
        if job.compensates.is_some() || !planned.iter().any(|s| s.action.grants_access()) {
            return Ok(None);
        }
        let stored = store.policy(tenant, install, job.policy_version).await?;
        let policy = stored.as_ref().and_then(|p| crate::policy::parse(&p.source).ok()).unwrap_or_default();
        let supported = stored.map(|p| p.supported_actions).unwrap_or_default();
        let steps = crate::policy::compensation(&policy, &planned, &supported, self.service().clock().now());
        Ok(Some(Compensation { job: job.id, policy_version: job.policy_version, steps }))
    }

    /// What a job's new status sets off, in the transaction that set it.
    pub(super) async fn on_job_finished(
        &self,
        tx: &mut WriteTx,
        runnable: &RunnableStep,
        status: &JobStatus,
        compensation: Option<Compensation>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        match (status, compensation) {
            (JobStatus::Failed(_) | JobStatus::Dead(_), Some(compensation)) => {
                let id = tx
                    .insert_job(NewJob {
                        id: JobId::generate(),
                        tenant_id: &runnable.tenant_id,
                        install_id: &runnable.install_id,
                        event_id: None,
                        schedule_entry_id: None,
                        subject: &runnable.subject,
                        policy_version: compensation.policy_version,
                        compensates: Some(&compensation.job),
                        status: JobStatus::Queued,
                        steps: &compensation.steps,
                        now,
                    })
                    .await?;
                tracing::warn!(tenant = %runnable.tenant_id, install = %runnable.install_id, job = %compensation.job,
                    compensation = %id, "provisioning stopped; its compensation revokes what it may have granted");
            }
            (JobStatus::Done | JobStatus::Ignored(_), _) => {
                tx.release_held_jobs(&runnable.install_id, &runnable.subject, now).await?;
            }
            _ => {}
        }
        Ok(())
    }
}
