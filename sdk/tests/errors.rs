//! Capability failures and vendor statuses become the error kind that tells the host what to do.

use gatehouse_sdk::http::{HttpError, Response};
use gatehouse_sdk::kv::KvError;
use gatehouse_sdk::secrets::SecretsError;
use gatehouse_sdk::sql::{ServerError, SqlError};
use gatehouse_sdk::{ConnectorError, ErrorKind};

fn kind(error: impl Into<ConnectorError>) -> ErrorKind {
    error.into().kind
}

fn status(status: u16) -> ConnectorError {
    Response::status(status).error_for_status().unwrap_err()
}

fn server_error(number: u32) -> SqlError {
    SqlError::Server(ServerError { number, class: 14, message: "raised".into() })
}

#[test]
fn http_timeouts_and_dropped_connections_are_transient() {
    assert_eq!(kind(HttpError::Timeout), ErrorKind::Transient);
    assert_eq!(kind(HttpError::Connect("reset".into())), ErrorKind::Transient);
}

#[test]
fn http_denials_and_tls_failures_need_an_operator() {
    assert_eq!(kind(HttpError::Denied("loopback".into())), ErrorKind::Config);
    assert_eq!(kind(HttpError::Tls("untrusted".into())), ErrorKind::Config);
}

#[test]
fn http_statuses_map_to_kinds() {
    assert_eq!(status(401).kind, ErrorKind::Auth);
    assert_eq!(status(403).kind, ErrorKind::Auth);
    assert_eq!(status(409).kind, ErrorKind::Conflict);
    assert_eq!(status(429).kind, ErrorKind::Transient);
    assert_eq!(status(502).kind, ErrorKind::Transient);
    assert_eq!(status(400).kind, ErrorKind::Permanent);
    assert_eq!(status(404).kind, ErrorKind::Permanent);
    assert!(Response::status(204).error_for_status().is_ok());
}

#[test]
fn retry_after_seconds_become_the_retry_hint() {
    let error = Response::status(503).with_header("retry-after", "7").error_for_status().unwrap_err();

    assert_eq!(error.retry_after_ms, Some(7_000));
}

#[test]
fn an_error_body_is_cut_to_its_first_line_for_operators() {
    let mut response = Response::status(500);
    response.body = format!("boom: {}\n<html>...</html>", "x".repeat(500)).into_bytes();

    let error = response.error_for_status().unwrap_err();

    assert!(error.message.len() < 300 && error.message.contains("HTTP 500: boom"), "{}", error.message);
}

#[test]
fn sql_login_and_permission_failures_are_auth() {
    let login = SqlError::Login(ServerError { number: 18456, class: 14, message: "Login failed".into() });
    assert_eq!(kind(login), ErrorKind::Auth);
    assert_eq!(kind(server_error(229)), ErrorKind::Auth);
}

#[test]
fn sql_duplicate_keys_conflict_and_deadlocks_retry() {
    assert_eq!(kind(server_error(2627)), ErrorKind::Conflict);
    assert_eq!(kind(server_error(1205)), ErrorKind::Transient);
    assert_eq!(kind(server_error(8152)), ErrorKind::Permanent);
    assert_eq!(kind(SqlError::Connect("refused".into())), ErrorKind::Transient);
    assert_eq!(kind(SqlError::Denied("label".into())), ErrorKind::Config);
}

#[test]
fn a_missing_secret_is_a_config_error_naming_it() {
    let error: ConnectorError = SecretsError::NotFound("api-token".into()).into();

    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("api-token"));
}

#[test]
fn an_exhausted_number_range_needs_an_operator_and_an_unavailable_store_retries() {
    assert_eq!(kind(KvError::Exhausted), ErrorKind::Config);
    assert_eq!(kind(KvError::Unavailable("busy".into())), ErrorKind::Transient);
    assert_eq!(kind(KvError::TooLarge(1024)), ErrorKind::Permanent);
}

#[test]
fn context_and_retry_hints_compose() {
    let error = ConnectorError::transient("vendor busy").retry_after_ms(500).context("creating cardholder");

    assert_eq!(error.message, "creating cardholder: vendor busy");
    assert_eq!(error.retry_after_ms, Some(500));
}
