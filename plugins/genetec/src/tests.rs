//! Native unit tests of the connector's logic against the SDK's fake host: fake Web SDK
//! routes answer with envelopes, kv and secrets are in memory. The end-to-end tests
//! (built component, real host, running simulator) live in the `tests` crate.

use std::cell::RefCell;
use std::rc::Rc;

use gatehouse_sdk::http::{HttpError, Method, Request, Response};
use gatehouse_sdk::testing::samples::{self, call, visitor, window};
use gatehouse_sdk::testing::FakeHost;
use gatehouse_sdk::{Action, Connector, Credential, ErrorKind, Person, PersonKind, PersonRef, Windowed};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::client::LAST_REQUEST_KEY;
use crate::Genetec;

mod fake_sc;
mod markers;
mod photo;

const BASE: &str = "https://sc.test:4590/WebSdk";
const VISITOR: &str = "f0000000-0000-4000-8000-000000000001";
const OTHER: &str = "f0000000-0000-4000-8000-0000000000ff";
const CREDENTIAL: &str = "ce000000-0000-4000-8000-000000000001";

fn config(extra: Value) -> crate::Config {
    let mut config = json!({
        "web_sdk_url": BASE, "username": "envoy", "application_id": "app+id/1",
        "cards": {"facility_code": 101, "min": 1000, "max": 1002}
    });
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    serde_json::from_value(config).unwrap()
}

/// The SDK's sample visitor, with a comma in the name that every query must escape.
fn person(external_id: &str) -> Person {
    Person { last_name: "Lovelace, Jr.".into(), ..samples::person(external_id) }
}

fn ok(result: Value) -> Result<Response, HttpError> {
    Ok(Response::json(200, &json!({"Rsp": {"Status": "Ok", "Result": result}})))
}

fn ok_write() -> Result<Response, HttpError> {
    Ok(Response::json(200, &json!({"Rsp": {"Status": "Ok"}})))
}

fn fail(code: &str, message: &str) -> Result<Response, HttpError> {
    Ok(Response::json(200, &json!({"Rsp": {"Status": "Fail", "Result": {"SdkErrorCode": code, "Message": message}}})))
}

/// The decoded `q` of a request.
fn q(request: &Request) -> String {
    let query = request.url.split_once("?q=").map_or("", |(_, q)| q);
    percent_decode_str(query).decode_utf8_lossy().into_owned()
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

/// A fake host whose Web SDK session is warm (no keep-alive ping) and which knows
/// nobody yet.
fn host() -> FakeHost {
    let host = FakeHost::install();
    host.set_secret("password", "pw")
        .set_kv(LAST_REQUEST_KEY, FakeHost::DEFAULT_NOW.to_string())
        .on_http(Method::Get, &url("/"), |_| ok_write())
        .on_http(Method::Get, &url("/report/EntityConfiguration"), |_| ok(json!([])));
    host
}

fn requests(host: &FakeHost, method: Method, fragment: &str) -> Vec<String> {
    host.http_requests().iter().filter(|r| r.method == method).map(q).filter(|q| q.contains(fragment)).collect()
}

/// Answers entity reads of the visitor with these fields.
fn visitor_reads(host: &FakeHost, fields: Value) {
    host.on_http(Method::Get, &url("/entity"), move |r| {
        assert!(q(r).starts_with(&format!("entity={VISITOR}")), "{}", q(r));
        let mut object = json!({
            "Guid": VISITOR, "Description": "gatehouse:visit-7", "Status": {"State": "Active"}, "Groups": [], "Credentials": []
        });
        object.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        ok(object)
    });
}

#[test]
fn upsert_creates_the_visitor_once_and_the_second_call_finds_it_through_kv() {
    let host = host();
    host.on_http(Method::Post, &url("/entity"), |_| ok(json!({"Guid": VISITOR})));
    visitor_reads(&host, json!({"Name": "Ada Lovelace, Jr.", "FirstName": "Ada", "LastName": "Lovelace, Jr."}));

    let first = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();
    let second = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!((first.pacs_id.as_deref(), first.changed), (Some(VISITOR), true));
    assert_eq!((second.pacs_id.as_deref(), second.changed), (Some(VISITOR), false));
    let creates = requests(&host, Method::Post, "NewEntity(Visitor)");
    assert_eq!(creates.len(), 1);
    assert_eq!(
        creates[0],
        r"entity=NewEntity(Visitor),Name=Ada Lovelace\, Jr.,FirstName=Ada,LastName=Lovelace\, Jr.,Description=gatehouse:visit-7,Guid"
    );
    assert_eq!(host.kv_value("visitor/visit-7"), Some(VISITOR.as_bytes().to_vec()));
    assert!(serde_json::from_str::<Value>(&first.detail).unwrap()["visitor"] == VISITOR);
}

#[test]
fn a_visitor_created_just_before_a_crash_is_found_by_its_external_id_stamp() {
    let host = host();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |r| {
        assert!(q(r).contains("EntityTypes@Visitor,Description=gatehouse:visit-7"), "{}", q(r));
        ok(json!([{"Guid": VISITOR}]))
    });
    host.on_http(Method::Get, &url("/entity"), |r| {
        assert!(q(r).contains("Description"), "every visitor read checks the marker: {}", q(r));
        ok(json!({
            "Guid": VISITOR, "Description": "gatehouse:visit-7",
            "Name": "Ada Lovelace, Jr.", "FirstName": "Ada", "LastName": "Lovelace, Jr."
        }))
    });

    let outcome = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!((outcome.pacs_id.as_deref(), outcome.changed), (Some(VISITOR), false));
    assert!(host.http_requests().iter().all(|r| r.method != Method::Post));
}

