//! Running the simulator: fault injection, sessions, TLS, persistence and the
//! control API.

mod common;

use std::time::Duration;

use common::{http, start, start_with, Sdk};
use gatehouse_sim_genetec::well_known::default_fixture as fx;
use gatehouse_sim_genetec::{FaultKind, FaultRule, FaultTiming, FixtureSource, SimConfig};
use reqwest::StatusCode;
use serde_json::json;

fn fault(kind: FaultKind, count: Option<u32>, matching: Option<&str>, when: FaultTiming) -> FaultRule {
    FaultRule { kind, count, matching: matching.map(str::to_string), when }
}

async fn post_fault(sim: &gatehouse_sim_genetec::RunningSim, body: serde_json::Value) -> u64 {
    let response: serde_json::Value =
        http().post(format!("{}/faults", sim.control_url())).json(&body).send().await.unwrap().json().await.unwrap();
    response["id"].as_u64().unwrap()
}

#[tokio::test]
async fn http_status_fault_answers_5xx_for_the_next_n_requests_then_recovers() {
    let sim = start().await;
    post_fault(&sim, json!({"kind": "http_status", "status": 503, "count": 2})).await;
    let sdk = Sdk::envoy(&sim);
    assert_eq!(sdk.get("", None).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(sdk.get("", None).await.status, StatusCode::SERVICE_UNAVAILABLE);
    sdk.get("", None).await.ok();
    sim.shutdown().await;
}

#[tokio::test]
async fn fail_envelope_fault_hits_only_matching_requests_with_http_200() {
    let sim = start().await;
    post_fault(&sim, json!({"kind": "fail_envelope", "sdk_error_code": "UnableToRetrieveEntity", "message": "busy", "matching": "NewEntity(Visitor)"})).await;
    let sdk = Sdk::envoy(&sim);
    sdk.write("entity=NewEntity(Cardholder),Name=Fine,Guid").await.ok();
    let (code, message) = sdk.write("entity=NewEntity(Visitor),Name=V,Guid").await.fail();
    assert_eq!((code.as_str(), message.as_str()), ("UnableToRetrieveEntity", "busy"));
    assert!(sim.state().visitors.is_empty(), "the request was not executed");
    sim.shutdown().await;
}

#[tokio::test]
async fn dropped_connection_fault_closes_the_socket_without_a_response() {
    let sim = start().await;
    sim.add_fault(fault(FaultKind::DropConnection, Some(1), None, FaultTiming::Before));
    let sdk = Sdk::envoy(&sim);
    let error = sdk
        .http
        .get(format!("{}/", sdk.base))
        .basic_auth(&sdk.username, Some(&sdk.password))
        .send()
        .await
        .expect_err("no response");
    assert!(!error.is_timeout() && error.status().is_none(), "{error:?}");
    sdk.get("", None).await.ok();
    sim.shutdown().await;
}

#[tokio::test]
async fn drop_after_executing_commits_the_write_but_loses_the_answer() {
    let sim = start().await;
    sim.add_fault(fault(FaultKind::DropConnection, Some(1), Some("NewEntity(Visitor)"), FaultTiming::After));
    let sdk = Sdk::envoy(&sim);
    let sent = sdk
        .http
        .post(format!("{}/entity", sdk.base))
        .query(&[("q", "entity=NewEntity(Visitor),Name=Retry Me,Guid")])
        .basic_auth(&sdk.username, Some(&sdk.password))
        .header("Content-Length", "0")
        .send()
        .await;
    assert!(sent.is_err());
    let visitors = sim.state().visitors;
    assert_eq!(visitors.values().filter(|v| v.header.name == "Retry Me").count(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_fault_delays_answers_past_a_client_timeout() {
    let sim = start().await;
    sim.add_fault(fault(FaultKind::Latency { millis: 3_000 }, Some(1), None, FaultTiming::Before));
    let sdk = Sdk::envoy(&sim);
    let error = sdk
        .http
        .get(format!("{}/", sdk.base))
        .basic_auth(&sdk.username, Some(&sdk.password))
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .expect_err("times out");
    assert!(error.is_timeout());
    sim.shutdown().await;
}

#[tokio::test]
async fn bom_fault_prefixes_the_json_with_a_byte_order_mark() {
    let sim = start().await;
    post_fault(&sim, json!({"kind": "bom"})).await;
    let reply = Sdk::envoy(&sim).get("", None).await;
    assert!(reply.text.starts_with('\u{feff}'));
    assert_eq!(reply.json(), json!({"Rsp": {"Status": "Ok"}}));
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_are_listed_removed_and_cleared_through_the_control_api() {
    let sim = start().await;
    let id = post_fault(&sim, json!({"kind": "http_status", "status": 500})).await;
    post_fault(&sim, json!({"kind": "latency", "millis": 1, "matching": "report"})).await;
    let listed: serde_json::Value =
        http().get(format!("{}/faults", sim.control_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(
        listed[0],
        json!({"id": id, "kind": "http_status", "status": 500, "count": null, "matching": null, "when": "before"})
    );
    http().delete(format!("{}/faults/{id}", sim.control_url())).send().await.unwrap();
    Sdk::envoy(&sim).get("", None).await.ok();
    http().delete(format!("{}/faults", sim.control_url())).send().await.unwrap();
    let listed: serde_json::Value =
        http().get(format!("{}/faults", sim.control_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_sessions_lose_their_creation_partition() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.post(&format!("creationpartition/{}", fx::ANNEX_PARTITION), None).await.ok();
    let expired: serde_json::Value =
        http().post(format!("{}/sessions/expire", sim.control_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(expired["expired"], 1);
    let guid = sdk.create("entity=NewEntity(Cardholder),Name=After expiry,Guid").await;
    assert_eq!(sim.state().cardholders[&guid].header.partition, gatehouse_sim_genetec::well_known::ROOT_PARTITION);
    assert_eq!(sim.sessions_started(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn sessions_expire_after_five_idle_minutes_and_pings_keep_them_alive() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.get("", None).await.ok();
    for _ in 0..3 {
        sim.advance_clock(chrono::TimeDelta::minutes(4));
        sdk.get("", None).await.ok();
    }
    assert_eq!(sim.sessions_started(), 1, "a ping every 4 minutes keeps the session");
    sim.advance_clock(chrono::TimeDelta::seconds(301));
    sdk.get("", None).await.ok();
    assert_eq!(sim.sessions_started(), 2, "301 idle seconds end it");
    let sessions: serde_json::Value =
        http().get(format!("{}/sessions", sim.control_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(sessions["sessions"][0]["user"], "envoy");
    assert_eq!(sessions["sessions"][0]["application_id"], fx::ENVOY_APP_ID);
    sim.shutdown().await;
}

#[tokio::test]
async fn one_session_per_user_and_application_id() {
    let sim = start().await;
    Sdk::envoy(&sim).get("", None).await.ok();
    Sdk::envoy(&sim).get("", None).await.ok();
    Sdk::as_user(&sim, fx::ADMIN_USER, fx::ENVOY_APP_ID, fx::ADMIN_PASSWORD).get("", None).await.ok();
    assert_eq!(sim.sessions_started(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn tls_serves_https_with_a_generated_certificate_clients_can_trust() {
    let sim = start_with(SimConfig { tls: true, ..SimConfig::default() }).await;
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let pem = sim.cert_pem().expect("a certificate").to_string();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let served_pem = client.get(format!("{}/cert", sim.control_url())).send().await.unwrap().text().await.unwrap();
    assert_eq!(served_pem, pem);
    let mut sdk = Sdk::envoy(&sim);
    sdk.http = client;
    sdk.get("", None).await.ok();
    let redirect = sdk.get("events", None).await;
    assert!(redirect.headers["location"].to_str().unwrap().starts_with("https://"));
    let untrusting = reqwest::Client::new().get(format!("{}/", sim.base_url())).send().await;
    assert!(untrusting.is_err(), "the certificate is self-signed");
    sim.shutdown().await;
}

#[tokio::test]
async fn state_file_round_trips_changes_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("genetec-state.json");
    let config = || SimConfig { state_file: Some(path.clone()), ..SimConfig::default() };
    let sim = start_with(config()).await;
    let guid = Sdk::envoy(&sim).create("entity=NewEntity(Visitor),Name=Persisted,Guid").await;
    sim.swipe(&gatehouse_sim_genetec::BadgeSwipe {
        door: fx::HQ_MAIN_ENTRANCE,
        credential: Some(fx::BOB_CARD),
        cardholder: None,
        timestamp: None,
        decision: Default::default(),
    })
    .unwrap();
    let before = sim.state();
    sim.shutdown().await;
    let on_disk: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(on_disk["visitors"].as_array().unwrap().iter().any(|v| v["name"] == "Persisted"));
    assert!(!dir.path().join(".genetec-state.json.tmp").exists(), "written via a temporary file and renamed");

    let restarted = start_with(config()).await;
    assert_eq!(restarted.state(), before);
    assert_eq!(Sdk::envoy(&restarted).read(&format!("entity={guid},Name")).await.ok()["Name"], "Persisted");
    restarted.reset();
    assert!(restarted.state().visitors.is_empty(), "reset goes back to the fixture");
    restarted.shutdown().await;
    let after_reset: gatehouse_sim_genetec::Directory =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(after_reset.visitors.is_empty());
}

#[tokio::test]
async fn control_api_dumps_state_resets_and_moves_the_clock() {
    let sim = start().await;
    Sdk::envoy(&sim).write("entity=NewEntity(Cardholder),Name=Temp,Guid").await.ok();
    let dump: serde_json::Value =
        http().get(format!("{}/state", sim.control_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(dump["cardholders"].as_array().unwrap().len(), 6);
    http().post(format!("{}/reset", sim.control_url())).send().await.unwrap();
    assert_eq!(sim.state().cardholders.len(), 5);
    let moved: serde_json::Value = http()
        .post(format!("{}/clock", sim.control_url()))
        .json(&json!({"set": "2030-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(moved["now"].as_str().unwrap().starts_with("2030-01-01T00:00"));
    let info: serde_json::Value =
        http().get(format!("{}/info", sim.control_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(info["base_url"], sim.base_url());
    assert_eq!(http().get(format!("{}/cert", sim.control_url())).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn toml_fixture_file_seeds_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("site.toml");
    std::fs::write(
        &path,
        format!(
            r#"
            [licence]
            parts = [{{ part = "GSC-1SDK-ENVOY-Visitors", application_id = "{app}", activated = true }}]
            [[users]]
            name = "envoy"
            password = "pw"
            privileges = ["LogOnUsingSdk", "ViewDoorProperties"]
            [[partitions]]
            guid = "00000000-0000-0000-0000-00000000000b"
            name = "Root"
            [[doors]]
            guid = "d0000000-0000-4000-8000-000000000009"
            name = "Lobby"
            logical_id = 9
            "#,
            app = fx::ENVOY_APP_ID
        ),
    )
    .unwrap();
    let sim = start_with(SimConfig { fixture: FixtureSource::File(path), ..SimConfig::default() }).await;
    let sdk = Sdk::as_user(&sim, "envoy", fx::ENVOY_APP_ID, "pw");
    assert_eq!(sdk.read("entity=LogicalId(Door,9),Name").await.ok()["Name"], "Lobby");
    sim.shutdown().await;
}

#[tokio::test]
async fn inconsistent_fixture_file_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(&path, r#"{"doors": [{"guid": "d0000000-0000-4000-8000-000000000009", "name": "Nowhere"}]}"#)
        .unwrap();
    let error = gatehouse_sim_genetec::GenetecSim::start(SimConfig {
        fixture: FixtureSource::File(path),
        ..SimConfig::default()
    })
    .await
    .err()
    .unwrap();
    assert!(error.to_string().contains("unknown partition"), "{error}");
}
