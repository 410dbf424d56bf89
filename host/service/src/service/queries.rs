//! Reading the trail: jobs with their steps and attachments, the dead-letter
//! queue, re-driving, and the one-time reveal of a PIN.

use super::{Service, ServiceError};
use crate::domain::{AttachmentId, CardCredential, InstallId, JobId, LocationId, Subject, TenantId, VisitId};
use crate::policy::Plan;
use crate::store::{
    AttachmentBody, AuditEntry, AuditFilter, EventFilter, JobFilter, JobRecord, OccupancyRecord, Redrive,
    SignedInVisitor, StepRecord, StoredEvent,
};
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
    Warning { id: AttachmentId, message: String },
}

/// Which jobs to list; every field left out matches all.
#[derive(Clone, Debug, Default)]
pub struct JobQuery {
    pub visit: Option<VisitId>,
    /// An e-mail address: the employee's jobs and those of every visit of a visitor with it.
    pub person: Option<String>,
    pub install: Option<InstallId>,
    pub status: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

/// Who is on site at a location now.
#[derive(Clone, Debug, PartialEq)]
pub struct Occupancy {
    /// Visitors whose visit is signed in.
    pub visitors: Vec<SignedInVisitor>,
    /// Employees who badged in since midnight, local time, latest badge each.
    pub employees: Vec<OccupancyRecord>,
}

const JOB_STATUSES: [&str; 7] = ["queued", "running", "held", "done", "ignored", "failed", "dead"];

impl Service {
    /// The tenant's jobs matching `query`, newest first.
    pub async fn jobs(&self, tenant: &TenantId, query: &JobQuery) -> Result<Vec<JobRecord>, ServiceError> {
        if let Some(status) = query.status.as_deref().filter(|s| !JOB_STATUSES.contains(s)) {
            return Err(ServiceError::InvalidInput(format!(
                "unknown job status `{status}`; expected one of {}",
                JOB_STATUSES.join(", ")
            )));
        }
        let mut subjects: Option<Vec<Subject>> = query.visit.clone().map(|v| vec![Subject::Visit(v)]);
        if let Some(email) = &query.person {
            let mut of_person = vec![Subject::employee(email)];
            of_person.extend(self.store.visits_of_email(tenant, email).await?.into_iter().map(Subject::Visit));
            subjects = Some(match subjects {
                Some(visit) => visit.into_iter().filter(|s| of_person.contains(s)).collect(),
                None => of_person,
            });
        }
        let filter = JobFilter {
            install: query.install.clone(),
            subjects,
            status: query.status.clone(),
            from: query.from,
            to: query.to,
            limit: query.limit,
        };
        Ok(self.store.jobs_matching(tenant, &filter).await?)
    }

    /// The tenant's stored events, newest first.
    pub async fn events(&self, tenant: &TenantId, filter: &EventFilter) -> Result<Vec<StoredEvent>, ServiceError> {
        Ok(self.store.events(tenant, filter).await?)
    }

    /// The tenant's audit trail, oldest first.
    pub async fn audit_trail(&self, tenant: &TenantId, filter: &AuditFilter) -> Result<Vec<AuditEntry>, ServiceError> {
        Ok(self.store.audit_entries(tenant, filter).await?)
    }

    /// Who is signed in now at the location.
    pub async fn occupancy(&self, tenant: &TenantId, location_id: &LocationId) -> Result<Occupancy, ServiceError> {
        let location = self
            .store
            .location(tenant, location_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("location", location_id))?;
        let visitors = self.store.signed_in_visitors(tenant, location_id).await?;
        let local_midnight = self
            .clock
            .now()
            .with_timezone(&location.time_zone)
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|midnight| midnight.and_local_timezone(location.time_zone).earliest())
            .map(|midnight| midnight.with_timezone(&Utc));
        let mut employees: Vec<OccupancyRecord> = Vec::new();
        for record in self.store.occupancy(tenant, location_id).await?.into_iter().rev() {
            let today = local_midnight.is_none_or(|midnight| record.occurred_at >= midnight);
            if today
                && !employees
                    .iter()
                    .any(|e| e.pacs_person_id == record.pacs_person_id && e.install_id == record.install_id)
            {
                employees.push(record);
            }
        }
        employees.reverse();
        Ok(Occupancy { visitors, employees })
    }

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
                AttachmentBody::Warning(message) => AttachmentView::Warning { id: a.id, message },
            })
            .collect();
        Ok(JobView { job, steps, attachments })
    }

    /// Every job of a visit at an install, in the order they run.
    pub async fn visit_jobs(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        visit: &VisitId,
    ) -> Result<Vec<JobRecord>, ServiceError> {
        Ok(self.store.jobs_for_subject(tenant, install, &Subject::Visit(visit.clone())).await?)
    }

    /// The dead-letter queue: jobs whose retry budget ran out.
    pub async fn dead_jobs(&self, tenant: &TenantId) -> Result<Vec<JobRecord>, ServiceError> {
        Ok(self.store.jobs_with_status(tenant, "dead").await?)
    }

    /// Puts a dead or failed job back in the queue with a fresh retry budget
    /// (see [`crate::store::WriteTx::redrive_job`] for what runs again).
    pub async fn redrive(&self, actor: &str, tenant: &TenantId, job_id: &JobId) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        let from_first_step = match tx.redrive_job(tenant, job_id, self.clock.now()).await? {
            Redrive::Requeued { from_first_step } => from_first_step,
            Redrive::NotStopped => {
                return Err(ServiceError::InvalidInput(format!(
                    "job `{job_id}` is not dead or failed, or does not exist"
                )))
            }
            Redrive::CompensationUnfinished(compensation) => {
                return Err(ServiceError::Conflict(format!(
                    "job `{job_id}` is being undone by its compensation job `{compensation}`, which has not finished; \
                     redrive that one first if it is dead, or wait for it"
                )))
            }
        };
        let detail = json!({ "from_first_step": from_first_step });
        let entry = AuditEntry {
            at: self.clock.now(),
            actor: actor.into(),
            action: "job.redrive".into(),
            subject: format!("job:{job_id}"),
            detail,
        };
        tx.append_audit(tenant, &entry).await?;
        tx.commit().await?;
        self.work_arrived.notify_one();
        Ok(())
    }

    /// The PIN of an attachment, the first time it is asked for; `None` after.
    pub async fn reveal_pin_once(
        &self,
        actor: &str,
        tenant: &TenantId,
        attachment: &AttachmentId,
    ) -> Result<Option<String>, ServiceError> {
        let mut tx = self.store.begin().await?;
        let Some(sealed) = tx.take_pin(tenant, attachment).await? else { return Ok(None) };
        let entry = AuditEntry {
            at: self.clock.now(),
            actor: actor.into(),
            action: "pin.reveal".into(),
            subject: format!("attachment:{attachment}"),
            detail: json!({}),
        };
        tx.append_audit(tenant, &entry).await?;
        let pin = sealed.open(&self.sealer)?;
        tx.commit().await?;
        Ok(Some(pin))
    }
}
