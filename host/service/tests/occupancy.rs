//! Badge events become occupancy records once each, and reach the tenant's
//! webhook signed, retried until it accepts them.

mod common;

use axum::http::{HeaderMap, StatusCode};
use chrono::Duration;
use common::{monday_morning, Harness};
use gatehouse::gateway::{BadgeEvent, BadgeResult};
use gatehouse::jobs::RetryPolicy;
use gatehouse::jobs::{signature, BadgePoller, WebhookSender, SIGNATURE_HEADER};
use std::sync::{Arc, Mutex};

const AUTO_CHECK_IN: &str = "[employees]\nmode = \"auto-check-in\"\n";

fn badge(id: &str, result: BadgeResult) -> BadgeEvent {
    BadgeEvent {
        event_id: id.into(),
        occurred_at: monday_morning(),
        result,
        pacs_person_id: "pacs-17".into(),
        email: Some("bob@example.com".into()),
        door: Some("Main entrance".into()),
    }
}

/// A webhook receiver that fails its first `failures` requests.
async fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let received = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let seen = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                let signature =
                    headers.get(SIGNATURE_HEADER).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
                seen.push((body, signature));
                if seen.len() <= failures {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn granted_badges_sign_employees_in_once_and_reach_the_webhook_signed_after_a_retry() {
    let h = Harness::with_policy(AUTO_CHECK_IN).await;
    let (url, received) = receiver(1).await;
    h.service.set_outbound_webhook("test", &h.tenant, &url, "hook-secret").await.unwrap();
    h.pacs.add_badge(badge("evt-1", BadgeResult::Granted));
    h.pacs.add_badge(badge("evt-2", BadgeResult::Denied));
    h.pacs.add_badge(badge("evt-1", BadgeResult::Granted));

    let poller = BadgePoller::new(h.service.clone());
    let report = poller.poll_all().await.unwrap();
    assert_eq!((report.installs_polled, report.events_seen, report.signed_in), (1, 3, 1));
    assert_eq!(poller.poll_all().await.unwrap().events_seen, 0, "the cursor moved on");
    let occupancy = h.store.occupancy(&h.tenant, &h.location).await.unwrap();
    assert_eq!(occupancy.len(), 1);
    assert_eq!(occupancy[0].email.as_deref(), Some("bob@example.com"));

    let retry = RetryPolicy { max_attempts: 3, base_delay: Duration::seconds(10), max_delay: Duration::minutes(1) };
    let sender = WebhookSender::new(h.service.clone(), retry);
    assert_eq!(sender.deliver_due().await.unwrap(), 0, "the receiver is down at first");
    assert_eq!(sender.deliver_due().await.unwrap(), 0, "not before the backoff");
    h.clock.advance(Duration::minutes(1));
    assert_eq!(sender.deliver_due().await.unwrap(), 1);
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let (body, signed) = &received[1];
    assert_eq!(signed, &signature(b"hook-secret", body.as_bytes()));
    let payload: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (payload["type"].as_str(), payload["email"].as_str()),
        (Some("employee.signed_in"), Some("bob@example.com"))
    );
    assert_eq!(h.store.outbound_count(&h.tenant, "delivered").await.unwrap(), 1);
}

#[tokio::test]
async fn installs_without_auto_check_in_are_not_polled() {
    let h = Harness::new().await;
    h.pacs.add_badge(badge("evt-1", BadgeResult::Granted));
    let report = BadgePoller::new(h.service.clone()).poll_all().await.unwrap();
    assert_eq!(report.installs_polled, 0);
    assert!(h.store.occupancy(&h.tenant, &h.location).await.unwrap().is_empty());
}