#[test]
fn a_stamp_that_only_starts_with_the_external_id_is_another_visitor() {
    let host = host();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |_| ok(json!([{"Guid": OTHER}])))
        .on_http(Method::Get, &url("/entity"), |_| ok(json!({"Guid": OTHER, "Description": "gatehouse:visit-70"})))
        .on_http(Method::Post, &url("/entity"), |_| ok(json!({"Guid": VISITOR})));

    let outcome = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    assert_eq!(outcome.pacs_id.as_deref(), Some(VISITOR));
    assert_eq!(requests(&host, Method::Post, "NewEntity(Visitor)").len(), 1);
}

#[test]
fn contact_details_and_the_partition_go_into_the_creating_request_only_when_configured() {
    let host = host();
    host.on_http(Method::Post, &url("/entity"), |_| ok(json!({"Guid": VISITOR})));
    let mut with_contact = person("visit-7");
    with_contact.include_contact = true;
    let config = config(json!({"partition": "5a000000-0000-4000-8000-000000000001"}));

    Genetec::run(config, call(json!({})), Action::UpsertPerson(with_contact)).unwrap();

    let create = &requests(&host, Method::Post, "NewEntity")[0];
    assert!(create.contains("EmailAddress=ada@example.com,MobilePhoneNumber=+44 20 0000"), "{create}");
    assert!(create.contains("InsertIntoPartition(5a000000-0000-4000-8000-000000000001)"), "{create}");
    let raw = host.http_requests().into_iter().find(|r| r.method == Method::Post).unwrap();
    assert!(raw.url.contains("MobilePhoneNumber=%2B44%2020%200000"), "{}", raw.url);
}

#[test]
fn every_request_authenticates_as_user_semicolon_application_id_and_posts_say_content_length_zero() {
    let host = host();
    host.on_http(Method::Post, &url("/entity"), |_| ok(json!({"Guid": VISITOR})));

    Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    // base64("envoy;app+id/1:pw")
    let expected = "Basic ZW52b3k7YXBwK2lkLzE6cHc=";
    for request in host.http_requests() {
        assert_eq!(request.header_value("authorization"), Some(expected), "{}", request.url);
        assert_eq!(request.header_value("accept"), Some("text/json"));
    }
    let post = host.http_requests().into_iter().find(|r| r.method == Method::Post).unwrap();
    assert_eq!((post.header_value("content-length"), post.body.as_deref()), (Some("0"), Some(&[][..])));
}

#[test]
fn visitors_get_arrival_and_departure_and_never_an_activation_date() {
    let host = host();
    host.set_kv("visitor/visit-7", VISITOR);
    visitor_reads(&host, json!({"Arrival": null, "Departure": null}));
    host.on_http(Method::Post, &url("/entity"), |_| ok_write());

    let outcome = Genetec::run(
        config(json!({})),
        call(json!({})),
        Action::SetAccessWindow(Windowed { who: visitor("visit-7"), window: window(1) }),
    )
    .unwrap();

    assert!(outcome.changed);
    let writes = requests(&host, Method::Post, "");
    assert_eq!(writes, vec![format!("entity={VISITOR},Arrival=2025-01-01T00:00:00Z,Departure=2025-01-01T01:00:00Z")]);
    assert!(host.http_requests().iter().all(|r| !q(r).contains("ActivationDate")));
}

