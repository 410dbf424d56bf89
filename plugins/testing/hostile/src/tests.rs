//! The reporting protocol, checked natively; the attacks themselves are exercised against the
//! real host by host/runtime's tests.

use gatehouse_sdk::http::{HttpError, Method, Response};
use gatehouse_sdk::kv::KvError;
use gatehouse_sdk::testing::FakeHost;
use gatehouse_sdk::{Action, Call, Connector, PersonKind, PersonRef};
use serde_json::{json, Value};

use crate::Hostile;

fn attack(params: Value) -> Value {
    let call = Call { params: params.to_string(), idempotency_key: "k".into() };
    let who = PersonRef { kind: PersonKind::Visitor, external_id: "v".into(), pacs_id: None, email: None };
    let outcome = Hostile::run(json!({}), call, Action::Activate(who)).unwrap();
    serde_json::from_str(&outcome.detail).unwrap()
}

#[test]
fn noop_succeeds() {
    let _host = FakeHost::install();

    assert_eq!(attack(json!({"attack": "noop"})), json!({"ok": "noop"}));
}

#[test]
fn host_errors_come_back_as_variant_and_message() {
    let host = FakeHost::install();
    host.on_http(Method::Get, "http://169.254.169.254/*", |_| Err(HttpError::Denied("metadata address".into())))
        .fail_next_kv(KvError::TooLarge(1024));

    assert_eq!(
        attack(json!({"attack": "http", "url": "http://169.254.169.254/latest"})),
        json!({"error": "denied: metadata address"})
    );
    assert_eq!(attack(json!({"attack": "secret", "name": "theirs"})), json!({"error": "not-found: theirs"}));
    assert_eq!(attack(json!({"attack": "oversized-kv-value", "bytes": 2048})), json!({"error": "too-large: 1024"}));
}

#[test]
fn successes_report_what_was_reached() {
    let host = FakeHost::install();
    host.set_secret("mine", "value").on_http(Method::Post, "https://allowed.test/", |_| Ok(Response::status(201)));

    assert_eq!(attack(json!({"attack": "secret", "name": "mine"})), json!({"ok": "value"}));
    assert_eq!(
        attack(json!({"attack": "oversized-http-body", "url": "https://allowed.test/", "bytes": 16})),
        json!({"ok": 201})
    );
}

#[test]
fn an_unknown_attack_is_a_config_error() {
    let _host = FakeHost::install();
    let call = Call { params: json!({"attack": "teleport"}).to_string(), idempotency_key: "k".into() };
    let who = PersonRef { kind: PersonKind::Visitor, external_id: "v".into(), pacs_id: None, email: None };

    let error = Hostile::run(json!({}), call, Action::Activate(who)).unwrap_err();

    assert_eq!(error.kind, gatehouse_sdk::ErrorKind::Config);
}
