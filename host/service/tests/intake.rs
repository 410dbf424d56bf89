//! The HTTP intake over a real socket: status codes, nothing stored on bad
//! input, de-duplication of redeliveries, time-zone normalisation.

mod common;

use common::{envoy_signature, Harness, WEBHOOK_SECRET};
use gatehouse::domain::{EventId, VisitorEvent};
use gatehouse::service::IngestReceipt;
use serde_json::{json, Value};

fn invite_created(job_id: &str) -> Value {
    json!({
        "meta": { "event": "invite_created", "job": { "id": job_id, "name": "invite_created" },
                  "location": { "name": "Paris HQ", "timezone": "Europe/Paris" } },
        "payload": { "id": "771", "type": "invites", "attributes": {
            "full-name": "Ada Lovelace", "email": "ada@example.com", "flow-name": "Guest",
            "expected-arrival-time": "2025-03-03 14:00:00", "inviter-name": "Grace Hopper" } }
    })
}

async fn post_envoy(base: &str, install: &str, body: &[u8], signature: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/v1/installs/{install}/webhooks/envoy"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("X-Envoy-Signature", signature);
    }
    request.send().await.unwrap()
}

async fn error_message(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_signed_envoy_invite_is_stored_before_the_202_and_queues_a_job() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let body = serde_json::to_vec(&invite_created("job-1")).unwrap();
    let response = post_envoy(&base, "paris-pacs", &body, Some(&envoy_signature(WEBHOOK_SECRET, &body))).await;
    assert_eq!(response.status(), 202);
    let receipt: IngestReceipt = response.json().await.unwrap();
    let job = receipt.events[0].job.as_ref().unwrap();
    assert_eq!(job.status, "queued");
    assert_eq!(job.policy_version, Some(1));
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 1);
}

#[tokio::test]
async fn a_bad_or_missing_signature_gets_401_and_nothing_is_stored() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let body = serde_json::to_vec(&invite_created("job-1")).unwrap();
    let wrong = envoy_signature("not-the-secret", &body);
    let response = post_envoy(&base, "paris-pacs", &body, Some(&wrong)).await;
    assert_eq!(response.status(), 401);
    assert!(error_message(response).await.contains("does not match"));
    let response = post_envoy(&base, "paris-pacs", &body, None).await;
    assert_eq!(response.status(), 401);
    assert!(error_message(response).await.contains("header is missing"));
    // A signature over other bytes does not carry over to a tampered body.
    let tampered = String::from_utf8(body.clone()).unwrap().replace("Guest", "Admin");
    let response =
        post_envoy(&base, "paris-pacs", tampered.as_bytes(), Some(&envoy_signature(WEBHOOK_SECRET, &body))).await;
    assert_eq!(response.status(), 401);
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 0);
}

#[tokio::test]
async fn a_malformed_body_gets_400_with_a_reason_and_nothing_is_stored() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    for (body, expected) in [
        (&b"{not json"[..], "not JSON"),
        (&br#"{"payload": {}}"#[..], "no `meta` object"),
        (&br#"{"meta": {"event": "entry_sign_in"}}"#[..], "no `payload` object"),
        (&br#"{"meta": {"event": "invite_created"}, "payload": {"id": "1", "attributes": {"expected-arrival-time": "soon"}}}"#[..], "expected-arrival-time"),
    ] {
        let response = post_envoy(&base, "paris-pacs", body, Some(&envoy_signature(WEBHOOK_SECRET, body))).await;
        assert_eq!(response.status(), 400);
        let message = error_message(response).await;
        assert!(message.contains(expected), "{message}");
    }
    let native = reqwest::Client::new()
        .post(format!("{base}/v1/events"))
        .bearer_auth(&h.token)
        .body(r#"{"event_id": "e1", "type": "visit.invited", "install_id": "paris-pacs"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(native.status(), 400);
    assert!(error_message(native).await.contains("`visit` is required"));
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 0);
}

#[tokio::test]
async fn an_unknown_install_or_location_gets_404() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let body = serde_json::to_vec(&invite_created("job-1")).unwrap();
    let response = post_envoy(&base, "no-such-install", &body, Some(&envoy_signature(WEBHOOK_SECRET, &body))).await;
    assert_eq!(response.status(), 404);
    assert!(error_message(response).await.contains("no-such-install"));
    let native =
        json!({ "event_id": "e1", "location_id": "atlantis", "type": "visit.cancelled", "visit": { "id": "v1" } });
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/events"))
        .bearer_auth(&h.token)
        .json(&native)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 0);
}