/// A visitor known in kv, and a credential route that answers per card number.
fn card_host(answer: impl Fn(u64) -> Result<Response, HttpError> + 'static) -> (FakeHost, Rc<RefCell<Vec<u64>>>) {
    let host = host();
    host.set_kv("visitor/visit-7", VISITOR);
    visitor_reads(&host, json!({"Name": "Ada Lovelace"}));
    let tried = Rc::new(RefCell::new(Vec::new()));
    let seen = tried.clone();
    host.on_http(Method::Post, &url("/entity"), move |r| {
        let text = q(r);
        let number = text.split("WiegandStandardCredentialFormat(101,").nth(1).unwrap().split(')').next().unwrap();
        let number: u64 = number.parse().unwrap();
        seen.borrow_mut().push(number);
        answer(number)
    });
    (host, tried)
}

fn issue_card() -> Result<gatehouse_sdk::Outcome, gatehouse_sdk::ConnectorError> {
    Genetec::run(
        config(json!({})),
        call(json!({})),
        Action::IssueCard(Windowed { who: visitor("visit-7"), window: window(1) }),
    )
}

#[test]
fn a_card_number_taken_by_someone_else_is_reserved_and_the_next_one_is_issued() {
    let (host, tried) = card_host(|number| match number {
        1000 => fail(
            "EntityAlreadyExists",
            "A credential with unique id WiegandStandardCredentialFormat(101,1000) already exists",
        ),
        _ => ok(json!({"Guid": CREDENTIAL})),
    });
    host.on_http(Method::Get, &url("/report/CredentialConfiguration"), |r| {
        assert!(q(r).contains("UniqueIds@WiegandStandardCredentialFormat(101,1000)"), "{}", q(r));
        ok(json!([{"Guid": "ce000000-0000-4000-8000-0000000000aa"}]))
    });
    host.on_http(Method::Get, &url("/entity"), |r| match q(r).contains("CardholderGuid") {
        true => ok(json!({"Guid": "ce000000-0000-4000-8000-0000000000aa", "CardholderGuid": OTHER})),
        false => ok(json!({"Guid": VISITOR, "Description": "gatehouse:visit-7", "Credentials": []})),
    });

    let outcome = issue_card().unwrap();

    let Some(Credential::Card(card)) = outcome.credential else { panic!("no card in {outcome:?}") };
    assert_eq!((card.card_number, card.facility_code, card.format.as_str()), (1001, 101, "wiegand-standard-26"));
    assert_eq!(*tried.borrow(), vec![1000, 1001]);
    assert_eq!(host.pool_in_use("cards/wiegand-standard-26/101"), vec![1000, 1001]);
    let create = &requests(&host, Method::Post, "1001")[0];
    assert!(
        create.contains(&format!(
            "CardholderGuid={VISITOR},Status.Activate(2025-01-01T00:00:00Z,2025-01-01T01:00:00Z),Guid"
        )),
        "{create}"
    );
}

#[test]
fn a_card_an_interrupted_attempt_created_is_adopted_not_duplicated() {
    let (host, tried) = card_host(|_| fail("EntityAlreadyExists", "exists"));
    host.on_http(Method::Get, &url("/report/CredentialConfiguration"), |_| ok(json!([{"Guid": CREDENTIAL}])));
    host.on_http(Method::Get, &url("/entity"), |r| match q(r).contains("CardholderGuid") {
        true => ok(json!({"Guid": CREDENTIAL, "CardholderGuid": VISITOR})),
        false => ok(json!({"Guid": VISITOR, "Description": "gatehouse:visit-7", "Credentials": [CREDENTIAL]})),
    });

    let outcome = issue_card().unwrap();

    assert!(matches!(outcome.credential, Some(Credential::Card(ref c)) if c.card_number == 1000), "{outcome:?}");
    assert_eq!(*tried.borrow(), vec![1000]);
    assert_eq!(host.pool_in_use("cards/wiegand-standard-26/101"), vec![1000]);
}

