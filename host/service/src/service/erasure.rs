//! Erasing a person on request: everywhere Gatehouse put them, and in its
//! own store. Each install whose plugin can erase gets an `erase-person` job
//! through the normal engine, so the erasure is durable and retried like any
//! other work; Gatehouse's own copy of the person's data goes at once, in the
//! same transaction that records the request. The outcome per install is
//! read back from those jobs with [`Service::erasure`].

use super::{Service, ServiceError};
use crate::domain::{
    ActionKind, ErasureId, InstallId, JobId, JobStatus, PersonKind, PlannedStep, StepAction, Subject, TenantId, VisitId,
};
use crate::store::{AuditEntry, ErasureRecord, NewJob, NotPlanned};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

/// Who to erase: everyone known by an e-mail address, or one visit's visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum PersonSelector {
    Email(String),
    VisitId(VisitId),
}

/// How the erasure went at one install for one subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ErasureOutcome {
    /// The job is queued or running (retries included).
    Pending,
    Done,
    Failed {
        reason: String,
    },
    /// The install's plugin has no erase action; nothing was sent there.
    Unsupported {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ErasureTarget {
    pub install_id: InstallId,
    /// `visit:<id>` or `employee:<email>`, as on the job trail.
    pub subject: String,
    pub job_id: Option<JobId>,
    #[serde(flatten)]
    pub outcome: ErasureOutcome,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ErasureView {
    pub id: ErasureId,
    pub actor: String,
    pub requested_at: DateTime<Utc>,
    pub targets: Vec<ErasureTarget>,
}

impl From<ErasureRecord> for ErasureView {
    fn from(record: ErasureRecord) -> Self {
        let targets = record
            .targets
            .into_iter()
            .map(|t| {
                let outcome = match (&t.job, t.not_planned) {
                    (Some((_, status)), _) => match status {
                        JobStatus::Queued | JobStatus::Running => ErasureOutcome::Pending,
                        JobStatus::Done => ErasureOutcome::Done,
                        other => ErasureOutcome::Failed { reason: other.reason().unwrap_or_default().to_string() },
                    },
                    (None, Some((NotPlanned::Unsupported, reason))) => ErasureOutcome::Unsupported { reason },
                    (None, Some((NotPlanned::Failed, reason))) => ErasureOutcome::Failed { reason },
                    (None, None) => ErasureOutcome::Failed { reason: "the erase job no longer exists".into() },
                };
                ErasureTarget {
                    install_id: t.install_id,
                    subject: t.subject.key(),
                    job_id: t.job.map(|(id, _)| id),
                    outcome,
                }
            })
            .collect();
        ErasureView { id: record.id, actor: record.actor, requested_at: record.requested_at, targets }
    }
}

impl Service {
    /// Erases the person in every install of the tenant and in Gatehouse's
    /// store; returns the request with each install's (initial) outcome.
    pub async fn erase_person(
        &self,
        actor: &str,
        tenant: &TenantId,
        who: &PersonSelector,
    ) -> Result<ErasureView, ServiceError> {
        self.store.tenant(tenant).await?.ok_or_else(|| ServiceError::not_found("tenant", tenant))?;
        let subjects = self.subjects_of(tenant, who).await?;
        let installs = self.store.installs_of(tenant).await?;
        let mut plans = Vec::with_capacity(installs.len());
        for install in &installs {
            let plan = match self.gateway.manifest(install).await {
                Ok(manifest) if manifest.action(ActionKind::ErasePerson).is_some() => Ok(()),
                Ok(manifest) => Err((
                    NotPlanned::Unsupported,
                    format!("plugin `{}` {} has no erase-person action", manifest.plugin_id, manifest.version),
                )),
                Err(e) => Err((NotPlanned::Failed, format!("the plugin could not be asked: {e}"))),
            };
            plans.push(plan);
        }
        let now = self.clock.now();
        let id = ErasureId::generate();
        let erase = PlannedStep {
            action: StepAction::Connector(ActionKind::ErasePerson),
            params: json!({}),
            due_at: now,
            window: None,
            include_contact: false,
        };
        let (mut jobs, mut events_scrubbed) = (0, 0);
        let mut tx = self.store.begin().await?;
        tx.insert_erasure(tenant, &id, actor, now).await?;
        for (install, plan) in installs.iter().zip(&plans) {
            for subject in &subjects {
                let planned = match plan {
                    Ok(()) => {
                        let job = NewJob {
                            id: JobId::generate(),
                            tenant_id: tenant,
                            install_id: &install.id,
                            event_id: None,
                            schedule_entry_id: None,
                            subject,
                            policy_version: None,
                            compensates: None,
                            status: JobStatus::Queued,
                            steps: std::slice::from_ref(&erase),
                            now,
                        };
                        // Timers that would re-provision the person go with them.
                        tx.cancel_pending_entries(tenant, &install.id, subject).await?;
                        jobs += 1;
                        Ok(tx.insert_job(job).await?)
                    }
                    Err((why, reason)) => Err((*why, reason.clone())),
                };
                let planned_ref = planned.as_ref().map_err(|(why, reason)| (*why, reason.as_str()));
                tx.insert_erasure_target(tenant, &id, &install.id, subject, planned_ref).await?;
                events_scrubbed += tx.anonymise_subject(tenant, &install.id, subject).await?.1;
            }
        }
        let occupancy_deleted = match who {
            PersonSelector::Email(email) => tx.delete_occupancy_of(tenant, email.trim()).await?,
            PersonSelector::VisitId(_) => 0,
        };
        let detail = json!({ "erasure": id, "installs": installs.len(), "subjects": subjects.len(), "jobs": jobs,
            "events_scrubbed": events_scrubbed, "occupancy_deleted": occupancy_deleted });
        let entry = AuditEntry {
            at: now,
            actor: actor.into(),
            action: "person.erase".into(),
            subject: format!("erasure:{id}"),
            detail,
        };
        tx.append_audit(tenant, &entry).await?;
        tx.commit().await?;
        self.work_arrived.notify_one();
        self.erasure(tenant, &id).await
    }

    /// An erasure request with each install's outcome so far.
    pub async fn erasure(&self, tenant: &TenantId, id: &ErasureId) -> Result<ErasureView, ServiceError> {
        Ok(self.store.erasure(tenant, id).await?.ok_or_else(|| ServiceError::not_found("erasure", id))?.into())
    }

    /// The subjects (visits, employees) the selector names at any install.
    async fn subjects_of(&self, tenant: &TenantId, who: &PersonSelector) -> Result<BTreeSet<Subject>, ServiceError> {
        let persons = self.store.persons_of_tenant(tenant).await?;
        let subjects: BTreeSet<Subject> = match who {
            PersonSelector::VisitId(visit) => persons
                .iter()
                .filter(|(_, p)| p.kind == PersonKind::Visitor && p.external_id == visit.as_str())
                .map(|_| Subject::Visit(visit.clone()))
                .collect(),
            PersonSelector::Email(email) => {
                let email = email.trim().to_lowercase();
                if email.is_empty() {
                    return Err(ServiceError::InvalidInput("an erasure by e-mail needs an address".into()));
                }
                persons
                    .iter()
                    .filter(|(_, p)| p.details.email.as_deref().is_some_and(|e| e.trim().to_lowercase() == email))
                    .map(|(_, p)| match p.kind {
                        PersonKind::Visitor => Subject::Visit(VisitId::new(&p.external_id)),
                        PersonKind::Employee => Subject::employee(&p.external_id),
                    })
                    .collect()
            }
        };
        if subjects.is_empty() {
            return Err(ServiceError::not_found("person", "matching the erasure request"));
        }
        Ok(subjects)
    }
}
