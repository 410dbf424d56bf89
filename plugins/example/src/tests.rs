//! Unit tests of the connector's logic, run natively with `cargo test` against the SDK's fake
//! host: a fake Example PACS answers the HTTP routes, kv and secrets are in memory.

use std::cell::RefCell;
use std::rc::Rc;

use gatehouse_sdk::http::{Method, Response};
use gatehouse_sdk::testing::samples::{call, person, visitor, window};
use gatehouse_sdk::testing::FakeHost;
use gatehouse_sdk::{Action, Connector, Credential, ErrorKind, Windowed};
use serde_json::{json, Value};

use crate::actions::{card_key, person_key, CARD_POOL};
use crate::Example;

const BASE: &str = "https://pacs.test/api";

fn config() -> crate::Config {
    serde_json::from_value(json!({
        "base_url": format!("{BASE}/"),
        "card_range": {"first": 1000, "last": 1002},
        "facility_code": 42
    }))
    .unwrap()
}

/// A fake host with the API token set and a PACS that knows nobody yet.
fn host() -> FakeHost {
    let host = FakeHost::install();
    host.set_secret("api-token", "t0k3n")
        .on_http(Method::Get, &format!("{BASE}/people"), |_| Ok(Response::json(200, &json!([]))))
        .on_http(Method::Post, &format!("{BASE}/people"), |_| Ok(Response::json(201, &json!({"id": "P-1"}))));
    host
}

fn requests_to(host: &FakeHost, method: Method, url: &str) -> usize {
    host.http_requests().iter().filter(|r| r.method == method && r.url == url).count()
}

#[test]
fn upsert_creates_the_person_once_and_updates_on_the_next_call() {
    let host = host();
    host.on_http(Method::Put, &format!("{BASE}/people/P-1"), |_| Ok(Response::status(204)));

    let first = Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();
    let second = Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!(first.pacs_id.as_deref(), Some("P-1"));
    assert_eq!(second.pacs_id.as_deref(), Some("P-1"));
    assert_eq!(requests_to(&host, Method::Post, &format!("{BASE}/people")), 1);
    assert_eq!(requests_to(&host, Method::Put, &format!("{BASE}/people/P-1")), 1);
    assert_eq!(host.kv_value(&person_key("visit-7")), Some(b"P-1".to_vec()));
}

#[test]
fn upsert_sends_the_token_the_idempotency_key_and_no_contact_without_opt_in() {
    let host = host();
    Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    let create = host.http_requests().into_iter().find(|r| r.method == Method::Post).unwrap();
    assert_eq!(create.header_value("authorization"), Some("Bearer t0k3n"));
    assert_eq!(create.header_value("idempotency-key"), Some("job-1/step-1"));
    let body: Value = serde_json::from_slice(create.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"external_id": "visit-7", "first_name": "Ada", "last_name": "Lovelace", "kind": "visitor"})
    );
}

#[test]
fn upsert_finds_a_person_created_before_a_crash_instead_of_creating_a_duplicate() {
    let host = host();
    host.on_http(Method::Get, &format!("{BASE}/people"), |r| {
        assert!(r.url.ends_with("?external_id=visit-7"));
        Ok(Response::json(200, &json!([{"id": "P-9"}])))
    })
    .on_http(Method::Put, &format!("{BASE}/people/P-9"), |_| Ok(Response::status(204)));

    let outcome = Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!(outcome.pacs_id.as_deref(), Some("P-9"));
    assert_eq!(requests_to(&host, Method::Post, &format!("{BASE}/people")), 0);
}

#[test]
fn issue_card_skips_numbers_the_pacs_has_taken_and_a_retry_returns_the_same_card() {
    let host = host();
    host.set_kv(&person_key("visit-7"), "P-1");
    let posted = Rc::new(RefCell::new(Vec::new()));
    let seen = posted.clone();
    host.on_http(Method::Post, &format!("{BASE}/people/P-1/cards"), move |r| {
        let card: Value = serde_json::from_slice(r.body.as_deref().unwrap()).unwrap();
        seen.borrow_mut().push(card["number"].as_u64().unwrap());
        // 1000 belongs to somebody Gatehouse does not know about.
        Ok(Response::status(if card["number"] == 1000 { 409 } else { 201 }))
    });
    let issue = || {
        Example::run(
            config(),
            call(json!({})),
            Action::IssueCard(Windowed { who: visitor("visit-7"), window: window(1) }),
        )
    };

    let first = issue().unwrap();
    let retry = issue().unwrap();

    let Some(Credential::Card(card)) = first.credential else { panic!("no card in {first:?}") };
    assert_eq!((card.card_number, card.facility_code), (1001, 42));
    assert_eq!(retry.credential, Some(Credential::Card(card)));
    assert_eq!(*posted.borrow(), vec![1000, 1001, 1001]);
    assert_eq!(host.pool_in_use(CARD_POOL), vec![1000, 1001]);
}

