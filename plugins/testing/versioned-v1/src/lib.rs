//! The plugin `versioned`, in whichever version its crate says: `versioned-v1` (1.0.0) and
//! `versioned-v2` (2.0.0) compile this same file, so the registry tests get two versions of one
//! plugin whose behaviour differs only by the version they report.

use gatehouse_sdk::{Action, ActionDescriptor, ActionKind, Call, Check, Connector, ConnectorError, Manifest, Outcome};
use serde_json::{json, Value};

const VERSION: &str = env!("CARGO_PKG_VERSION");

struct Versioned;

impl Connector for Versioned {
    type Config = Value;

    fn manifest() -> Manifest {
        Manifest {
            plugin_id: "versioned".into(),
            version: VERSION.into(),
            vendor: "Gatehouse tests".into(),
            display_name: "Versioned test plugin".into(),
            config_schema: r#"{"type": "object"}"#.into(),
            required_secrets: vec![],
            sql_labels: vec![],
            actions: vec![ActionDescriptor {
                kind: ActionKind::UpsertPerson,
                description: "Reports the plugin version that ran.".into(),
                params_schema: r#"{"type": "object"}"#.into(),
            }],
            emits_events: false,
        }
    }

    fn validate(_config: Value) -> Result<Vec<Check>, ConnectorError> {
        Ok(vec![])
    }

    fn run(_config: Value, _call: Call, _action: Action) -> Result<Outcome, ConnectorError> {
        Ok(Outcome { pacs_id: None, credential: None, changed: false, detail: json!({ "version": VERSION }).to_string() })
    }
}

gatehouse_sdk::export_connector!(Versioned);
