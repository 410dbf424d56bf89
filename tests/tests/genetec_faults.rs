//! Fault injection against the Genetec connector: the built component in the real
//! host, with the simulator dropping connections, failing, answering slowly or oddly.
//! Each test checks the error class the host acts on, and that a retry never leaves a
//! duplicate behind.

mod genetec_common;

use chrono::TimeDelta;
use gatehouse_sdk_harness::contract::{Action, ErrorKind};
use gatehouse_sim_genetec::{FaultKind, FaultRule, FaultTiming};
use genetec_common::*;
use serde_json::json;

fn fault(kind: FaultKind, matching: &str, when: FaultTiming) -> FaultRule {
    FaultRule { kind, count: Some(1), matching: Some(matching.into()), when }
}

#[tokio::test]
async fn a_connection_dropped_after_the_visitor_was_created_leaves_one_visitor_after_the_retry() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    sim.add_fault(fault(FaultKind::DropConnection, "newentity(visitor)", FaultTiming::After));

    let dropped = connector.run_with_key(upsert(visitor("visit-d1")), json!({}), "job-1/step-1").await.unwrap_err();
    let retried = connector.run_with_key(upsert(visitor("visit-d1")), json!({}), "job-1/step-1").await.unwrap();

    assert_eq!(kind(&dropped), Some(ErrorKind::Transient));
    assert!(dropped.retryable());
    let visitors = visitors_with(&sim, "visit-d1");
    assert_eq!(visitors.len(), 1);
    assert_eq!(visitors[0].header.guid, pacs_uuid(&retried));
}

#[tokio::test]
async fn a_connection_dropped_after_the_card_was_created_is_adopted_on_retry_not_duplicated() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-d2")), json!({})).await.unwrap());
    sim.add_fault(fault(FaultKind::DropConnection, "newentity(credential)", FaultTiming::After));
    let issue = || Action::IssueCard(windowed(visitor("visit-d2"), window(&sim, 0, 60)));

    let dropped = connector.run_with_key(issue(), json!({}), "job-2/step-3").await.unwrap_err();
    let retried = connector.run_with_key(issue(), json!({}), "job-2/step-3").await.unwrap();

    assert_eq!(kind(&dropped), Some(ErrorKind::Transient));
    assert_eq!(card_number(&retried), 5000);
    assert_eq!(credentials_of(&sim, guid).len(), 1);
}

#[tokio::test]
async fn a_pin_whose_answer_was_lost_is_found_again_with_the_same_digits() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-d3")), json!({})).await.unwrap());
    sim.add_fault(fault(FaultKind::DropConnection, "newentity(credential)", FaultTiming::After));
    let issue = || Action::IssuePin(windowed(visitor("visit-d3"), window(&sim, 0, 60)));

    connector.run_with_key(issue(), json!({}), "job-3/step-2").await.unwrap_err();
    let retried = connector.run_with_key(issue(), json!({}), "job-3/step-2").await.unwrap();

    let held = credentials_of(&sim, guid);
    assert_eq!(held.len(), 1);
    let Some(gatehouse_sdk_harness::contract::Credential::Pin(pin)) = retried.credential else { panic!("{retried:?}") };
    assert_eq!(held[0].format, gatehouse_sim_genetec::model::CredentialFormat::Keypad { pin });
}

#[tokio::test]
async fn server_errors_are_transient_and_carry_no_duplicate_after_the_retry() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    sim.add_fault(fault(FaultKind::HttpStatus { status: 503 }, "newentity(visitor)", FaultTiming::Before));

    let busy = connector.run(upsert(visitor("visit-5xx")), json!({})).await.unwrap_err();
    connector.run(upsert(visitor("visit-5xx")), json!({})).await.unwrap();

    assert_eq!(kind(&busy), Some(ErrorKind::Transient));
    assert_eq!(visitors_with(&sim, "visit-5xx").len(), 1);
}

#[tokio::test]
async fn a_fail_envelope_is_a_permanent_error_with_the_vendor_message() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let refused =
        FaultKind::FailEnvelope { sdk_error_code: "InvalidOperation".into(), message: "Directory is read-only".into() };
    sim.add_fault(fault(refused, "newentity(visitor)", FaultTiming::Before));

    let error = connector.run(upsert(visitor("visit-fail")), json!({})).await.unwrap_err();

    assert_eq!(kind(&error), Some(ErrorKind::Permanent));
    assert!(message(&error).contains("Directory is read-only"), "{}", message(&error));
    assert!(visitors_with(&sim, "visit-fail").is_empty());
}

#[tokio::test]
async fn answers_with_a_byte_order_mark_are_read() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    sim.add_fault(FaultRule { kind: FaultKind::Bom, count: None, matching: None, when: FaultTiming::Before });

    let outcome = connector.run(upsert(visitor("visit-bom")), json!({})).await.unwrap();

    assert_eq!(visitors_with(&sim, "visit-bom")[0].header.guid, pacs_uuid(&outcome));
}

#[tokio::test]
async fn a_request_slower_than_the_deadline_is_a_transient_timeout() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"request_timeout_ms": 1000}))).await;
    sim.add_fault(fault(FaultKind::Latency { millis: 3000 }, "report/entityconfiguration", FaultTiming::Before));

    let error = connector.run(upsert(visitor("visit-slow")), json!({})).await.unwrap_err();

    assert_eq!(kind(&error), Some(ErrorKind::Transient));
}

#[tokio::test]
async fn an_expired_session_is_opened_again_without_failing_the_action() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    connector.run(upsert(visitor("visit-s1")), json!({})).await.unwrap();
    let sessions = sim.sessions_started();

    sim.advance_clock(TimeDelta::minutes(6));
    connector.clock().advance(TimeDelta::minutes(6));
    sim.expire_sessions(None);
    let outcome = connector.run(upsert(visitor("visit-s2")), json!({})).await.unwrap();

    assert!(outcome.changed);
    assert_eq!(sim.sessions_started(), sessions + 1);
    assert_eq!(visitors_with(&sim, "visit-s2").len(), 1);
}