#[test]
fn a_retried_issue_card_returns_the_same_card_without_creating_another() {
    let (host, tried) = card_host(|_| ok(json!({"Guid": CREDENTIAL})));

    let first = issue_card().unwrap();
    host.on_http(Method::Get, &url("/entity"), |r| match q(r).contains("Status") && q(r).contains(CREDENTIAL) {
        true => ok(json!({"Guid": CREDENTIAL, "Status": {"State": "Active", "ActivationDate": "2025-01-01T00:00:00Z", "ExpirationDate": "2025-01-01T01:00:00Z"}})),
        false => ok(json!({"Guid": VISITOR, "Description": "gatehouse:visit-7", "Credentials": [CREDENTIAL]})),
    });
    let retry = issue_card().unwrap();

    assert_eq!(first.credential, retry.credential);
    assert!(!retry.changed);
    assert_eq!(*tried.borrow(), vec![1000]);
}

#[test]
fn a_full_card_range_is_a_config_error_and_a_missing_range_too() {
    let (host, _) = card_host(|_| fail("EntityAlreadyExists", "exists"));
    host.on_http(Method::Get, &url("/report/CredentialConfiguration"), |_| ok(json!([])));
    assert_eq!(issue_card().unwrap_err().kind, ErrorKind::Config);

    let mut no_cards = config(json!({}));
    no_cards.cards = None;
    let error = Genetec::run(
        no_cards,
        call(json!({})),
        Action::IssueCard(Windowed { who: visitor("visit-7"), window: window(1) }),
    )
    .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Config);
}

#[test]
fn revoking_deletes_our_credentials_and_frees_their_numbers() {
    let (host, _) = card_host(|_| ok(json!({"Guid": CREDENTIAL})));
    host.on_http(Method::Delete, &url(&format!("/entity/{CREDENTIAL}")), |_| ok_write());
    issue_card().unwrap();

    let outcome =
        Genetec::run(config(json!({})), call(json!({})), Action::RevokeCredentials(visitor("visit-7"))).unwrap();

    assert!(outcome.changed);
    assert!(host.pool_in_use("cards/wiegand-standard-26/101").is_empty());
    assert_eq!(host.kv_value("credentials/visitor/visit-7"), None);
}

#[test]
fn adding_groups_sends_only_the_missing_memberships() {
    let host = host();
    host.set_kv("visitor/visit-7", VISITOR);
    visitor_reads(&host, json!({"Groups": ["c9000000-0000-4000-8000-000000000003"]}));
    host.on_http(Method::Post, &url("/entity"), |_| ok_write());
    let groups = json!({"groups": ["c9000000-0000-4000-8000-000000000003", "C9000000000040008000000000000004"]});

    let outcome = Genetec::run(config(json!({})), call(groups), Action::AddGroups(visitor("visit-7"))).unwrap();

    assert!(outcome.changed);
    assert_eq!(
        requests(&host, Method::Post, ""),
        vec![format!("entity={VISITOR},Groups@c9000000-0000-4000-8000-000000000004")]
    );
}

#[test]
fn a_group_refused_for_a_visitor_is_a_config_error_naming_the_visitor_rule() {
    let host = host();
    host.set_kv("visitor/visit-7", VISITOR);
    visitor_reads(&host, json!({}));
    host.on_http(Method::Post, &url("/entity"), |_| {
        fail("InvalidOperation", "Group 'Engineering' is not available for visitors")
    });

    let error =
        Genetec::run(config(json!({})), call(json!({"groups": [OTHER]})), Action::AddGroups(visitor("visit-7")))
            .unwrap_err();

    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("Available for visitors"), "{}", error.message);
}

#[test]
fn http_failures_map_to_error_kinds_that_say_whether_to_retry() {
    let host = host();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |_| Ok(Response::status(401)));
    let auth = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("v"))).unwrap_err();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |_| {
        Ok(Response::status(503).with_header("Retry-After", "7"))
    });
    let busy = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("v"))).unwrap_err();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |_| Err(HttpError::Timeout));
    let timeout = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("v"))).unwrap_err();

    assert_eq!(auth.kind, ErrorKind::Auth);
    assert_eq!((busy.kind, busy.retry_after_ms), (ErrorKind::Transient, Some(7000)));
    assert_eq!(timeout.kind, ErrorKind::Transient);
}

