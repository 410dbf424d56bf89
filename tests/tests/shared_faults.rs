//! One fault plan, both simulators: the shared fault and clock API (`gatehouse-sim-faults`)
//! is set the same way on Genetec and Symmetry, over each one's control API, and each answers
//! it in its vendor's words, which the built connectors classify alike.

mod genetec_common;
mod symmetry_support;

use gatehouse_sdk_harness::contract::ErrorKind;
use serde_json::{json, Value};

/// The first request that matches fails with the vendor's transient error; the next runs.
fn fail_once(matching: &str) -> Value {
    json!({ "seed": 7, "rules": [{ "matching": matching, "error_rate": 1.0, "count": 1 }] })
}

async fn put(url: String, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new().put(url).json(body).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_same_plan_fails_one_genetec_request_and_the_retry_creates_one_visitor() {
    use genetec_common::*;
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let (status, plan) = put(format!("{}/fault-plan", sim.control_url()), &fail_once("newentity(visitor)")).await;
    assert_eq!((status, plan["rules"][0]["count"].as_u64()), (200, Some(1)));

    let failed = connector.run_with_key(upsert(visitor("visit-f1")), json!({}), "job-1/step-1").await.unwrap_err();
    assert_eq!(kind(&failed), Some(ErrorKind::Transient), "{}", message(&failed));
    connector.run_with_key(upsert(visitor("visit-f1")), json!({}), "job-1/step-1").await.unwrap();
    assert_eq!(visitors_with(&sim, "visit-f1").len(), 1);
}

#[tokio::test]
async fn the_same_plan_fails_one_symmetry_statement_and_the_retry_creates_one_cardholder() {
    use symmetry_support::*;
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let cards_before = card_count(&sim).await;
    let control = sim.control_url().expect("the control API listens");
    let (status, _) = put(format!("{control}/fault-plan"), &fail_once("insert into")).await;
    assert_eq!(status, 200);

    let upsert = || gatehouse_sdk_harness::contract::Action::UpsertPerson(person("visit-f2", "Ada", "Lovelace"));
    let (kind, message) = error_kind(connector.run_with_key(upsert(), json!({}), "job-2/step-1").await);
    assert_eq!(kind, ErrorKind::Transient, "{message}");
    assert!(message.contains("deadlock"), "SQL Server's error 1205: {message}");
    connector.run_with_key(upsert(), json!({}), "job-2/step-1").await.unwrap();
    assert_eq!(card_count(&sim).await, cards_before + 1);
}

#[tokio::test]
async fn both_simulators_refuse_a_plan_that_is_not_one_and_keep_the_one_they_had() {
    let genetec = genetec_common::sim().await;
    let symmetry = symmetry_support::sim().await;
    let controls = [genetec.control_url(), symmetry.control_url().unwrap()];
    for control in &controls {
        put(format!("{control}/fault-plan"), &fail_once("anything")).await;
        let (status, error) = put(format!("{control}/fault-plan"), &json!({ "rules": [{ "error_rate": 2.0 }] })).await;
        assert_eq!(status, 400, "{control}");
        assert!(error["error"].as_str().unwrap().contains("not a probability"), "{error}");
        let kept: Value = reqwest::get(format!("{control}/fault-plan")).await.unwrap().json().await.unwrap();
        assert_eq!(kept["rules"][0]["matching"], "anything", "{control}");
    }
}

#[tokio::test]
async fn both_clocks_are_moved_with_the_same_words() {
    let genetec = genetec_common::sim().await;
    let symmetry = symmetry_support::sim().await;
    let at = "2031-03-04T05:06:07Z";
    for control in [genetec.control_url(), symmetry.control_url().unwrap()] {
        let (status, view) = put(format!("{control}/clock"), &json!({ "frozen": true, "set": at })).await;
        assert_eq!((status, view["frozen"].as_bool()), (200, Some(true)), "{control}: {view}");
        assert_eq!(view["now"].as_str().map(|t| t.starts_with("2031-03-04T05:06:07")), Some(true), "{view}");
        let (_, moved) = put(format!("{control}/clock"), &json!({ "advance_secs": 90 })).await;
        assert_eq!(moved["now"].as_str().map(|t| t.starts_with("2031-03-04T05:07:37")), Some(true), "{moved}");
    }
    assert_eq!(genetec.now().to_rfc3339(), "2031-03-04T05:07:37+00:00");
}
