//! Fail closed, in the engine: a visit's provisioning job that stops is undone
//! by a compensation job of its own; while it stands, nothing grants the visit
//! access, but sign-out still revokes; a redrive waits for the compensation and
//! then runs every step again under fresh idempotency keys, and grants nothing
//! once the visit is over. The vendor is the fault-injecting gateway; the real
//! connectors and simulators are in `gatehouse-tests`' `fail_closed.rs`.

mod common;

use chrono::Duration;
use common::{invite, post_event, sign_in, visit_event, Harness};
use gatehouse::domain::{ActionKind, ErrorKind, JobId, JobStatus, StepStatus, Subject, VisitId};
use gatehouse::service::ServiceError;

/// A contractor's provisioning: upsert-person, add-groups, set-access-window, issue-pin (and
/// activate, once the window has started).
const CONTRACTOR: &str = "Contractor";

async fn jobs_of(h: &Harness, visit: &str) -> Vec<gatehouse::store::JobRecord> {
    h.service.visit_jobs(&h.tenant, &h.install, &VisitId::new(visit)).await.unwrap()
}

fn job_of(receipt: &gatehouse::service::IngestReceipt) -> JobId {
    receipt.events[0].job.as_ref().unwrap().job_id.clone()
}

/// An invite arriving two hours from now: its window opens in 90 minutes.
fn later_invite(h: &Harness, event: &str, visit: &str) -> serde_json::Value {
    let arrival = (h.clock_now() + Duration::hours(2)).to_rfc3339();
    invite(event, visit, CONTRACTOR, &arrival)
}

#[tokio::test]
async fn a_provisioning_job_that_stops_is_undone_by_a_compensation_job_of_its_own() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    h.pacs.fail_next(ActionKind::IssuePin, 1, ErrorKind::Config, "the PIN length is not allowed");
    let job = job_of(&post_event(&base, &h.token, sign_in("e1", "v1", CONTRACTOR, false)).await);
    h.engine().tick().await.unwrap();

    let jobs = jobs_of(&h, "v1").await;
    assert_eq!(jobs[0].status, JobStatus::Failed("issue-pin: the PIN length is not allowed".into()));
    assert_eq!(jobs.len(), 2);
    let compensation = h.service.job_view(&h.tenant, &jobs[1].id).await.unwrap();
    assert_eq!(compensation.job.compensates, Some(job.clone()));
    assert_eq!(compensation.job.status, JobStatus::Done);
    let actions: Vec<_> = compensation.steps.iter().map(|s| s.planned.action.name()).collect();
    assert_eq!(actions, ["revoke-credentials", "remove-groups", "deactivate"]);
    let person = h.pacs.person("v1").unwrap();
    assert!(!person.active && person.groups.is_empty() && person.pins == 0, "{person:?}");
    // The stopped job stays as it was, for an operator.
    let stopped = h.service.job_view(&h.tenant, &job).await.unwrap();
    let statuses: Vec<_> = stopped.steps.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        [StepStatus::Done, StepStatus::Done, StepStatus::Done, StepStatus::Failed, StepStatus::Skipped]
    );
}

#[tokio::test]
async fn while_provisioning_is_stopped_later_grants_are_held_and_sign_out_still_revokes() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::AddGroups, 1, ErrorKind::Config, "group `contractors` does not exist");
    let job = job_of(&post_event(&base, &h.token, later_invite(&h, "e1", "v2")).await);
    engine.tick().await.unwrap();
    // The window opens: its activation is held back, and does not hold up the visit's later jobs.
    h.clock.advance(Duration::minutes(90));
    engine.tick().await.unwrap();
    let jobs = jobs_of(&h, "v2").await;
    let held = jobs.last().unwrap();
    assert!(matches!(&held.status, JobStatus::Held(reason) if reason.contains(job.as_str())), "{:?}", held.status);
    assert!(!h.pacs.person("v2").unwrap().active, "no access while the provisioning job is failed");

    post_event(&base, &h.token, visit_event("e2", "visitor.signed_out", "v2")).await;
    engine.tick().await.unwrap();
    let jobs = jobs_of(&h, "v2").await;
    assert_eq!(jobs.last().unwrap().status, JobStatus::Done, "the sign-out ran: {jobs:?}");
    // Redriven after the visit is over, the provisioning grants nothing, and neither does the held activation.
    h.service.redrive("operator", &h.tenant, &job).await.unwrap();
    engine.tick().await.unwrap();
    let jobs = jobs_of(&h, "v2").await;
    for job in [&jobs[0], &jobs[2]] {
        assert!(matches!(&job.status, JobStatus::Ignored(reason) if reason.contains("signed-out")), "{:?}", job.status);
    }
    let person = h.pacs.person("v2").unwrap();
    assert!(!person.active && person.groups.is_empty() && person.pins == 0, "{person:?}");
}

