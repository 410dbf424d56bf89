//! Shared set-up of the Genetec end-to-end tests: the built `genetec.wasm` component in
//! the real host (through the SDK harness) against a running Web SDK simulator, and
//! helpers that read the simulator's state back.
#![allow(dead_code)]

use std::path::PathBuf;

use gatehouse_sdk_harness::contract::{
    AccessWindow, Action, Credential, ErrorKind, Outcome, Person, PersonKind, PersonRef, Windowed,
};
use gatehouse_sdk_harness::{CallError, Connector, Harness};
use gatehouse_sim_genetec::model::{Cardholder, Credential as SimCredential, Visitor};
use gatehouse_sim_genetec::well_known::default_fixture as fx;
use gatehouse_sim_genetec::{GenetecSim, RunningSim, SimConfig};
use serde_json::{json, Value};
use uuid::Uuid;

pub use fx::*;

pub fn component() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/components/genetec.wasm")
}

pub async fn sim() -> RunningSim {
    GenetecSim::start(SimConfig::default()).await.expect("the simulator starts")
}

/// The install configuration every test starts from, with `extra` merged in.
pub fn config(sim: &RunningSim, extra: Value) -> Value {
    let mut config = json!({
        "web_sdk_url": sim.base_url(),
        "username": ENVOY_USER,
        "application_id": ENVOY_APP_ID,
        "cards": {"format": "wiegand-standard-26", "facility_code": 101, "min": 5000, "max": 5999},
    });
    config.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    config
}

/// The component, granted the simulator's base URL, with the envoy user's password and
/// its clock at the simulator's now.
pub async fn connector(sim: &RunningSim, config: Value) -> Connector {
    connector_with_password(sim, config, ENVOY_PASSWORD).await
}

pub async fn connector_with_password(sim: &RunningSim, config: Value, password: &str) -> Connector {
    Harness::load(component())
        .expect("genetec.wasm is built (cargo xtask build-plugins)")
        .allow_http(&sim.base_url())
        .secret("password", password)
        .config(config)
        .at(sim.now())
        .start()
        .await
        .expect("the component starts in the host")
}

pub fn visitor(external_id: &str) -> PersonRef {
    PersonRef {
        kind: PersonKind::Visitor,
        external_id: external_id.into(),
        pacs_id: None,
        email: Some(format!("{external_id}@guest.example")),
    }
}

pub fn employee(external_id: &str, email: &str) -> PersonRef {
    PersonRef { kind: PersonKind::Employee, external_id: external_id.into(), pacs_id: None, email: Some(email.into()) }
}

pub fn person(who: PersonRef, first: &str, last: &str) -> Person {
    Person {
        identity: who,
        first_name: first.into(),
        last_name: last.into(),
        phone: None,
        company: None,
        host_name: None,
        include_contact: false,
    }
}

pub fn upsert(who: PersonRef) -> Action {
    Action::UpsertPerson(person(who, "Grace", "Hopper"))
}

/// A window `[now + from_minutes, now + to_minutes)` on the simulator's clock.
pub fn window(sim: &RunningSim, from_minutes: i64, to_minutes: i64) -> AccessWindow {
    let now = sim.now().timestamp() * 1000;
    AccessWindow { starts_at: now + from_minutes * 60_000, ends_at: now + to_minutes * 60_000 }
}

pub fn windowed(who: PersonRef, window: AccessWindow) -> Windowed {
    Windowed { who, window }
}

pub fn pacs_uuid(outcome: &Outcome) -> Uuid {
    outcome.pacs_id.as_deref().expect("the outcome names the PACS record").parse().expect("a GUID")
}

pub fn detail(outcome: &Outcome) -> Value {
    serde_json::from_str(&outcome.detail).expect("the detail is JSON")
}

pub fn kind(error: &CallError) -> Option<ErrorKind> {
    error.connector_error().map(|e| e.kind)
}

pub fn message(error: &CallError) -> String {
    error.connector_error().map(|e| e.message.clone()).unwrap_or_else(|| error.to_string())
}

pub fn card_number(outcome: &Outcome) -> u64 {
    match &outcome.credential {
        Some(Credential::Card(card)) => card.card_number,
        other => panic!("expected a card, got {other:?}"),
    }
}

/// Live visitors carrying `external_id` in their Description stamp.
pub fn visitors_with(sim: &RunningSim, external_id: &str) -> Vec<Visitor> {
    let stamp = format!("gatehouse:{external_id}");
    sim.state().visitors.into_values().filter(|v| v.header.description == stamp).collect()
}

pub fn live_visitor(sim: &RunningSim, guid: Uuid) -> Visitor {
    sim.state().visitors.remove(&guid).expect("the visitor exists in the simulator")
}

pub fn cardholder(sim: &RunningSim, guid: Uuid) -> Cardholder {
    sim.state().cardholders.remove(&guid).expect("the cardholder exists in the simulator")
}

pub fn credentials_of(sim: &RunningSim, owner: Uuid) -> Vec<SimCredential> {
    sim.state().credentials.into_values().filter(|c| c.cardholder == Some(owner)).collect()
}

pub fn members(sim: &RunningSim, group: Uuid) -> Vec<Uuid> {
    sim.state().cardholder_groups[&group].members.iter().copied().collect()
}

/// What an operator does in Security Desk: one `POST /entity?q=...` over the Web SDK as the
/// admin user. Returns the `Result` of an `Ok` answer, and fails the test on any other.
pub async fn as_operator(sim: &RunningSim, q: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/entity?q={q}", sim.base_url()))
        .basic_auth(format!("{ADMIN_USER};{ENVOY_APP_ID}"), Some(ADMIN_PASSWORD))
        .header("Accept", "text/json")
        .header("Content-Length", "0")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Rsp"]["Status"], "Ok", "{body}");
    body["Rsp"]["Result"].clone()
}

/// A visitor an operator creates by hand in Security Desk, carrying `external_id`'s
/// Description stamp as if Gatehouse had made it (a duplicate left by an old bug).
pub async fn plant_visitor(sim: &RunningSim, external_id: &str, first: &str, last: &str) -> Uuid {
    let q = format!(
        "entity=NewEntity(Visitor),Name={first} {last},FirstName={first},LastName={last},\
         Description=gatehouse:{external_id},Guid"
    );
    as_operator(sim, &q).await["Guid"].as_str().expect("the new visitor's GUID").parse().unwrap()
}

/// A Wiegand 26 card of facility 101 an operator creates and assigns in Security Desk.
pub async fn operator_card(sim: &RunningSim, number: u64, owner: Uuid) -> Uuid {
    let q = format!(
        "entity=NewEntity(Credential),Name=101-{number},Format=WiegandStandardCredentialFormat(101,{number}),\
         CardholderGuid={owner},Guid"
    );
    as_operator(sim, &q).await["Guid"].as_str().expect("the new credential's GUID").parse().unwrap()
}

/// What the door decides for `credential` presented now.
pub fn swipe_at(sim: &RunningSim, door: Uuid, credential: Uuid) -> gatehouse_sim_genetec::AccessEventType {
    let swipe = gatehouse_sim_genetec::BadgeSwipe {
        door,
        credential: Some(credential),
        cardholder: None,
        timestamp: None,
        decision: gatehouse_sim_genetec::BadgeDecision::Evaluate,
    };
    sim.swipe(&swipe).expect("the swipe is evaluated").event_type
}

/// Whether a visitor is active in the simulator now.
pub fn is_active(sim: &RunningSim, guid: Uuid) -> bool {
    use gatehouse_sim_genetec::model::status::State;
    live_visitor(sim, guid).person.status.effective_state(sim.now()) == State::Active
}
