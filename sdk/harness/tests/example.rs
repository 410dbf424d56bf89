//! The built example connector, run by the harness against a small fake of
//! the Example PACS REST API served on 127.0.0.1.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use gatehouse_sdk_harness::contract::{
    AccessWindow, Action, Credential, ErrorKind, Person, PersonKind, PersonRef, Windowed,
};
use gatehouse_sdk_harness::{Connector, Harness};
use serde_json::{json, Value};

const TOKEN: &str = "s3cret-token";

/// The fake PACS: people by external id, and the card numbers it already has.
#[derive(Default)]
struct Pacs {
    people: HashMap<String, String>,
    cards: Vec<u64>,
}

type Shared = Arc<Mutex<Pacs>>;

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn fake_pacs(taken_card: u64) -> SocketAddr {
    let pacs: Shared = Arc::new(Mutex::new(Pacs { cards: vec![taken_card], ..Default::default() }));
    let app = Router::new()
        .route(
            "/api/health",
            get(|headers: HeaderMap| async move {
                if authorized(&headers) {
                    StatusCode::OK
                } else {
                    StatusCode::UNAUTHORIZED
                }
            }),
        )
        .route("/api/people", get(find_people).post(create_person))
        .route("/api/people/{id}/cards", post(issue_card))
        .with_state(pacs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

async fn find_people(State(pacs): State<Shared>, Query(query): Query<HashMap<String, String>>) -> Json<Value> {
    let pacs = pacs.lock().unwrap();
    let found = query.get("external_id").and_then(|external| pacs.people.get(external));
    Json(found.map_or(json!([]), |id| json!([{ "id": id }])))
}

async fn create_person(State(pacs): State<Shared>, Json(person): Json<Value>) -> Json<Value> {
    let mut pacs = pacs.lock().unwrap();
    let id = format!("p-{}", pacs.people.len() + 1);
    pacs.people.insert(person["external_id"].as_str().unwrap().to_owned(), id.clone());
    Json(json!({ "id": id }))
}

async fn issue_card(State(pacs): State<Shared>, Path(_id): Path<String>, Json(card): Json<Value>) -> StatusCode {
    let mut pacs = pacs.lock().unwrap();
    let number = card["number"].as_u64().unwrap();
    if pacs.cards.contains(&number) {
        return StatusCode::CONFLICT;
    }
    pacs.cards.push(number);
    StatusCode::CREATED
}

fn example_component() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/components/example.wasm")
}

async fn example_against(pacs: SocketAddr, token: &str) -> Connector {
    let base_url = format!("http://{pacs}/api");
    Harness::load(example_component())
        .unwrap()
        .allow_http(&base_url)
        .secret("api-token", token)
        .config(json!({"base_url": base_url, "card_range": {"first": 100, "last": 110}, "facility_code": 7}))
        .start()
        .await
        .unwrap()
}

fn visitor(external_id: &str) -> PersonRef {
    PersonRef { kind: PersonKind::Visitor, external_id: external_id.into(), pacs_id: None, email: None }
}

fn person(external_id: &str) -> Action {
    Action::UpsertPerson(Person {
        identity: visitor(external_id),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        phone: None,
        company: None,
        host_name: None,
        include_contact: false,
    })
}

fn card_for(external_id: &str) -> Action {
    Action::IssueCard(Windowed {
        who: visitor(external_id),
        window: AccessWindow { starts_at: 1_735_732_800_000, ends_at: 1_735_761_600_000 },
    })
}

#[tokio::test]
async fn the_example_validates_a_reachable_pacs_with_a_good_token() {
    let connector = example_against(fake_pacs(0).await, TOKEN).await;
    assert_eq!(connector.manifest().plugin_id, "example");
    let checks = connector.validate().await.unwrap();
    assert!(checks.iter().all(|check| check.ok), "{checks:?}");
    assert!(checks.iter().any(|check| check.name == "connection"));
}

#[tokio::test]
async fn a_wrong_token_fails_the_connection_check() {
    let connector = example_against(fake_pacs(0).await, "wrong").await;
    let checks = connector.validate().await.unwrap();
    let connection = checks.iter().find(|check| check.name == "connection").unwrap();
    assert!(!connection.ok, "{checks:?}");
}

#[tokio::test]
async fn cards_get_the_lowest_free_number_skipping_one_the_pacs_already_has() {
    let connector = example_against(fake_pacs(100).await, TOKEN).await;
    for visitor in ["visit-1", "visit-2"] {
        connector.run(person(visitor), json!({})).await.unwrap();
    }
    let card_number = |outcome: gatehouse_sdk_harness::contract::Outcome| match outcome.credential {
        Some(Credential::Card(card)) => card.card_number,
        other => panic!("no card issued: {other:?}"),
    };
    let first = connector.run(card_for("visit-1"), json!({})).await.unwrap();
    assert_eq!(card_number(first), 101);
    let second = connector.run(card_for("visit-2"), json!({})).await.unwrap();
    assert_eq!(card_number(second), 102);
    assert!(connector.logs().iter().any(|line| line.message.contains("card number 100 is taken")));
}

#[tokio::test]
async fn an_unsupported_action_is_a_permanent_connector_error() {
    let connector = example_against(fake_pacs(0).await, TOKEN).await;
    let error = connector.run(Action::CheckOut(visitor("visit-1")), json!({})).await.unwrap_err();
    assert_eq!(error.connector_error().map(|e| e.kind), Some(ErrorKind::Permanent));
}
