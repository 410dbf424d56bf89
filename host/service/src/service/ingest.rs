//! Intake into the store: one transaction stores the event, plans it with the
//! install's current policy, records the visit state, replaces the subject's
//! pending timers and queues the job. The caller answers 202 only after the
//! commit, so an acknowledged event is never lost; a redelivery finds the
//! stored event and gets the stored answer back, with no second job.

use super::{Service, ServiceError};
use crate::domain::{
    EventId, Install, InstallId, JobId, JobStatus, Location, LocationId, Person, PersonDetails, PersonKind, TenantId,
    VisitorEvent,
};
use crate::policy::{self, Plan, PlanContext};
use crate::store::{EventInsert, NewEvent, NewJob, NewScheduleEntry, StoredPolicy, WriteTx};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// Our own JSON (`POST /v1/events`).
    Gatehouse,
    /// The Envoy-compatible webhook.
    Envoy,
}

impl EventSource {
    fn as_str(self) -> &'static str {
        match self {
            EventSource::Gatehouse => "gatehouse",
            EventSource::Envoy => "envoy",
        }
    }
}

/// Where an event of our JSON goes: one install, or every enabled install of a location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Install(InstallId),
    Location(LocationId),
}

/// An event as the intake parsed it.
#[derive(Clone, Debug)]
pub struct IncomingEvent {
    pub source: EventSource,
    /// The sender's name for it.
    pub name: String,
    /// Equal for a redelivery of the same event.
    pub dedup_key: String,
    /// The body exactly as received.
    pub raw: String,
    /// The normalised event, or why it is recorded without being acted on.
    pub event: Result<VisitorEvent, String>,
}

/// The intake's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IngestReceipt {
    pub events: Vec<EventReceipt>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventReceipt {
    pub event_id: EventId,
    pub install_id: InstallId,
    /// Set when the event itself is not handled (an unknown event name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<JobSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobSummary {
    pub job_id: JobId,
    /// As planned: queued, done (nothing to do now), or ignored.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub policy_version: Option<i64>,
    /// The steps due now, by action name.
    pub steps: Vec<String>,
    /// Later work: purpose and due time.
    #[schema(value_type = Vec<Vec<String>>)]
    pub scheduled: Vec<(String, DateTime<Utc>)>,
}

/// Whether the answer is a redelivery's.
pub struct Ingested {
    pub receipt: IngestReceipt,
    pub duplicate: bool,
}

impl Service {
    /// The install a webhook URL names, with its location (for the time zone).
    pub async fn webhook_install(&self, id: &InstallId) -> Result<(Install, Location), ServiceError> {
        let install = self.store.install_any_tenant(id).await?.ok_or_else(|| ServiceError::not_found("install", id))?;
        let location = self
            .store
            .location(&install.tenant_id, &install.location_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("location", &install.location_id))?;
        Ok((install, location))
    }

    /// The installs and location an event of our JSON goes to.
    pub async fn resolve_target(&self, target: &Target) -> Result<(Location, Vec<Install>), ServiceError> {
        match target {
            Target::Install(id) => {
                let (install, location) = self.webhook_install(id).await?;
                if !install.enabled {
                    return Err(ServiceError::InvalidInput(format!("install `{id}` is disabled")));
                }
                Ok((location, vec![install]))
            }
            Target::Location(id) => {
                let location =
                    self.store.location_any_tenant(id).await?.ok_or_else(|| ServiceError::not_found("location", id))?;
                let installs = self.store.installs_at_location(&location.tenant_id, id).await?;
                if installs.is_empty() {
                    return Err(ServiceError::InvalidInput(format!("location `{id}` has no enabled install")));
                }
                Ok((location, installs))
            }
        }
    }

    /// The webhook secret of an install, unsealed, to verify a signature.
    pub async fn webhook_secret(&self, install: &Install) -> Result<Option<Vec<u8>>, ServiceError> {
        match self.store.webhook_secret(&install.tenant_id, &install.id).await? {
            Some(sealed) => Ok(Some(self.sealer.open(&sealed)?)),
            None => Ok(None),
        }
    }

