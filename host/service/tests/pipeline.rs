//! The pipeline end to end on a controlled clock: HTTP intake → policy →
//! durable jobs and timers → connector gateway (a fault-injecting fake PACS).

mod common;

use chrono::Duration;
use common::{employee, invite, monday_morning, post_event, sign_in, visit_event, Harness};

#[tokio::test]
async fn invite_then_early_activation_then_sign_in_then_sign_out_revokes() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    // Arrival 14:00 Paris = 13:00Z; early access 30 min; duration 4 h.
    post_event(&base, &h.token, invite("e1", "v1", "Contractor", "2025-03-03 14:00")).await;
    engine.tick().await.unwrap();
    let person = h.pacs.person("v1").unwrap();
    assert!(person.groups.contains("contractors") && person.pins == 1 && !person.active, "{person:?}");
    assert_eq!(person.window.map(|(s, e)| (e - s) / 60), Some(270));

    h.clock.set(monday_morning() + Duration::minutes(4 * 60 + 29));
    engine.tick().await.unwrap();
    assert!(!h.pacs.person("v1").unwrap().active, "activation fired early");
    h.clock.advance(Duration::minutes(1));
    let report = engine.tick().await.unwrap();
    assert_eq!(report.entries_fired, 1);
    assert!(h.pacs.person("v1").unwrap().active);

    h.clock.advance(Duration::minutes(35));
    post_event(&base, &h.token, sign_in("e2", "v1", "Contractor", true)).await;
    h.clock.advance(Duration::hours(1));
    post_event(&base, &h.token, visit_event("e3", "visitor.signed_out", "v1")).await;
    engine.tick().await.unwrap();
    let person = h.pacs.person("v1").unwrap();
    assert!(!person.active && person.groups.is_empty() && person.pins == 0, "{person:?}");

    // The revoke at the window's end was replaced by the sign-out's.
    let calls = h.pacs.calls().len();
    h.clock.advance(Duration::hours(12));
    assert_eq!(engine.tick().await.unwrap().entries_fired, 0);
    assert_eq!(h.pacs.calls().len(), calls);
    let statuses = h.visit_job_statuses("v1").await;
    assert_eq!(statuses[0], "done");
    assert_eq!(statuses[1], "done", "activation job");
    assert!(statuses[2].starts_with("ignored: already provisioned by the invite"), "{statuses:?}");
    assert_eq!(statuses[3], "done");
}

#[tokio::test]
async fn a_walk_in_who_never_signs_out_loses_access_at_the_window_end() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    post_event(&base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    engine.tick().await.unwrap();
    assert!(h.pacs.person("walk-1").unwrap().active);
    h.clock.advance(Duration::hours(4) - Duration::seconds(1));
    engine.tick().await.unwrap();
    assert!(h.pacs.person("walk-1").unwrap().active);
    h.clock.advance(Duration::seconds(1));
    engine.tick().await.unwrap();
    let person = h.pacs.person("walk-1").unwrap();
    assert!(!person.active && person.groups.is_empty() && person.pins == 0, "{person:?}");
}

#[tokio::test]
async fn timers_fire_after_a_restart() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    post_event(&base, &h.token, invite("e1", "v1", "Contractor", "2025-03-03 14:00")).await;
    h.engine().tick().await.unwrap();
    // A new service and engine over the same database, the clock past the activation.
    h.clock.set(monday_morning() + Duration::hours(5));
    let restarted = Harness::open(&h.dir, &h.clock, &h.pacs, &h.sealer).await;
    let engine = gatehouse::jobs::Engine::new(restarted, common::test_engine_config());
    engine.recover().await.unwrap();
    assert_eq!(engine.tick().await.unwrap().entries_fired, 1);
    assert!(h.pacs.person("v1").unwrap().active);
}