#[test]
fn a_cold_session_is_warmed_with_a_ping_first_and_a_warm_one_is_not() {
    let host = host();
    host.set_kv(LAST_REQUEST_KEY, (FakeHost::DEFAULT_NOW - 5 * 60_000).to_string());
    host.on_http(Method::Post, &url("/entity"), |_| ok(json!({"Guid": VISITOR})));

    Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();
    let cold = host.http_requests().len();
    assert_eq!(host.http_requests()[0].url, url("/"));
    host.advance(60_000);
    Genetec::run(config(json!({})), call(json!({})), Action::RevokeCredentials(visitor("nobody"))).unwrap();

    assert!(host.http_requests()[cold..].iter().all(|r| r.url != url("/")));
    assert_eq!(host.kv_value(LAST_REQUEST_KEY), Some((FakeHost::DEFAULT_NOW + 60_000).to_string().into_bytes()));
}

#[test]
fn a_redirect_to_the_same_host_is_followed_with_the_credentials_and_another_host_is_refused() {
    let host = host();
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |_| {
        Ok(Response::status(307).with_header("Location", "https://sc.test:4591/WebSdk/report/EntityConfiguration?q=x"))
    })
    .on_http(Method::Get, "https://sc.test:4591/WebSdk/report/EntityConfiguration", |r| {
        assert!(r.header_value("authorization").is_some());
        ok(json!([]))
    })
    .on_http(Method::Post, &url("/entity"), |_| ok(json!({"Guid": VISITOR})));
    Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-7"))).unwrap();

    host.on_http(Method::Get, &url("/report/EntityConfiguration"), |_| {
        Ok(Response::status(302).with_header("Location", "https://evil.test/steal"))
    });
    let error = Genetec::run(config(json!({})), call(json!({})), Action::UpsertPerson(person("visit-8"))).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Config);
    assert!(host.http_requests().iter().all(|r| !r.url.contains("evil")));
}

#[test]
fn an_excluded_employee_is_never_touched() {
    let host = host();
    let config = config(json!({"employees": {"method": "checkin-required", "excluded": ["CEO@acme.example"]}}));
    let ceo = PersonRef {
        kind: PersonKind::Employee,
        external_id: "emp-1".into(),
        pacs_id: None,
        email: Some("ceo@acme.example".into()),
    };

    let outcome = Genetec::run(config, call(json!({})), Action::Activate(ceo)).unwrap();

    assert!(!outcome.changed);
    assert!(outcome.detail.contains("excluded"), "{}", outcome.detail);
    assert!(host.http_requests().is_empty());
}

#[test]
fn validate_explains_a_403_as_the_licence_part_or_the_sdk_privilege() {
    let host = host();
    host.on_http(Method::Get, &url("/"), |_| Ok(Response::status(403)));

    let checks = Genetec::validate(config(json!({}))).unwrap();

    let connection = checks.iter().find(|c| c.name == "connection").unwrap();
    assert!(!connection.ok);
    assert!(
        connection.detail.contains("GSC-1SDK-ENVOY-Visitors") && connection.detail.contains("Log on using the SDK")
    );
}

#[test]
fn validate_refuses_a_card_range_outside_the_format_before_any_request() {
    let host = host();
    let checks = Genetec::validate(config(json!({"cards": {"facility_code": 101, "min": 0, "max": 70000}}))).unwrap();

    assert_eq!(checks.len(), 1);
    assert!(!checks[0].ok && checks[0].detail.contains("65535"), "{checks:?}");
    assert!(host.http_requests().is_empty());
}

#[test]
fn pickers_follow_pages_by_the_extra_row_rule_and_mark_visitor_groups() {
    let host = host();
    let guid = |i: usize| format!("c9000000-0000-4000-8000-{i:012}");
    host.on_http(Method::Get, &url("/report/EntityConfiguration"), move |r| {
        let text = q(r);
        let rows: Vec<Value> = match text.contains("Page=1,") {
            true => (0..201).map(|i| json!({"Guid": guid(i)})).collect(),
            false => (200..203).map(|i| json!({"Guid": guid(i)})).collect(),
        };
        ok(Value::Array(rows))
    })
    .on_http(Method::Get, &url("/entity"), |r| {
        let guids: Vec<String> = q(r).split("entity=").skip(1).map(|s| s[..36].to_string()).collect();
        ok(Value::Array(
            guids
                .iter()
                .map(|g| json!({"Guid": g, "Name": format!("G {g}"), "IsVisitorGroup": g.ends_with("202")}))
                .collect(),
        ))
    });

    let options = Genetec::list_options(config(json!({})), "cardholder-groups").unwrap();

    assert_eq!(options.len(), 203);
    assert_eq!(options.iter().filter(|o| o.detail.as_deref() == Some("visitor-enabled")).count(), 1);
}