#[tokio::test]
async fn an_oversized_body_gets_413_and_nothing_is_stored() {
    let h = Harness::new().await;
    let base = h.serve(1024).await;
    let mut event = invite_created("job-1");
    event["payload"]["attributes"]["private-notes"] = Value::String("x".repeat(4096));
    let body = serde_json::to_vec(&event).unwrap();
    let response = post_envoy(&base, "paris-pacs", &body, Some(&envoy_signature(WEBHOOK_SECRET, &body))).await;
    assert_eq!(response.status(), 413);
    assert!(error_message(response).await.contains("1024 bytes"));
    let response =
        reqwest::Client::new().post(format!("{base}/v1/events")).bearer_auth(&h.token).body(body).send().await.unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 0);
}

#[tokio::test]
async fn a_redelivered_event_gets_the_same_answer_and_no_second_job() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let body = serde_json::to_vec(&invite_created("job-7")).unwrap();
    let signature = envoy_signature(WEBHOOK_SECRET, &body);
    let first = post_envoy(&base, "paris-pacs", &body, Some(&signature)).await;
    assert_eq!(first.status(), 202);
    assert!(first.headers().get("x-gatehouse-duplicate").is_none());
    let first: Value = first.json().await.unwrap();
    let again = post_envoy(&base, "paris-pacs", &body, Some(&signature)).await;
    assert_eq!(again.status(), 202);
    assert_eq!(again.headers()["x-gatehouse-duplicate"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 1);
    let event_id = EventId::new(first["events"][0]["event_id"].as_str().unwrap());
    assert_eq!(h.store.jobs_for_event(&h.tenant, &event_id).await.unwrap().len(), 1);

    // Our own JSON de-duplicates on the sender's event id.
    let native = json!({ "event_id": "vms-1", "install_id": "paris-pacs", "type": "employee.signed_in",
                         "employee": { "email": "bob@example.com" } });
    for _ in 0..2 {
        let response = reqwest::Client::new()
            .post(format!("{base}/v1/events"))
            .bearer_auth(&h.token)
            .json(&native)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202);
    }
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 2);
}

#[tokio::test]
async fn zone_less_timestamps_are_read_in_the_location_time_zone() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let body = serde_json::to_vec(&invite_created("job-1")).unwrap();
    let response = post_envoy(&base, "paris-pacs", &body, Some(&envoy_signature(WEBHOOK_SECRET, &body))).await;
    let receipt: IngestReceipt = response.json().await.unwrap();
    let stored = h.store.event(&h.tenant, &receipt.events[0].event_id).await.unwrap().unwrap();
    let Some(VisitorEvent::VisitInvited(invite)) = stored.normalised else { panic!("not an invite: {stored:?}") };
    // 14:00 in Paris in March is 13:00 UTC (Envoy's SDK would have said 14:00 UTC).
    assert_eq!(invite.expected_arrival.to_rfc3339(), "2025-03-03T13:00:00+00:00");
}

#[tokio::test]
async fn an_unknown_envoy_event_is_accepted_and_recorded_as_ignored() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let body = br#"{"meta": {"event": "location_capacity_updated", "job": {"id": "j9"}}, "payload": {"id": "1"}}"#;
    let response = post_envoy(&base, "paris-pacs", body, Some(&envoy_signature(WEBHOOK_SECRET, body))).await;
    assert_eq!(response.status(), 202);
    let receipt: IngestReceipt = response.json().await.unwrap();
    let ignored = receipt.events[0].ignored.as_deref().unwrap();
    assert!(ignored.contains("location_capacity_updated"), "{ignored}");
    assert!(receipt.events[0].job.is_none());
    let stored = h.store.event(&h.tenant, &receipt.events[0].event_id).await.unwrap().unwrap();
    assert_eq!(stored.ignored_reason.as_deref(), Some(ignored));
}

#[tokio::test]
async fn an_event_for_a_location_reaches_every_install_there() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let native = json!({ "event_id": "vms-2", "location_id": "paris-hq", "type": "visit.invited",
        "visit": { "id": "v-9", "visitor_type": "Guest", "expected_arrival": "2025-03-03T15:00:00+01:00" },
        "person": { "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" } });
    let response = reqwest::Client::new()
        .post(format!("{base}/v1/events"))
        .bearer_auth(&h.token)
        .json(&native)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let receipt: IngestReceipt = response.json().await.unwrap();
    assert_eq!(receipt.events.len(), 1);
    assert_eq!(receipt.events[0].install_id, h.install);
}