#[tokio::test]
async fn an_updated_invite_moves_both_ends_of_the_window() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    post_event(&base, &h.token, invite("e1", "v1", "Contractor", "2025-03-03 14:00")).await;
    engine.tick().await.unwrap();
    let mut update = invite("e2", "v1", "Contractor", "2025-03-03 16:00");
    update["type"] = "visit.updated".into();
    post_event(&base, &h.token, update).await;
    engine.tick().await.unwrap();
    let (start, end) = h.pacs.person("v1").unwrap().window.unwrap();
    assert_eq!(
        (start, end),
        ((monday_morning() + Duration::minutes(390)).timestamp(), (monday_morning() + Duration::hours(11)).timestamp())
    );
    // The old activation (12:30Z) and revoke (17:00Z) no longer fire.
    h.clock.set(monday_morning() + Duration::minutes(389));
    assert_eq!(engine.tick().await.unwrap().entries_fired, 0);
    h.clock.advance(Duration::minutes(1));
    assert_eq!(engine.tick().await.unwrap().entries_fired, 1);
    assert!(h.pacs.person("v1").unwrap().active);
    h.clock.set(monday_morning() + Duration::hours(11));
    assert_eq!(engine.tick().await.unwrap().entries_fired, 1);
    assert!(!h.pacs.person("v1").unwrap().active);
}

#[tokio::test]
async fn a_cancelled_invite_revokes_at_once_and_cancels_its_timers() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    post_event(&base, &h.token, invite("e1", "v1", "Contractor", "2025-03-03 14:00")).await;
    engine.tick().await.unwrap();
    post_event(&base, &h.token, visit_event("e2", "visit.cancelled", "v1")).await;
    engine.tick().await.unwrap();
    let person = h.pacs.person("v1").unwrap();
    assert!(person.groups.is_empty() && person.pins == 0 && !person.active, "{person:?}");
    h.clock.advance(Duration::days(1));
    assert_eq!(engine.tick().await.unwrap().entries_fired, 0);
}

#[tokio::test]
async fn an_unmapped_visitor_type_does_nothing_and_says_why() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let receipt = post_event(&base, &h.token, sign_in("e1", "v1", "Interviewee", false)).await;
    let job = receipt.events[0].job.as_ref().unwrap();
    assert_eq!(job.status, "ignored");
    assert_eq!(job.reason.as_deref(), Some("visitor type `Interviewee` is not mapped in the policy"));
    h.engine().tick().await.unwrap();
    assert!(h.pacs.calls().is_empty());
    assert_eq!(
        h.visit_job_statuses("v1").await,
        vec!["ignored: visitor type `Interviewee` is not mapped in the policy"]
    );
}

#[tokio::test]
async fn employees_who_check_in_get_their_groups_for_the_access_duration_and_excluded_ones_nothing() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    post_event(&base, &h.token, employee("e1", "employee.signed_in", "Bob@Example.com")).await;
    let receipt = post_event(&base, &h.token, employee("e2", "employee.signed_in", "ceo@example.com")).await;
    assert_eq!(
        receipt.events[0].job.as_ref().unwrap().reason.as_deref(),
        Some("employee ceo@example.com is excluded by the policy")
    );
    engine.tick().await.unwrap();
    assert!(h.pacs.person("bob@example.com").unwrap().groups.contains("staff"));
    assert!(h.pacs.person("ceo@example.com").is_none());
    h.clock.advance(Duration::hours(10));
    engine.tick().await.unwrap();
    assert!(h.pacs.person("bob@example.com").unwrap().groups.is_empty());
}

#[tokio::test]
async fn a_pin_is_sealed_on_the_job_and_revealed_once() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let receipt = post_event(&base, &h.token, sign_in("e1", "v1", "Contractor", false)).await;
    h.engine().tick().await.unwrap();
    let job = h.service.job_view(&h.tenant, &receipt.events[0].job.as_ref().unwrap().job_id).await.unwrap();
    let pin = job
        .attachments
        .iter()
        .find_map(|a| match a {
            gatehouse::service::AttachmentView::Pin { id, revealed: false } => Some(id.clone()),
            _ => None,
        })
        .expect("a sealed PIN attachment");
    assert_eq!(h.service.reveal_pin_once("test", &h.tenant, &pin).await.unwrap().as_deref(), Some("482915"));
    assert_eq!(h.service.reveal_pin_once("test", &h.tenant, &pin).await.unwrap(), None);
}
