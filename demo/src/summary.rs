//! What the day did, per PACS: one serde struct, printed for people by its
//! `Display` and for programs as JSON (`gatehouse-demo --json`).
//!
//! What was granted and when comes from the service's job trail; what each
//! PACS holds at the end of the day is read from the simulator itself.

use crate::pacs::{PacsRecord, Snapshot};
use crate::script::{Replayed, TimelineEntry};
use crate::{Stack, GENETEC_INSTALL, SYMMETRY_INSTALL, TIME_ZONE};
use chrono::{DateTime, Utc};
use gatehouse::domain::{ActionKind, InstallId, StepAction, StepStatus, Subject, VisitId, VisitState};
use gatehouse::gateway::ConnectorGateway;
use gatehouse::service::{AttachmentView, JobView, ServiceError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub date: String,
    pub location: String,
    pub time_zone: String,
    pub timeline: Vec<TimelineEntry>,
    pub installs: Vec<InstallSummary>,
    /// Employees signed in by their badge (occupancy), from the badge poller.
    pub badge_sign_ins: Vec<BadgeSignIn>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InstallSummary {
    pub install_id: String,
    pub pacs: String,
    /// `plugin-id version` of the component that did the work.
    pub plugin: String,
    pub visitors: Vec<VisitorSummary>,
    pub employees: Vec<EmployeeSummary>,
    /// Every job of the install, by status.
    pub jobs: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VisitorSummary {
    pub visit_id: String,
    pub name: String,
    pub visitor_type: String,
    pub invited: bool,
    /// invited, signed-in, signed-out or cancelled.
    pub state: String,
    /// Local times (`HH:MM TZ`) from here on.
    pub provisioned_at: Option<String>,
    pub activated_at: Option<String>,
    pub window_from: Option<String>,
    pub window_until: Option<String>,
    pub groups: Vec<String>,
    pub cards: Vec<String>,
    pub pin_issued: bool,
    pub revoked_at: Option<String>,
    pub revoked_because: Option<String>,
    /// The record as the PACS holds it at the end of the day.
    pub in_pacs: Option<PacsRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EmployeeSummary {
    pub email: String,
    /// `HH:MM TZ status: steps` per job, or why it was ignored.
    pub jobs: Vec<String>,
    pub in_pacs: Option<PacsRecord>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BadgeSignIn {
    pub at: String,
    pub email: Option<String>,
    pub door: Option<String>,
    pub install_id: String,
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&TIME_ZONE).format("%H:%M %Z").to_string()
}

fn done(view: &JobView, kind: ActionKind) -> bool {
    view.steps.iter().any(|s| s.planned.action == StepAction::Connector(kind) && s.status == StepStatus::Done)
}

/// Reads the service and both simulators back after the replay.
pub async fn read(stack: &Stack, replayed: Replayed) -> Result<Summary, ServiceError> {
    let genetec = Snapshot::Genetec(Box::new(stack.genetec.state()));
    let symmetry = Snapshot::Symmetry(stack.symmetry.dump());
    let installs = vec![
        install(stack, GENETEC_INSTALL, "Genetec Security Center (simulator)", &genetec, &replayed).await?,
        install(stack, SYMMETRY_INSTALL, "AMAG Symmetry (simulator)", &symmetry, &replayed).await?,
    ];
    let badge_sign_ins = stack
        .store
        .occupancy(&stack.tenant, &stack.location)
        .await?
        .into_iter()
        .map(|record| BadgeSignIn {
            at: local(record.occurred_at),
            email: record.email,
            // Only Genetec installs emit badge events in the demo.
            door: record.door.map(|door| genetec.door_name(&door).unwrap_or(door)),
            install_id: record.install_id.to_string(),
        })
        .collect();
    let location = stack.store.location(&stack.tenant, &stack.location).await?;
    Ok(Summary {
        date: crate::script::day_start().with_timezone(&TIME_ZONE).format("%A %-d %B %Y").to_string(),
        location: location.map(|l| l.name).unwrap_or_else(|| stack.location.to_string()),
        time_zone: TIME_ZONE.name().to_string(),
        timeline: replayed.timeline,
        installs,
        badge_sign_ins,
    })
}

async fn install(
    stack: &Stack,
    id: &str,
    pacs: &str,
    snapshot: &Snapshot,
    replayed: &Replayed,
) -> Result<InstallSummary, ServiceError> {
    let (service, tenant) = (&stack.service, &stack.tenant);
    let install_id = InstallId::new(id);
    let install = stack
        .store
        .install(tenant, &install_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound { what: "install", id: id.to_string() })?;
    let manifest = stack.gateway().manifest(&install).await?;
    let mut visitors = Vec::new();
    for visit in &replayed.visits {
        visitors.push(visitor(stack, &install_id, visit, snapshot).await?);
    }
    let mut employees = Vec::new();
    for email in &replayed.employees {
        let mut jobs = Vec::new();
        for job in stack.store.jobs_for_subject(tenant, &install_id, &Subject::employee(email)).await? {
            let view = service.job_view(tenant, &job.id).await?;
            let steps: Vec<&str> = view.steps.iter().map(|s| s.planned.action.name()).collect();
            let what = job.status.reason().map(str::to_string).unwrap_or_else(|| steps.join(", "));
            jobs.push(format!("{} {}: {what}", local(job.updated_at), job.status.name()));
        }
        employees.push(EmployeeSummary { email: email.clone(), jobs, in_pacs: snapshot.employee(email) });
    }
    let mut jobs = BTreeMap::new();
    for status in ["queued", "running", "held", "done", "ignored", "failed", "dead"] {
        let count =
            stack.store.jobs_with_status(tenant, status).await?.iter().filter(|j| j.install_id == install_id).count();
        if count > 0 {
            jobs.insert(status.to_string(), count);
        }
    }
    Ok(InstallSummary {
        install_id: id.into(),
        pacs: pacs.into(),
        plugin: format!("{} {}", manifest.plugin_id, manifest.version),
        visitors,
        employees,
        jobs,
    })
}

async fn visitor(
    stack: &Stack,
    install: &InstallId,
    visit_id: &VisitId,
    snapshot: &Snapshot,
) -> Result<VisitorSummary, ServiceError> {
    let (service, tenant) = (&stack.service, &stack.tenant);
    let visit = stack
        .store
        .visit(tenant, install, visit_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound { what: "visit", id: visit_id.to_string() })?;
    let person = stack.store.person(tenant, install, visit_id.as_str()).await?;
    let mut views = Vec::new();
    for job in service.visit_jobs(tenant, install, visit_id).await? {
        views.push(service.job_view(tenant, &job.id).await?);
    }
    let first_done = |kind| views.iter().find(|v| done(v, kind)).map(|v| local(v.job.updated_at));
    let revocation = views.iter().rev().find(|v| done(v, ActionKind::RevokeCredentials));
    let revoked_because = revocation.map(|v| match (&v.job.schedule_entry_id, visit.state) {
        (Some(_), _) => "the access window ended".to_string(),
        (None, VisitState::Cancelled) => "the invite was cancelled".to_string(),
        (None, VisitState::SignedOut) => "the visitor signed out".to_string(),
        (None, state) => format!("the visit is {}", state.as_str()),
    });
    let mut groups = Vec::new();
    for step in views.iter().flat_map(|v| &v.steps) {
        if step.planned.action == StepAction::Connector(ActionKind::AddGroups) && step.status == StepStatus::Done {
            let ids = ["groups", "access_codes"].iter().filter_map(|key| step.planned.params[key].as_array()).flatten();
            groups.extend(
                ids.map(|id| snapshot.group_name(id)).filter(|name| !groups.contains(name)).collect::<Vec<_>>(),
            );
        }
    }
    let attachments = views.iter().flat_map(|v| &v.attachments);
    let cards = attachments
        .clone()
        .filter_map(|a| match a {
            AttachmentView::Card { card, .. } => Some(format!("card {}/{}", card.facility_code, card.card_number)),
            _ => None,
        })
        .collect();
    Ok(VisitorSummary {
        visit_id: visit_id.to_string(),
        name: person.as_ref().map(|p| format!("{} {}", p.details.first_name, p.details.last_name)).unwrap_or_default(),
        visitor_type: visit.visitor_type.clone(),
        invited: visit.invited,
        state: visit.state.as_str().to_string(),
        provisioned_at: first_done(ActionKind::UpsertPerson),
        activated_at: first_done(ActionKind::Activate),
        window_from: visit.window.map(|w| local(w.starts_at())),
        window_until: visit.window.map(|w| local(w.ends_at())),
        groups,
        cards,
        pin_issued: attachments.clone().any(|a| matches!(a, AttachmentView::Pin { .. })),
        revoked_at: revocation.map(|v| local(v.job.updated_at)),
        revoked_because,
        in_pacs: person.and_then(|p| p.pacs_id).and_then(|id| snapshot.record(&id)),
    })
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Gatehouse demo: {} at {} ({})", self.date, self.location, self.time_zone)?;
        writeln!(f, "\nThe day, as it reached the intake")?;
        for entry in &self.timeline {
            writeln!(f, "  {}  {}  [{}]", entry.at, entry.what, entry.via)?;
            for planned in &entry.planned {
                writeln!(f, "           {planned}")?;
            }
        }
        for install in &self.installs {
            writeln!(f, "\n{}: install {} ({})", install.pacs, install.install_id, install.plugin)?;
            for v in &install.visitors {
                let how = if v.invited { "invited" } else { "walk-in" };
                writeln!(f, "  {} ({}, {how}; now {})", v.name, v.visitor_type, v.state)?;
                match &v.provisioned_at {
                    Some(at) => {
                        let mut granted = vec![format!("groups {}", list(&v.groups))];
                        granted.extend(v.cards.iter().cloned());
                        if v.pin_issued {
                            granted.push("a PIN".into());
                        }
                        writeln!(f, "    provisioned {at} with {}", granted.join(", "))?;
                        if let (Some(from), Some(until)) = (&v.window_from, &v.window_until) {
                            let activated =
                                v.activated_at.as_ref().map(|a| format!(", activated {a}")).unwrap_or_default();
                            writeln!(f, "    access window {from} to {until}{activated}")?;
                        }
                    }
                    None => writeln!(f, "    never provisioned")?,
                }
                if let (Some(at), Some(why)) = (&v.revoked_at, &v.revoked_because) {
                    writeln!(f, "    revoked {at}: {why}")?;
                }
                if let Some(record) = &v.in_pacs {
                    write_record(f, record)?;
                }
            }
            for e in &install.employees {
                writeln!(f, "  Employee {}", e.email)?;
                for job in &e.jobs {
                    writeln!(f, "    {job}")?;
                }
                if let Some(record) = &e.in_pacs {
                    write_record(f, record)?;
                }
            }
            let jobs: Vec<String> = install.jobs.iter().map(|(status, n)| format!("{n} {status}")).collect();
            writeln!(f, "  Jobs: {}", list(&jobs))?;
        }
        writeln!(f, "\nBadge sign-ins (occupancy)")?;
        for badge in &self.badge_sign_ins {
            let (email, door) =
                (badge.email.as_deref().unwrap_or("unknown"), badge.door.as_deref().unwrap_or("a door"));
            writeln!(f, "  {}  {email} at {door} ({})", badge.at, badge.install_id)?;
        }
        Ok(())
    }
}

fn write_record(f: &mut fmt::Formatter<'_>, r: &PacsRecord) -> fmt::Result {
    let valid = match (&r.valid_from, &r.valid_until) {
        (Some(from), Some(until)) => format!(", valid {from} to {until}"),
        _ => String::new(),
    };
    writeln!(
        f,
        "    in the PACS now: record {} {}, groups {}, credentials {}{valid}",
        r.pacs_id,
        r.status,
        list(&r.groups),
        list(&r.credentials)
    )
}