    /// Stores the event for every install, plans and queues its jobs, and
    /// commits, all or nothing.
    pub async fn ingest(
        &self,
        location: &Location,
        installs: &[Install],
        incoming: IncomingEvent,
    ) -> Result<Ingested, ServiceError> {
        let tenant = &location.tenant_id;
        let mut policies = Vec::with_capacity(installs.len());
        for install in installs {
            policies.push(self.store.policy(tenant, &install.id, None).await?);
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut receipt = IngestReceipt { events: Vec::new() };
        let mut stored = Vec::new();
        for (install, policy) in installs.iter().zip(&policies) {
            let new = NewEvent {
                id: EventId::generate(),
                tenant_id: tenant,
                install_id: &install.id,
                source: incoming.source.as_str(),
                name: &incoming.name,
                dedup_key: &incoming.dedup_key,
                raw: &incoming.raw,
                normalised: incoming.event.as_ref().ok(),
                ignored_reason: incoming.event.as_ref().err().map(String::as_str),
                time_zone: location.time_zone.name(),
                received_at: now,
            };
            let event_id = match tx.insert_event(new).await? {
                EventInsert::Inserted(id) => id,
                EventInsert::Duplicate(id) => {
                    let previous = tx.event_receipt(tenant, &id).await?;
                    let receipt = previous.and_then(|text| serde_json::from_str(&text).ok()).ok_or_else(|| {
                        ServiceError::InvalidInput(format!("event `{}` is being processed", incoming.dedup_key))
                    })?;
                    return Ok(Ingested { receipt, duplicate: true });
                }
            };
            let job = match &incoming.event {
                Ok(event) => Some(self.plan_and_queue(&mut tx, install, policy.as_ref(), event, &event_id, now).await?),
                Err(_) => None,
            };
            stored.push(event_id.clone());
            receipt.events.push(EventReceipt {
                event_id,
                install_id: install.id.clone(),
                ignored: incoming.event.as_ref().err().cloned(),
                job,
            });
        }
        let text = serde_json::to_string(&receipt).map_err(|e| ServiceError::InvalidInput(e.to_string()))?;
        for event_id in &stored {
            tx.set_event_receipt(tenant, event_id, &text).await?;
        }
        tx.commit().await?;
        self.metrics.event_received(incoming.source.as_str());
        self.work_arrived.notify_one();
        Ok(Ingested { receipt, duplicate: false })
    }

    async fn plan_and_queue(
        &self,
        tx: &mut WriteTx,
        install: &Install,
        stored_policy: Option<&StoredPolicy>,
        event: &VisitorEvent,
        event_id: &EventId,
        now: DateTime<Utc>,
    ) -> Result<JobSummary, ServiceError> {
        let tenant = &install.tenant_id;
        let subject = event.subject();
        let version = stored_policy.map(|p| p.version);
        let plan = match stored_policy {
            None => Err("the install has no policy yet".to_string()),
            Some(stored) => match policy::parse(&stored.source) {
                Err(e) => Err(format!("policy version {} no longer parses: {e}", stored.version)),
                Ok(parsed) => {
                    let visit = match &subject {
                        crate::domain::Subject::Visit(id) => tx.visit(tenant, &install.id, id).await?,
                        crate::domain::Subject::Employee(_) => None,
                    };
                    let ctx = PlanContext {
                        policy: &parsed,
                        supported: &stored.supported_actions,
                        visit: visit.as_ref(),
                        now,
                    };
                    Ok(policy::plan(event, &ctx))
                }
            },
        };
        let plan = plan.unwrap_or_else(|reason| Plan {
            ignored: Some(reason),
            immediate: vec![],
            scheduled: vec![],
            visit: None,
        });

        if let Some(visit) = &plan.visit {
            tx.upsert_visit(tenant, &install.id, visit, now).await?;
        }
        if let Some(person) = person_of(event) {
            tx.upsert_person(tenant, &install.id, &person, now).await?;
        }
        if plan.replaces_schedule() {
            tx.cancel_pending_entries(tenant, &install.id, &subject).await?;
        }
        let status = match (&plan.ignored, plan.immediate.is_empty()) {
            (Some(reason), _) => JobStatus::Ignored(reason.clone()),
            (None, true) => JobStatus::Done,
            (None, false) => JobStatus::Queued,
        };
        let job_id = tx
            .insert_job(NewJob {
                id: JobId::generate(),
                tenant_id: tenant,
                install_id: &install.id,
                event_id: Some(event_id),
                schedule_entry_id: None,
                subject: &subject,
                policy_version: version,
                compensates: None,
                status: status.clone(),
                steps: &plan.immediate,
                now,
            })
            .await?;
        for work in &plan.scheduled {
            let entry = NewScheduleEntry {
                tenant_id: tenant,
                install_id: &install.id,
                subject: &subject,
                purpose: work.purpose,
                due_at: work.due_at,
                steps: &work.steps,
                policy_version: version,
                origin_event_id: Some(event_id),
            };
            tx.insert_schedule_entry(entry, now).await?;
        }
        Ok(JobSummary {
            job_id,
            status: status.name().to_string(),
            reason: status.reason().map(str::to_string),
            policy_version: version,
            steps: plan.immediate.iter().map(|s| s.action.name().to_string()).collect(),
            scheduled: plan.scheduled.iter().map(|w| (w.purpose.to_string(), w.due_at)).collect(),
        })
    }
}

/// The person an event tells us about, as recorded for the install.
fn person_of(event: &VisitorEvent) -> Option<Person> {
    match event {
        VisitorEvent::VisitInvited(d) | VisitorEvent::VisitUpdated(d) => Some(Person {
            kind: PersonKind::Visitor,
            external_id: d.visit_id.to_string(),
            details: d.person.clone(),
            pacs_id: None,
        }),
        VisitorEvent::VisitorSignedIn(s) => Some(Person {
            kind: PersonKind::Visitor,
            external_id: s.visit_id.to_string(),
            details: s.person.clone(),
            pacs_id: None,
        }),
        VisitorEvent::EmployeeSignedIn(e) | VisitorEvent::EmployeeSignedOut(e) => Some(Person {
            kind: PersonKind::Employee,
            external_id: event.subject().external_id().to_string(),
            details: PersonDetails {
                first_name: e.first_name.clone(),
                last_name: e.last_name.clone(),
                email: Some(e.email.clone()),
                ..Default::default()
            },
            pacs_id: None,
        }),
        VisitorEvent::VisitCancelled { .. } | VisitorEvent::VisitorSignedOut(_) => None,
    }
}

impl Service {
    /// What the install's policy (or `candidate`, a policy not yet saved)
    /// would do with `event` at `at` (default: now), without doing anything.
    pub async fn dry_run(
        &self,
        tenant: &TenantId,
        install_id: &InstallId,
        event: &VisitorEvent,
        candidate: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<super::DryRun, ServiceError> {
        let install = self
            .store
            .install(tenant, install_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("install", install_id))?;
        let (parsed, supported, version) = match candidate {
            Some(source) => {
                let pools = self.store.card_pools(tenant, install_id).await?;
                let checked = self.check_policy(&install, &pools, source).await?;
                (checked.policy, checked.supported, None)
            }
            None => {
                let stored = self
                    .store
                    .policy(tenant, install_id, None)
                    .await?
                    .ok_or_else(|| ServiceError::not_found("policy of install", install_id))?;
                (policy::parse(&stored.source)?, stored.supported_actions, Some(stored.version))
            }
        };
        let visit = match event.subject() {
            crate::domain::Subject::Visit(id) => self.store.visit(tenant, install_id, &id).await?,
            crate::domain::Subject::Employee(_) => None,
        };
        let now = at.unwrap_or_else(|| self.clock.now());
        let plan =
            policy::plan(event, &PlanContext { policy: &parsed, supported: &supported, visit: visit.as_ref(), now });
        Ok(super::DryRun { policy_version: version, planned_at: now, plan })
    }
}
