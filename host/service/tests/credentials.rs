//! Cards from the install's pool, their QR code e-mailed over SMTP, the
//! numbers returned to the pool when access is revoked, and the tenant's
//! delivery settings as an operator sets them through the API.

mod common;

use chrono::Duration;
use common::api::{send, Call, SECRET_VALUE};
use common::smtp_sink::SmtpSink;
use common::{invite, post_event, sign_in, visit_event, Harness};
use gatehouse::domain::{JobStatus, SmtpSecurity};
use gatehouse::service::{AttachmentView, SmtpRelaySpec};
use serde_json::{json, Value};

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
async fn seed_a6_43_an_invited_guest_gets_a_card_from_the_pool_and_its_qr_code_by_email() {
    let h = Harness::new().await;
    let sink = with_smtp(&h).await;
    h.service
        .set_email_template(
            "test",
            &h.tenant,
            "Hi {first_name}, card {card_number} works from {valid_from} ({time_zone}).",
        )
        .await
        .unwrap();
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
        vec![
            "failed: issue-card: card pool 100 of install paris-pacs is exhausted: every number from 5000 to 5009 is live",
            "done" // its compensation
        ]
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
    let failed = "failed: email-credential: the tenant has no SMTP relay; set one to e-mail credentials";
    assert_eq!(statuses, vec![failed, "done"], "the failed job, then its compensation");
}

/// `method path` on the tenant's delivery settings, with the harness's token.
async fn delivery(h: &Harness, base: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let call = Call { method, path: format!("/v1/tenants/acme/delivery{path}"), body };
    send(base, Some(&h.token), &call).await
}

#[tokio::test]
async fn an_operator_sets_the_relay_and_template_through_the_api_and_the_next_credential_email_uses_them() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let (sink, port) = SmtpSink::start().await;
    let relay = json!({ "host": "127.0.0.1", "port": port, "from": "Reception <reception@acme.example>" });
    let (status, view) = delivery(&h, &base, reqwest::Method::PUT, "/smtp", Some(relay)).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["smtp"]["port"], port);
    let template = json!({ "template": "Welcome {first_name}: card {card_number}, until {valid_until}." });
    assert_eq!(delivery(&h, &base, reqwest::Method::PUT, "/email-template", Some(template)).await.0, 200);

    post_event(&base, &h.token, sign_in("e1", "v1", "Guest", false)).await;
    h.engine().tick().await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("Welcome Alan: card 5000, until "), "{}", messages[0]);

    let (status, view) = delivery(&h, &base, reqwest::Method::DELETE, "/email-template", None).await;
    assert_eq!((status, &view["email_template"]), (200, &Value::Null));
    post_event(&base, &h.token, sign_in("e2", "v2", "Guest", false)).await;
    h.engine().tick().await.unwrap();
    assert!(sink.messages()[1].contains("Card number: 5001"), "the default template is back: {}", sink.messages()[1]);
}

#[tokio::test]
async fn relay_passwords_and_webhook_keys_go_in_but_never_come_out_of_the_api_or_the_audit_trail() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let relay = json!({ "host": "smtp.acme.example", "port": 587, "security": "start-tls", "username": "reception",
        "password": SECRET_VALUE, "from": "reception@acme.example" });
    let (_, put) = delivery(&h, &base, reqwest::Method::PUT, "/smtp", Some(relay)).await;
    let hook = json!({ "url": "https://vms.acme.example/occupancy", "secret": SECRET_VALUE });
    delivery(&h, &base, reqwest::Method::PUT, "/outbound-webhook", Some(hook)).await;
    let (status, view) = delivery(&h, &base, reqwest::Method::GET, "", None).await;
    assert_eq!(status, 200);
    assert_eq!(view["smtp"]["password_set"], true);
    assert_eq!(view["smtp"]["security"], "start-tls");
    assert_eq!(view["outbound_webhook"], json!({ "url": "https://vms.acme.example/occupancy", "secret_set": true }));
    let audit = send(
        &base,
        Some(&h.token),
        &Call { method: reqwest::Method::GET, path: "/v1/tenants/acme/audit".into(), body: None },
    )
    .await
    .1;
    let trail = audit.to_string();
    assert!(trail.contains("tenant.smtp") && trail.contains("tenant.outbound-webhook"), "{trail}");
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "tenant.smtp" && e["detail"]["secrets_written"] == json!(["password"])),
        "{trail}"
    );
    for seen in [put.to_string(), view.to_string(), trail] {
        assert!(!seen.contains(SECRET_VALUE), "a secret leaked: {seen}");
    }
}

#[tokio::test]
async fn bad_delivery_settings_are_refused_with_the_reason_and_change_nothing() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let good = json!({ "host": "127.0.0.1", "port": 2525, "from": "reception@acme.example" });
    delivery(&h, &base, reqwest::Method::PUT, "/smtp", Some(good)).await;
    let (_, before) = delivery(&h, &base, reqwest::Method::GET, "", None).await;
    let audit_len = || async { h.service.audit_trail(&h.tenant, &Default::default()).await.unwrap().len() };
    let audited_before = audit_len().await;

    let refused = [
        ("/smtp", json!({ "host": "127.0.0.1", "port": 2525, "from": "not an address" }), "is not an e-mail address"),
        (
            "/smtp",
            json!({ "host": "127.0.0.1", "port": 2525, "username": "u", "from": "a@b.example" }),
            "both a username and a password",
        ),
        ("/smtp", json!({ "host": "", "port": 2525, "from": "a@b.example" }), "is not a host name"),
        ("/smtp", json!({ "host": "h", "port": 2525, "from": "a@b.example", "tls": true }), "unknown field"),
        ("/email-template", json!({ "template": "Hi {frist_name}" }), "{frist_name}, which Gatehouse does not fill"),
        ("/outbound-webhook", json!({ "url": "ftp://vms.example/x", "secret": "k" }), "must be http or https"),
        ("/outbound-webhook", json!({ "url": "https://vms.example/x", "secret": "" }), "HMAC secret is empty"),
    ];
    for (path, body, reason) in refused {
        let (status, answer) = delivery(&h, &base, reqwest::Method::PUT, path, Some(body.clone())).await;
        let expected = if reason == "unknown field" { 400 } else { 422 };
        assert_eq!(status, expected, "{path} {body}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains(reason), "{path} {body}: {answer}");
    }
    assert_eq!(delivery(&h, &base, reqwest::Method::GET, "", None).await.1, before);
    assert_eq!(audit_len().await, audited_before);
}
