//! The native fakes behave like the host, so logic tested against them holds in the real one.

use std::cell::Cell;
use std::rc::Rc;

use gatehouse_sdk::http::{HttpError, Method, Request, Response};
use gatehouse_sdk::kv::KvError;
use gatehouse_sdk::sql::{Rows, SqlError, Value};
use gatehouse_sdk::testing::FakeHost;
use gatehouse_sdk::{clock, http, kv, log, secrets, sql};

#[test]
fn allocation_hands_out_the_lowest_free_number_once_per_owner() {
    let _host = FakeHost::install();

    let a = kv::allocate_unique("cards", 10, 12, "alice").unwrap();
    let b = kv::allocate_unique("cards", 10, 12, "bob").unwrap();
    let a_again = kv::allocate_unique("cards", 10, 12, "alice").unwrap();

    assert_eq!((a, b, a_again), (10, 11, 10));
}

#[test]
fn allocation_skips_reserved_numbers_reuses_released_ones_and_never_wraps() {
    let host = FakeHost::install();
    kv::reserve_unique("cards", 1).unwrap();

    assert_eq!(kv::allocate_unique("cards", 1, 2, "alice"), Ok(2));
    assert_eq!(kv::allocate_unique("cards", 1, 2, "bob"), Err(KvError::Exhausted));
    kv::release_unique("cards", 2).unwrap();
    assert_eq!(kv::allocate_unique("cards", 1, 2, "bob"), Ok(2));
    assert_eq!(host.pool_in_use("cards"), vec![1, 2]);
}

#[test]
fn allocation_rejects_an_inverted_range() {
    let _host = FakeHost::install();

    assert!(matches!(kv::allocate_unique("cards", 5, 1, "alice"), Err(KvError::Invalid(_))));
}

#[test]
fn compare_and_swap_writes_only_over_the_expected_value() {
    let _host = FakeHost::install();

    assert_eq!(kv::compare_and_swap("k", None, Some(b"1")), Ok(true));
    assert_eq!(kv::compare_and_swap("k", None, Some(b"2")), Ok(false));
    assert_eq!(kv::compare_and_swap("k", Some(b"1"), None), Ok(true));
    assert_eq!(kv::get("k"), Ok(None));
}

#[test]
fn a_queued_kv_failure_hits_the_next_call_only() {
    let host = FakeHost::install();
    host.fail_next_kv(KvError::Unavailable("disk full".into()));

    assert!(kv::set("k", b"v").is_err());
    assert!(kv::set("k", b"v").is_ok());
    assert_eq!(host.kv_value("k"), Some(b"v".to_vec()));
}

#[test]
fn json_values_round_trip_through_kv() {
    let _host = FakeHost::install();

    kv::set_json("card", &1234u64).unwrap();

    assert_eq!(kv::get_json::<u64>("card").unwrap(), Some(1234));
}

#[test]
fn the_most_recent_matching_http_route_answers_and_every_request_is_recorded() {
    let host = FakeHost::install();
    host.on_http(Method::Get, "https://pacs.test/*", |_| Ok(Response::status(500))).on_http(
        Method::Get,
        "https://pacs.test/health",
        |_| Ok(Response::status(200)),
    );

    let health = Request::get("https://pacs.test/health?verbose=1").send().unwrap();
    let other = http::send(&Request::get("https://pacs.test/other")).unwrap();

    assert_eq!((health.status, other.status), (200, 500));
    assert_eq!(host.http_requests().len(), 2);
}

#[test]
fn an_http_request_no_route_matches_is_denied_like_an_ungranted_url() {
    let _host = FakeHost::install();

    let error = Request::post("https://elsewhere.test/").send().unwrap_err();

    assert!(matches!(error, HttpError::Denied(_)));
}

#[test]
fn a_route_handler_can_keep_state_between_requests() {
    let host = FakeHost::install();
    let calls = Rc::new(Cell::new(0));
    let counter = calls.clone();
    host.on_http(Method::Post, "https://pacs.test/flaky", move |_| {
        counter.set(counter.get() + 1);
        if counter.get() == 1 {
            Err(HttpError::Timeout)
        } else {
            Ok(Response::status(201))
        }
    });

    assert_eq!(Request::post("https://pacs.test/flaky").send(), Err(HttpError::Timeout));
    assert_eq!(Request::post("https://pacs.test/flaky").send().map(|r| r.status), Ok(201));
    assert_eq!(calls.get(), 2);
}

#[test]
fn sql_statements_are_answered_by_fragment_and_recorded_with_their_parameters() {
    let host = FakeHost::install();
    host.on_sql_query("FROM Cardholders WHERE", |params| {
        Ok(Rows::new(["Id", "Name"]).row([Value::Int(7), params[0].clone()]))
    })
    .on_sql_execute("UPDATE Cardholders", |_| Ok(1));

    let connection = sql::open("multimax").unwrap();
    let rows = connection.query("SELECT Id, Name\n  FROM   Cardholders WHERE Name = @P1", &["Ada".into()]).unwrap();
    let updated = connection.execute("UPDATE Cardholders SET Active = 0", &[]).unwrap();

    assert_eq!(rows.get(0, "name").and_then(Value::as_str), Some("Ada"));
    assert_eq!(rows.get(0, "Id").and_then(Value::as_i64), Some(7));
    assert_eq!(updated, 1);
    let calls = host.sql_calls();
    assert_eq!((calls[0].label.as_str(), calls[0].params.clone()), ("multimax", vec![Value::Text("Ada".into())]));
}

#[test]
fn an_unanswered_sql_statement_fails_and_opening_can_be_refused() {
    let host = FakeHost::install();
    let connection = sql::open("multimax").unwrap();
    assert!(matches!(connection.query("SELECT 1", &[]), Err(SqlError::Server(_))));

    host.on_sql_open(|label| Err(SqlError::Denied(label.to_string())));
    assert!(matches!(sql::open("multimax"), Err(SqlError::Denied(_))));
}

#[test]
fn secrets_reveal_their_value_but_never_print_it() {
    let host = FakeHost::install();
    host.set_secret("api-token", "s3cr3t");

    let secret = secrets::get("api-token").unwrap();

    assert_eq!(secret.reveal(), "s3cr3t");
    assert!(!format!("{secret:?}").contains("s3cr3t"));
    assert!(matches!(secrets::get("other"), Err(secrets::SecretsError::NotFound(_))));
}

#[test]
fn the_clock_is_whatever_the_test_says() {
    let host = FakeHost::install();
    assert_eq!(clock::now(), FakeHost::DEFAULT_NOW);

    host.set_now(1_000).advance(500);

    assert_eq!(clock::now(), 1_500);
}

#[test]
fn log_lines_are_captured_with_their_fields() {
    let host = FakeHost::install();

    log::info!("created {}", "P-1"; "external_id" => "visit-7", "attempt" => 2);
    log::warn!("plain");

    let logs = host.logs();
    assert_eq!(logs[0].message, "created P-1");
    assert_eq!(logs[0].fields, vec![("external_id".into(), "visit-7".into()), ("attempt".into(), "2".into())]);
    assert_eq!((logs[1].level, logs[1].message.as_str()), (log::Level::Warn, "plain"));
}

#[test]
#[should_panic(expected = "FakeHost::install()")]
fn a_capability_without_a_fake_host_says_how_to_install_one() {
    clock::now();
}
