//! Failure handling: transient errors retry with backoff, the retry budget
//! ends in the dead-letter queue (re-drivable), final errors stop the job
//! with the connector's reason, a down vendor opens the circuit breaker, and
//! a visit's jobs never overtake each other.

mod common;

use chrono::Duration;
use common::{invite, post_event, sign_in, Harness};
use gatehouse::domain::{ActionKind, ErrorKind, JobStatus, StepStatus};
use gatehouse::jobs::BreakerState;

#[tokio::test]
async fn transient_errors_are_retried_after_a_backoff_until_they_pass() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::UpsertPerson, 2, ErrorKind::Transient, "vendor busy");
    let receipt = post_event(&base, &h.token, sign_in("e1", "v1", "Contractor", false)).await;
    let job_id = receipt.events[0].job.as_ref().unwrap().job_id.clone();
    engine.tick().await.unwrap();
    let view = h.service.job_view(&h.tenant, &job_id).await.unwrap();
    assert_eq!(view.job.status, JobStatus::Running);
    let first = &view.steps[0];
    assert_eq!((first.status, first.attempts, first.error.as_deref()), (StepStatus::Pending, 1, Some("vendor busy")));
    // Not before its backoff (10 s base, half of it at least).
    let waited = first.next_attempt_at - h.clock_now();
    assert!(waited >= Duration::seconds(5) && waited <= Duration::seconds(10), "{waited}");
    assert_eq!(engine.tick().await.unwrap().steps_run, 0);
    h.clock.advance(Duration::minutes(10));
    engine.tick().await.unwrap();
    h.clock.advance(Duration::minutes(10));
    engine.tick().await.unwrap();
    let view = h.service.job_view(&h.tenant, &job_id).await.unwrap();
    assert_eq!(view.job.status, JobStatus::Done);
    assert_eq!(view.steps[0].attempts, 3);
    assert_eq!(h.pacs.call_log().iter().filter(|c| c.starts_with("upsert-person")).count(), 3);
}

#[tokio::test]
async fn a_job_out_of_retries_is_dead_visible_and_can_be_redriven() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::AddGroups, 3, ErrorKind::Transient, "timeout after 30 s");
    let receipt = post_event(&base, &h.token, sign_in("e1", "v1", "Contractor", false)).await;
    let job_id = receipt.events[0].job.as_ref().unwrap().job_id.clone();
    for _ in 0..3 {
        engine.tick().await.unwrap();
        h.clock.advance(Duration::minutes(10));
    }
    let dead = h.service.dead_jobs(&h.tenant).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].status, JobStatus::Dead("add-groups gave up after 3 attempts: timeout after 30 s".into()));
    // Its compensation undoes what it may have granted (once the breaker lets a call through),
    // then nothing more happens by itself: the dead job no longer holds up its visit.
    assert_eq!(engine.tick().await.unwrap().steps_run, 3);
    assert_eq!(h.visit_job_statuses("v1").await[1], "done");
    assert!(!h.pacs.person("v1").unwrap().active, "the visitor has no access while the job is dead");
    assert_eq!(engine.tick().await.unwrap().steps_run, 0);

    h.service.redrive("operator", &h.tenant, &job_id).await.unwrap();
    engine.tick().await.unwrap();
    let view = h.service.job_view(&h.tenant, &job_id).await.unwrap();
    assert_eq!(view.job.status, JobStatus::Done);
    assert!(h.pacs.person("v1").unwrap().groups.contains("contractors"));
    assert!(h.service.redrive("operator", &h.tenant, &job_id).await.is_err(), "only dead or failed jobs re-drive");
}

#[tokio::test]
async fn a_final_error_stops_the_job_with_the_connectors_reason_and_skips_the_rest() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    h.pacs.fail_next(ActionKind::AddGroups, 1, ErrorKind::Config, "cardholder group `contractors` does not exist");
    let receipt = post_event(&base, &h.token, sign_in("e1", "v1", "Contractor", false)).await;
    let job_id = receipt.events[0].job.as_ref().unwrap().job_id.clone();
    h.engine().tick().await.unwrap();
    let view = h.service.job_view(&h.tenant, &job_id).await.unwrap();
    assert_eq!(view.job.status, JobStatus::Failed("add-groups: cardholder group `contractors` does not exist".into()));
    let statuses: Vec<_> = view.steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses[..3], [StepStatus::Done, StepStatus::Failed, StepStatus::Skipped]);
    let log = h.pacs.call_log();
    assert_eq!(log[..2], ["upsert-person:v1", "add-groups:v1"], "nothing after the failed step was called");
    assert_eq!(log[2..], ["revoke-credentials:v1", "remove-groups:v1", "deactivate:v1"], "then its compensation");
}

#[tokio::test]
async fn a_down_vendor_opens_the_breaker_and_waiting_steps_keep_their_budget() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.go_down();
    for i in 0..5 {
        post_event(&base, &h.token, sign_in(&format!("e{i}"), &format!("v{i}"), "Contractor", false)).await;
    }
    engine.tick().await.unwrap();
    assert_eq!(h.pacs.calls().len(), 3, "the breaker opens after 3 failures");
    assert!(matches!(engine.breakers().state(&h.install), BreakerState::Open { .. }));
    h.clock.advance(Duration::seconds(59));
    engine.tick().await.unwrap();
    assert_eq!(h.pacs.calls().len(), 3, "no call while open");
    // After the cool-down one trial goes through; it fails, and the breaker opens again.
    h.clock.advance(Duration::seconds(1));
    engine.tick().await.unwrap();
    assert_eq!(h.pacs.calls().len(), 4);
    h.pacs.recover();
    h.clock.advance(Duration::minutes(5));
    engine.tick().await.unwrap();
    assert!(matches!(engine.breakers().state(&h.install), BreakerState::Closed { .. }));
    for i in 0..5 {
        assert!(h.pacs.person(&format!("v{i}")).unwrap().active, "visitor v{i} provisioned after recovery");
    }
    assert!(h.service.dead_jobs(&h.tenant).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_sign_in_never_overtakes_its_invite() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.fail_next(ActionKind::UpsertPerson, 1, ErrorKind::Transient, "vendor busy");
    // The visitor arrives before early access begins: the sign-in opens the window now.
    post_event(&base, &h.token, invite("e1", "v1", "Contractor", "2025-03-03 14:00")).await;
    post_event(&base, &h.token, sign_in("e2", "v1", "Contractor", true)).await;
    engine.tick().await.unwrap();
    assert_eq!(h.visit_job_statuses("v1").await, vec!["running", "queued"]);
    assert_eq!(h.pacs.call_log(), vec!["upsert-person:v1"]);
    h.clock.advance(Duration::minutes(1));
    engine.tick().await.unwrap();
    assert_eq!(h.visit_job_statuses("v1").await, vec!["done", "done"]);
    assert_eq!(
        h.pacs.call_log(),
        [
            "upsert-person:v1",
            "upsert-person:v1",
            "add-groups:v1",
            "set-access-window:v1",
            "issue-pin:v1",
            "upsert-person:v1",
            "set-access-window:v1",
            "activate:v1",
        ]
    );
}
