//! Error classes: what an operator reads and whether the host retries.

use gatehouse_sdk::sql::{ServerError, SqlError};
use gatehouse_sdk::{Action, Connector, ErrorKind};
use serde_json::json;

use super::*;
use crate::Symmetry;

fn revoke() -> Result<gatehouse_sdk::Outcome, gatehouse_sdk::ConnectorError> {
    Symmetry::run(config(json!({})), call("job-1/0", json!({})), Action::RevokeCredentials(visitor("visit-1")))
}

fn server_error(number: u32, message: &str) -> ServerError {
    ServerError { number, class: 14, message: message.into() }
}

#[test]
fn a_refused_login_is_an_auth_error_naming_the_database_and_the_fix() {
    let host = FakeHost::install();
    host.on_sql_open(|_| Err(SqlError::Login(server_error(18456, "Login failed for user 'envoy'."))));

    let error = revoke().unwrap_err();

    assert_eq!(error.kind, ErrorKind::Auth);
    assert!(error.message.contains("\"multimax\""), "{}", error.message);
    assert!(error.message.contains("user name and password"), "{}", error.message);
}

#[test]
fn an_import_database_that_cannot_be_opened_is_a_config_error_naming_data_connect() {
    let host = FakeHost::install();
    host.on_sql_open(|label| match label {
        "import" => Err(SqlError::Login(server_error(
            4060,
            "Cannot open database \"multiMAXImport\" requested by the login. The login failed.",
        ))),
        _ => Ok(()),
    });

    let error = revoke().unwrap_err();

    assert_eq!(error.kind, ErrorKind::Config);
    assert!(
        error.message.contains("Data Connect") && error.message.contains("Dataconnect licence"),
        "{}",
        error.message
    );
}

#[test]
fn a_denied_permission_is_an_auth_error_that_says_which_grants_are_needed() {
    let host = FakeHost::install();
    host.on_sql_query("FROM dbo.ViewSMSCardHolder", |_| {
        Err(SqlError::Server(server_error(229, "The SELECT permission was denied on the object 'ViewSMSCardHolders'")))
    });
    host.set_kv(
        &crate::visitors::record_key("visit-1"),
        br#"{"card_number":1000,"facility_code":42,"card_id":1}"#.to_vec(),
    );

    let error = revoke().unwrap_err();

    assert_eq!(error.kind, ErrorKind::Auth);
    assert!(error.message.contains("grant the login SELECT"), "{}", error.message);
}

#[test]
fn a_dropped_connection_is_transient() {
    let host = FakeHost::install();
    host.on_sql_open(|label| {
        if label == "import" {
            Err(SqlError::Connect("connection reset by peer".into()))
        } else {
            Ok(())
        }
    });

    assert_eq!(revoke().unwrap_err().kind, ErrorKind::Transient);
}

#[test]
fn validation_reports_each_failure_in_plain_words() {
    let host = FakeHost::install();
    host.on_sql_open(|label| match label {
        "import" => Err(SqlError::Login(server_error(18456, "Login failed for user 'envoy'."))),
        _ => Ok(()),
    });
    host.on_sql_query("SELECT 1", |_| Ok(gatehouse_sdk::sql::Rows::new([""]).row([1.into()])));
    host.on_sql_query("FROM dbo.CompanyTable WHERE CompanyID", |_| {
        Ok(gatehouse_sdk::sql::Rows::new(["CompanyID", "CompanyName"]))
    });
    host.on_sql_query("FROM dbo.CardInfoTable WHERE CustomerCodeNumber", |_| {
        Ok(gatehouse_sdk::sql::Rows::new(["Taken"]).row([10.into()]))
    });
    host.on_sql_query("FROM dbo.AccessCodeTable", |_| {
        Ok(gatehouse_sdk::sql::Rows::new(["AccessCodeID", "AccessCodeName", "CompanyID"]))
    });

    let checks = Symmetry::validate(config(json!({}))).unwrap();

    let failed: Vec<(&str, &str)> =
        checks.iter().filter(|c| !c.ok).map(|c| (c.name.as_str(), c.detail.as_str())).collect();
    assert_eq!(failed.len(), 3, "{checks:?}");
    assert!(failed[0].0 == "import database" && failed[0].1.contains("refused the login"), "{failed:?}");
    assert!(failed[1].0 == "company" && failed[1].1.contains("company 3 does not exist"), "{failed:?}");
    assert!(failed[2].0 == "card range" && failed[2].1.contains("every number of 1000-1009"), "{failed:?}");
}

#[test]
fn configuration_mistakes_are_config_errors_before_any_database_is_touched() {
    let _host = FakeHost::install();
    for (extra, says) in [
        (json!({"time_zone": "Mars/Olympus"}), "IANA"),
        (json!({"cards": {"min": 2000, "max": 1000, "facility_code": 1}}), "greater than"),
        (json!({"cards": {"min": 0, "max": 1000, "facility_code": 1}}), "at least 1"),
        (json!({"workplace": {"enabled": true}}), "email_field is not set"),
        (
            json!({"workplace": {"enabled": true, "email_field": 12}, "visitor_fields": {"email": 12}}),
            "visitors would match",
        ),
        (json!({"batch_reference_prefix": "it's mine"}), "batch_reference_prefix"),
    ] {
        let error = config(extra).checked().unwrap_err();
        assert_eq!(error.kind, ErrorKind::Config);
        assert!(error.message.contains(says), "{} should say {says}", error.message);
    }
    let out_of_range: Result<Config, _> = serde_json::from_value(json!({"workplace": {"email_field": 51}}));
    assert!(out_of_range.unwrap_err().to_string().contains("1 to 50"));
}
