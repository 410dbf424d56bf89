//! The privacy routes over a real socket: a tenant reads and changes its
//! retention (bad periods refused, nothing lost), purges on request, erases a
//! person and reads each install's outcome, and reads an install's connector
//! health over a window it chooses.

mod common;

use chrono::Duration;
use common::{post_event, sign_in, visit_event, Harness};
use gatehouse::store::AuditFilter;
use serde_json::{json, Value};

struct Api {
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/v1/tenants/acme{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }
}

async fn api(h: &Harness) -> Api {
    Api { base: h.serve(64 * 1024).await, token: h.token.clone() }
}

async fn audit_actions(h: &Harness) -> Vec<String> {
    let filter = AuditFilter { limit: 1000, ..Default::default() };
    h.service.audit_trail(&h.tenant, &filter).await.unwrap().into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_tenant_reads_and_replaces_its_retention_and_a_bad_period_changes_nothing() {
    let h = Harness::new().await;
    let api = api(&h).await;
    let defaults = json!({ "personal_data_days": 90, "job_history_days": 90, "audit_days": 90, "share_health": false });
    assert_eq!(api.call(reqwest::Method::GET, "/privacy", None).await, (200, defaults));

    let chosen = json!({ "personal_data_days": 30, "job_history_days": 365, "audit_days": 730, "share_health": true });
    assert_eq!(api.call(reqwest::Method::PUT, "/privacy", Some(chosen.clone())).await, (200, chosen.clone()));
    assert_eq!(api.call(reqwest::Method::GET, "/privacy", None).await, (200, chosen.clone()));

    let too_long = json!({ "personal_data_days": 0, "job_history_days": 365, "audit_days": 4000 });
    let (status, body) = api.call(reqwest::Method::PUT, "/privacy", Some(too_long)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("audit_days is 4000"), "{body}");
    let (status, body) = api.call(reqwest::Method::PUT, "/privacy", Some(json!({ "keep_forever": true }))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(api.call(reqwest::Method::GET, "/privacy", None).await, (200, chosen));
}

#[tokio::test]
async fn a_purge_on_request_anonymises_ended_visits_past_their_period_and_is_always_audited() {
    let h = Harness::new().await;
    let api = api(&h).await;
    let engine = h.engine();
    let short = json!({ "personal_data_days": 30, "job_history_days": 365, "audit_days": 365 });
    assert_eq!(api.call(reqwest::Method::PUT, "/privacy", Some(short)).await.0, 200);
    post_event(&api.base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    engine.tick().await.unwrap();
    h.clock.advance(Duration::hours(1));
    post_event(&api.base, &h.token, visit_event("e2", "visitor.signed_out", "walk-1")).await;
    engine.tick().await.unwrap();

    let (status, counts) = api.call(reqwest::Method::POST, "/purge", None).await;
    assert_eq!((status, &counts["visits_anonymised"]), (200, &json!(0)), "within the period: {counts}");
    h.clock.advance(Duration::days(31));
    let (status, counts) = api.call(reqwest::Method::POST, "/purge", None).await;
    assert_eq!(
        (status, &counts["visits_anonymised"], &counts["events_scrubbed"]),
        (200, &json!(1), &json!(2)),
        "{counts}"
    );
    let purges = audit_actions(&h).await.into_iter().filter(|a| a == "retention.purge").count();
    assert_eq!(purges, 2, "both requests are on the trail, the empty one too");
}

#[tokio::test]
async fn an_erasure_by_email_reaches_every_install_and_its_outcome_reads_back() {
    let h = Harness::new().await;
    let api = api(&h).await;
    post_event(&api.base, &h.token, sign_in("e1", "v1", "Guest", false)).await;
    h.engine().tick().await.unwrap();

    let (status, started) =
        api.call(reqwest::Method::POST, "/erasures", Some(json!({ "email": "Alan@Example.com" }))).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_string();
    assert_eq!(started["targets"][0]["install_id"], "paris-pacs");
    assert_eq!(started["targets"][0]["subject"], "visit:v1");
    assert_eq!(started["targets"][0]["status"], "pending", "{started}");

    h.engine().tick().await.unwrap();
    let (status, outcome) = api.call(reqwest::Method::GET, &format!("/erasures/{id}"), None).await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(outcome["targets"].as_array().unwrap().len(), 1);
    assert_eq!(outcome["targets"][0]["status"], "done", "{outcome}");
    assert!(audit_actions(&h).await.contains(&"person.erase".to_string()));

    let (status, body) =
        api.call(reqwest::Method::POST, "/erasures", Some(json!({ "email": "nobody@example.com" }))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not-found")), "{body}");
    let (status, body) = api.call(reqwest::Method::POST, "/erasures", Some(json!({ "name": "Alan" }))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(api.call(reqwest::Method::GET, "/erasures/no-such-erasure", None).await.0, 404);
}

#[tokio::test]
async fn an_install_health_covers_the_window_asked_for() {
    let h = Harness::new().await;
    let api = api(&h).await;
    post_event(&api.base, &h.token, sign_in("e1", "v1", "Guest", false)).await;
    h.engine().tick().await.unwrap();
    h.clock.advance(Duration::hours(2));

    let (status, recent) = api.call(reqwest::Method::GET, "/installs/paris-pacs/health?window_hours=1", None).await;
    assert_eq!((status, &recent["attempts"]), (200, &json!(0)), "the sign-in was two hours ago: {recent}");
    let (status, day) = api.call(reqwest::Method::GET, "/installs/paris-pacs/health", None).await;
    assert_eq!(status, 200, "{day}");
    assert!(day["attempts"].as_u64().unwrap() > 0, "the default window is a day: {day}");
    assert_eq!((&day["errors"], &day["uptime_percent"], &day["shared"]), (&json!(0), &json!(100.0), &json!(false)));
    assert!(day["last_success"].is_string(), "{day}");

    let (status, body) = api.call(reqwest::Method::GET, "/installs/paris-pacs/health?window_hours=0", None).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = api.call(reqwest::Method::GET, "/installs/paris-pacs/health?window_hours=100000", None).await;
    assert_eq!(status, 422, "a window reaching back eleven years is refused, not computed: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 366 days"), "{body}");
    assert_eq!(api.call(reqwest::Method::GET, "/installs/nowhere/health", None).await.0, 404);
}