#[tokio::test]
async fn a_redrive_after_compensation_runs_every_step_again_under_fresh_keys_and_restores_access() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::IssuePin, 1, ErrorKind::Permanent, "keypad PINs are switched off");
    let job = job_of(&post_event(&base, &h.token, later_invite(&h, "e1", "v3")).await);
    engine.tick().await.unwrap();
    h.clock.advance(Duration::minutes(90));
    engine.tick().await.unwrap();
    assert_eq!(jobs_of(&h, "v3").await.last().unwrap().status.name(), "held");
    let calls_before = h.pacs.calls().len();

    h.service.redrive("operator", &h.tenant, &job).await.unwrap();
    engine.tick().await.unwrap();
    let view = h.service.job_view(&h.tenant, &job).await.unwrap();
    assert_eq!((view.job.status.clone(), view.job.generation), (JobStatus::Done, 1));
    assert!(view.steps.iter().all(|s| s.status == StepStatus::Done && s.idempotency_key.as_str().ends_with("/g1")));
    let again: Vec<_> = h.pacs.call_log()[calls_before..].to_vec();
    assert_eq!(again, ["upsert-person:v3", "add-groups:v3", "set-access-window:v3", "issue-pin:v3", "activate:v3"]);
    let person = h.pacs.person("v3").unwrap();
    assert!(person.active && person.groups.contains("contractors") && person.pins == 1, "{person:?}");
    let statuses: Vec<_> = jobs_of(&h, "v3").await.iter().map(|j| j.status.name()).collect();
    assert_eq!(statuses, ["done", "done", "done"], "the provisioning, its compensation, the released activation");
}

#[tokio::test]
async fn a_redrive_waits_until_the_compensation_is_done() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::IssuePin, 1, ErrorKind::Permanent, "keypad PINs are switched off");
    h.pacs.fail_next(ActionKind::RevokeCredentials, 3, ErrorKind::Transient, "the PACS is busy");
    let job = job_of(&post_event(&base, &h.token, sign_in("e1", "v4", CONTRACTOR, false)).await);
    for _ in 0..3 {
        engine.tick().await.unwrap();
        h.clock.advance(Duration::minutes(10));
    }
    let compensation = jobs_of(&h, "v4").await.pop().unwrap();
    assert_eq!(compensation.status.name(), "dead");

    let refused = h.service.redrive("operator", &h.tenant, &job).await.unwrap_err();
    assert!(matches!(&refused, ServiceError::Conflict(m) if m.contains(compensation.id.as_str())), "{refused}");
    let answer = reqwest::Client::new()
        .post(format!("{base}/v1/tenants/{}/jobs/{job}/redrive", h.tenant))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 409);

    h.service.redrive("operator", &h.tenant, &compensation.id).await.unwrap();
    engine.tick().await.unwrap();
    assert!(!h.pacs.person("v4").unwrap().active);
    h.service.redrive("operator", &h.tenant, &job).await.unwrap();
    engine.tick().await.unwrap();
    assert_eq!(h.service.job_view(&h.tenant, &job).await.unwrap().job.status, JobStatus::Done);
    assert!(h.pacs.person("v4").unwrap().active);
}

#[tokio::test]
async fn a_redrive_after_the_window_ended_grants_nothing() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::SetAccessWindow, 1, ErrorKind::Permanent, "the end date is invalid");
    let job = job_of(&post_event(&base, &h.token, sign_in("e1", "v5", CONTRACTOR, false)).await);
    engine.tick().await.unwrap();
    h.clock.advance(Duration::hours(5));
    engine.tick().await.unwrap();

    h.service.redrive("operator", &h.tenant, &job).await.unwrap();
    engine.tick().await.unwrap();
    let status = h.service.job_view(&h.tenant, &job).await.unwrap().job.status;
    assert!(matches!(&status, JobStatus::Ignored(reason) if reason.contains("window ended")), "{status:?}");
    let person = h.pacs.person("v5").unwrap();
    assert!(!person.active && person.groups.is_empty() && person.pins == 0, "{person:?}");
}

#[tokio::test]
async fn employees_are_not_compensated() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    h.pacs.fail_next(ActionKind::AddGroups, 1, ErrorKind::Config, "group `staff` does not exist");
    post_event(&base, &h.token, common::employee("e1", "employee.signed_in", "grace@example.com")).await;
    h.engine().tick().await.unwrap();
    let subject = Subject::employee("grace@example.com");
    let jobs = h.store.jobs_for_subject(&h.tenant, &h.install, &subject).await.unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].status.name(), "failed");
}