#[test]
fn a_full_card_range_is_a_config_error() {
    let host = host();
    host.set_kv(&person_key("visit-7"), "P-1")
        .on_http(Method::Post, &format!("{BASE}/people/P-1/cards"), |_| Ok(Response::status(409)));

    let error = Example::run(
        config(),
        call(json!({})),
        Action::IssueCard(Windowed { who: visitor("visit-7"), window: window(1) }),
    )
    .unwrap_err();

    assert_eq!(error.kind, ErrorKind::Config, "{error:?}");
}

#[test]
fn revoking_frees_the_card_number_for_the_next_person() {
    let host = host();
    host.set_kv(&person_key("visit-7"), "P-1")
        .on_http(Method::Post, &format!("{BASE}/people/P-1/cards"), |_| Ok(Response::status(201)))
        .on_http(Method::Delete, &format!("{BASE}/people/P-1/cards"), |_| Ok(Response::status(204)));
    Example::run(config(), call(json!({})), Action::IssueCard(Windowed { who: visitor("visit-7"), window: window(1) }))
        .unwrap();

    let revoked = Example::run(config(), call(json!({})), Action::RevokeCredentials(visitor("visit-7"))).unwrap();

    assert!(revoked.changed);
    assert!(host.pool_in_use(CARD_POOL).is_empty());
    assert_eq!(host.kv_value(&card_key("visit-7")), None);
}

#[test]
fn removing_a_membership_the_pacs_does_not_have_changes_nothing() {
    let host = host();
    host.set_kv(&person_key("visit-7"), "P-1").on_http(
        Method::Delete,
        &format!("{BASE}/people/P-1/groups/lobby"),
        |_| Ok(Response::status(404)),
    );

    let outcome =
        Example::run(config(), call(json!({"groups": ["lobby"]})), Action::RemoveGroups(visitor("visit-7"))).unwrap();

    assert!(!outcome.changed);
}

#[test]
fn vendor_failures_map_to_error_kinds_that_say_whether_to_retry() {
    let host = host();
    host.on_http(Method::Post, &format!("{BASE}/people"), |_| Ok(Response::status(401)));
    let auth = Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap_err();

    host.on_http(Method::Post, &format!("{BASE}/people"), |_| {
        Ok(Response::status(503).with_header("Retry-After", "30"))
    });
    let busy = Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap_err();

    assert_eq!(auth.kind, ErrorKind::Auth);
    assert_eq!((busy.kind, busy.retry_after_ms), (ErrorKind::Transient, Some(30_000)));
}

#[test]
fn a_missing_api_token_is_a_config_error_naming_the_secret() {
    let _host = FakeHost::install();

    let error = Example::run(config(), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("api-token"), "{}", error.message);
}

#[test]
fn validate_reports_a_bad_card_range_as_a_failed_check() {
    let _host = host();
    let config = serde_json::from_value(json!({"base_url": BASE, "card_range": {"first": 9, "last": 1}})).unwrap();

    let checks = Example::validate(config).unwrap();

    assert_eq!(checks.len(), 1);
    assert!(!checks[0].ok && checks[0].detail.contains("card_range"), "{checks:?}");
}

#[test]
fn validate_checks_the_connection_with_the_token() {
    let host = host();
    host.on_http(Method::Get, &format!("{BASE}/health"), |_| Ok(Response::status(200)));

    let checks = Example::validate(config()).unwrap();

    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert_eq!(checks.last().unwrap().name, "connection");
}

#[test]
fn the_groups_picker_lists_the_pacs_groups() {
    let host = host();
    host.on_http(Method::Get, &format!("{BASE}/groups"), |_| {
        Ok(Response::json(200, &json!([{"id": "g1", "name": "Lobby"}, {"id": "g2", "name": "Floor 3"}])))
    });

    let options = Example::list_options(config(), "groups").unwrap();

    let labels: Vec<_> = options.iter().map(|o| (o.id.as_str(), o.label.as_str())).collect();
    assert_eq!(labels, [("g1", "Lobby"), ("g2", "Floor 3")]);
}

#[test]
fn unsupported_actions_are_permanent_errors() {
    let _host = host();

    let error = Example::run(config(), call(json!({})), Action::Activate(visitor("visit-7"))).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Permanent);
}
