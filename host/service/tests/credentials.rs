//! Cards from the install's pool, their QR code e-mailed over SMTP, and the
//! numbers returned to the pool when access is revoked.

mod common;

use chrono::Duration;
use common::smtp_sink::SmtpSink;
use common::{invite, post_event, sign_in, visit_event, Harness};
use gatehouse::domain::{JobStatus, SmtpSecurity};
use gatehouse::service::{AttachmentView, SmtpRelaySpec};

async fn with_smtp(h: &Harness) -> SmtpSink {
    let (sink, port) = SmtpSink::start().await;
    let relay = SmtpRelaySpec {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::Plain,
        username: None,
        password: None,
        from: "Reception <reception@acme.example>".into(),
    };
    h.service.set_smtp_relay("test", &h.tenant, relay).await.unwrap();
    sink
}

#[tokio::test]
async fn an_invited_guest_gets_a_card_from_the_pool_and_its_qr_code_by_email() {
    let h = Harness::new().await;
    let sink = with_smtp(&h).await;
    h.service.set_email_template("test", &h.tenant, "Hi {first_name}, card {card_number} works from {valid_from} ({time_zone}).").await.unwrap();
    let base = h.serve(64 * 1024).await;
    let receipt = post_event(&base, &h.token, invite("e1", "v1", "Guest", "2025-03-03 14:00")).await;
    h.engine().tick().await.unwrap();
    let job = h.service.job_view(&h.tenant, &receipt.events[0].job.as_ref().unwrap().job_id).await.unwrap();
    assert_eq!(job.job.status, JobStatus::Done);
    let card = job.attachments.iter().find_map(|a| match a {
        AttachmentView::Card { card, .. } => Some(card.clone()),
        _ => None,
    });
    assert_eq!(card.map(|c| (c.card_number, c.facility_code)), Some((5000, 100)));
    assert!(job.attachments.iter().any(|a| matches!(a, AttachmentView::QrPng { bytes, .. } if *bytes > 100)));
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    // Early access from 13:30 Paris time, in the tenant's own words.
    assert!(messages[0].contains("Hi Ada, card 5000 works from 2025-03-03 13:30 (Europe/Paris)."), "{}", messages[0]);
    assert!(messages[0].contains("image/png") && messages[0].contains("access-qr.png"));
}

#[tokio::test]
async fn live_card_numbers_are_not_reissued_and_return_to_the_pool_on_revoke() {
    let h = Harness::new().await;
    let _sink = with_smtp(&h).await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    post_event(&base, &h.token, sign_in("e1", "a", "Guest", false)).await;
    post_event(&base, &h.token, sign_in("e2", "b", "Guest", false)).await;
    engine.tick().await.unwrap();
    assert_eq!(h.pacs.person("a").unwrap().cards, vec![5000]);
    assert_eq!(h.pacs.person("b").unwrap().cards, vec![5001]);
    post_event(&base, &h.token, visit_event("e3", "visitor.signed_out", "a")).await;
    engine.tick().await.unwrap();
    post_event(&base, &h.token, sign_in("e4", "c", "Guest", false)).await;
    engine.tick().await.unwrap();
    assert_eq!(h.pacs.person("c").unwrap().cards, vec![5000], "the released number is reused");
}

#[tokio::test]
async fn an_exhausted_pool_fails_the_job_with_a_clear_reason() {
    let h = Harness::new().await;
    let _sink = with_smtp(&h).await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    for i in 0..11 {
        post_event(&base, &h.token, sign_in(&format!("e{i}"), &format!("v{i}"), "Guest", false)).await;
    }
    engine.tick().await.unwrap();
    let statuses = h.visit_job_statuses("v10").await;
    assert_eq!(
        statuses,
        vec!["failed: issue-card: card pool 100 of install paris-pacs is exhausted: every number from 5000 to 5009 is live"]
    );
    h.clock.advance(Duration::hours(5));
    engine.tick().await.unwrap();
    assert!(h.pacs.person("v0").unwrap().cards.is_empty());
}

#[tokio::test]
async fn without_an_smtp_relay_the_email_step_fails_and_says_what_to_set() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    post_event(&base, &h.token, sign_in("e1", "v1", "Guest", false)).await;
    h.engine().tick().await.unwrap();
    let statuses = h.visit_job_statuses("v1").await;
    assert_eq!(statuses, vec!["failed: email-credential: the tenant has no SMTP relay; set one to e-mail credentials"]);
}
