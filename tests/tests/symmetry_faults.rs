//! Symmetry faults: the import service too slow, a refused privilege, a connection lost in the
//! middle of an action, a card number taken behind our back. Each gives the right error class,
//! and a retry with the same idempotency key duplicates nothing.

mod symmetry_support;

use gatehouse_runtime::EncryptMode;
use gatehouse_sdk_harness::contract::{Action, ErrorKind};
use gatehouse_sim_symmetry::fixture::{CardSeed, CardholderSeed};
use gatehouse_sim_symmetry::{DropPoint, Fault, Fixture};
use serde_json::json;
use symmetry_support::*;

fn add_ada() -> Action {
    Action::UpsertPerson(person("visit-1", "Ada", "Lovelace"))
}

async fn add_rows(sim: &gatehouse_sim_symmetry::RunningSim) -> usize {
    import_rows(sim).await.iter().filter(|r| r.request == Some(0)).count()
}

#[tokio::test]
async fn a_processor_paused_past_the_wait_is_transient_and_the_retry_creates_no_second_cardholder() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    sim.pause();

    let (kind, message) = error_kind(connector.run_with_key(add_ada(), json!({}), "job-1/0").await);
    assert_eq!(kind, ErrorKind::Transient);
    assert!(message.contains("has not processed"), "{message}");
    assert_eq!(import_rows(&sim).await.iter().filter(|r| r.status == 0).count(), 1, "the row waits");

    sim.resume();
    connector.run_with_key(add_ada(), json!({}), "job-1/0").await.unwrap();

    assert_eq!(add_rows(&sim).await, 1, "the retry waited on the same row");
    assert_eq!(card_count(&sim).await, 9);
    assert!(card(&sim, 1001).await.is_some_and(|c| c.last_name.as_deref() == Some("Lovelace")));
}

#[tokio::test]
async fn a_login_without_insert_permission_is_an_auth_error_and_writes_nothing() {
    let sim = sim().await;
    let connector = connector_as(&sim, config(json!({})), READONLY_USER, READONLY_PASSWORD, EncryptMode::Off).await;

    let (kind, message) = error_kind(connector.run(add_ada(), json!({})).await);

    assert_eq!(kind, ErrorKind::Auth);
    assert!(message.contains("229") && message.contains("grant"), "{message}");
    assert!(import_rows(&sim).await.is_empty());
    assert_eq!(card_count(&sim).await, 8);
}

#[tokio::test]
async fn a_denied_view_is_an_auth_error() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    sim.inject(Fault::DenyObject { object: "ViewSMSCardHolders".into(), permission: None });

    let (kind, _) = error_kind(connector.run(Action::Activate(employee("dana.scully@example.com")), json!({})).await);

    assert_eq!(kind, ErrorKind::Auth);
}

#[tokio::test]
async fn a_connection_dropped_mid_action_is_transient_and_the_retry_duplicates_nothing() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    // The row is written, but the connector never hears back.
    sim.inject(Fault::DropConnections {
        count: 1,
        when: DropPoint::AfterExecute,
        matching: Some("INSERT INTO dbo.DataImportTable".into()),
    });

    let (kind, _) = error_kind(connector.run_with_key(add_ada(), json!({}), "job-1/0").await);
    assert_eq!(kind, ErrorKind::Transient);

    connector.run_with_key(add_ada(), json!({}), "job-1/0").await.unwrap();

    assert_eq!(add_rows(&sim).await, 1, "the retry found the row the lost call wrote");
    assert_eq!(card_count(&sim).await, 9);
}

#[tokio::test]
async fn a_number_taken_while_our_row_waits_moves_the_visitor_to_the_next_number() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    sim.pause();
    let _ = connector.run_with_key(add_ada(), json!({}), "job-1/0").await;
    // Card 1001 appears (another operator) while our row for it waits.
    let mut someone = Fixture::default();
    someone.cardholders.push(CardholderSeed {
        card_id: 100,
        first_name: Some("Other".into()),
        last_name: Some("Person".into()),
        company_id: Some(1),
        cards: vec![CardSeed { number: 1001, facility_code: FACILITY, ..CardSeed::default() }],
        ..CardholderSeed::default()
    });
    sim.seed(&someone).unwrap();
    sim.resume();

    let outcome = connector.run_with_key(add_ada(), json!({}), "job-1/0").await.unwrap();

    assert_eq!(card(&sim, 1001).await.unwrap().last_name.as_deref(), Some("Person"), "theirs is untouched");
    let ours = card(&sim, 1002).await.expect("the next number");
    assert_eq!(ours.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(outcome.pacs_id, Some(ours.card_id.to_string()));
}
