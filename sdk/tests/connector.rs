//! The export glue: what the host sees when it calls a connector with raw JSON.

use gatehouse_sdk::bindings::exports::gatehouse::connector::{actions, setup};
use gatehouse_sdk::{
    Action, Call, Check, Connector, ConnectorError, ErrorKind, Manifest, Outcome, PersonKind, PersonRef,
};
use serde::Deserialize;

struct Echo;

#[derive(Deserialize)]
struct Config {
    site: String,
}

#[derive(Deserialize)]
struct Params {
    group: String,
}

impl Connector for Echo {
    type Config = Config;

    fn manifest() -> Manifest {
        unreachable!("not called by these tests")
    }

    fn validate(config: Config) -> Result<Vec<Check>, ConnectorError> {
        Ok(vec![Check { name: "site".into(), ok: true, detail: config.site }])
    }

    fn run(config: Config, call: Call, _action: Action) -> Result<Outcome, ConnectorError> {
        let params: Params = call.params()?;
        let detail = format!("{}:{}:{}", config.site, params.group, call.idempotency_key);
        Ok(Outcome { pacs_id: None, credential: None, changed: true, detail })
    }
}

fn activate() -> Action {
    Action::Activate(PersonRef { kind: PersonKind::Visitor, external_id: "v-1".into(), pacs_id: None, email: None })
}

fn context(config: &str, params: &str) -> actions::CallContext {
    actions::CallContext { config: config.into(), params: params.into(), idempotency_key: "key-1".into() }
}

#[test]
fn run_receives_the_typed_config_params_and_idempotency_key() {
    let outcome =
        <Echo as actions::Guest>::run(context(r#"{"site": "hq"}"#, r#"{"group": "lobby"}"#), activate()).unwrap();

    assert_eq!(outcome.detail, "hq:lobby:key-1");
}

#[test]
fn a_config_that_does_not_parse_is_a_config_error_saying_why() {
    let error = <Echo as actions::Guest>::run(context(r#"{"sight": "hq"}"#, "{}"), activate()).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("missing field `site`"), "{}", error.message);
}

#[test]
fn params_that_do_not_parse_are_a_config_error() {
    let error =
        <Echo as actions::Guest>::run(context(r#"{"site": "hq"}"#, r#"{"groups": []}"#), activate()).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Config);
    assert!(error.message.contains("action parameters"), "{}", error.message);
}

#[test]
fn validate_reports_a_config_that_does_not_parse_as_a_failed_check() {
    let checks = <Echo as setup::Guest>::validate("not json".into()).unwrap();

    assert_eq!(checks.len(), 1);
    assert!(!checks[0].ok && checks[0].name == "configuration", "{checks:?}");
}

#[test]
fn the_default_picker_list_is_a_permanent_error_naming_the_picker() {
    let error = <Echo as setup::Guest>::list_options(r#"{"site": "hq"}"#.into(), "doors".into()).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Permanent);
    assert!(error.message.contains("doors"));
}
