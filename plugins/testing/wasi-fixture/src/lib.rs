//! A WASI-importing connector for the host's deny-all WASI test.
//!
//! Every `actions.run` writes to stdout and stderr (the host routes both to the plugin log),
//! tries to read a file and an environment variable, and reports in the outcome's `detail` what
//! it got, e.g. `{"file": {"error": "..."}, "env": {"error": "..."}, "env_count": 0}`. A
//! deny-all host yields errors for both and no environment at all.

use gatehouse_sdk::{Action, Call, Check, Connector, ConnectorError, Manifest, Outcome};
use serde::Deserialize;
use serde_json::{json, Value};

struct WasiFixture;

#[derive(Deserialize)]
struct Params {
    /// The file to try to read.
    #[serde(default = "default_path")]
    path: String,
    /// The environment variable to try to read.
    #[serde(default = "default_var")]
    var: String,
}

fn default_path() -> String {
    "/etc/passwd".into()
}

fn default_var() -> String {
    "HOME".into()
}

impl Connector for WasiFixture {
    type Config = Value;

    fn manifest() -> Manifest {
        Manifest {
            plugin_id: "wasi-fixture".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            vendor: "Gatehouse tests".into(),
            display_name: "WASI fixture".into(),
            config_schema: r#"{"type": "object"}"#.into(),
            required_secrets: vec![],
            sql_labels: vec![],
            actions: vec![gatehouse_sdk::ActionDescriptor {
                kind: gatehouse_sdk::ActionKind::UpsertPerson,
                description: "Probes the WASI sandbox and reports what it could reach.".into(),
                params_schema:
                    r#"{"type": "object", "properties": {"path": {"type": "string"}, "var": {"type": "string"}}}"#
                        .into(),
            }],
            emits_events: false,
        }
    }

    fn validate(_config: Value) -> Result<Vec<Check>, ConnectorError> {
        Ok(vec![])
    }

    fn run(_config: Value, call: Call, _action: Action) -> Result<Outcome, ConnectorError> {
        let params: Params = call.params()?;
        println!("wasi-fixture: hello on stdout");
        eprintln!("wasi-fixture: hello on stderr");
        let file = match std::fs::read_to_string(&params.path) {
            Ok(text) => json!({ "ok": text }),
            Err(e) => json!({ "error": e.to_string() }),
        };
        let env = match std::env::var(&params.var) {
            Ok(value) => json!({ "ok": value }),
            Err(e) => json!({ "error": e.to_string() }),
        };
        let detail = json!({ "file": file, "env": env, "env_count": std::env::vars_os().count() });
        Ok(Outcome { pacs_id: None, credential: None, changed: false, detail: detail.to_string() })
    }
}

gatehouse_sdk::export_connector!(WasiFixture);
