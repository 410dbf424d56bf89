//! The plugin `versioned`, in whichever version its crate says: `versioned-v1` (1.0.0) and
//! `versioned-v2` (2.0.0) compile this same file, so the registry tests get two versions of one
//! plugin whose behaviour differs only by the version they report.
//!
//! Each run also counts itself in `kv` under its idempotency key and reports the count, so a
//! host test can prove from the plugin's side that no action ran twice.

use gatehouse_sdk::{
    kv, Action, ActionDescriptor, ActionKind, Call, Check, Connector, ConnectorError, Manifest, Outcome,
};
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
            // The three actions every visitor type of a policy needs, so the service tests can give
            // an install of this plugin a real policy.
            actions: [ActionKind::UpsertPerson, ActionKind::SetAccessWindow, ActionKind::RevokeCredentials]
                .into_iter()
                .map(|kind| ActionDescriptor {
                    kind,
                    description: "Reports the plugin version that ran.".into(),
                    params_schema: r#"{"type": "object"}"#.into(),
                })
                .collect(),
            emits_events: false,
        }
    }

    fn validate(_config: Value) -> Result<Vec<Check>, ConnectorError> {
        Ok(vec![])
    }

    fn run(_config: Value, call: Call, _action: Action) -> Result<Outcome, ConnectorError> {
        let runs = count_run(&call.idempotency_key)?;
        let detail = json!({ "version": VERSION, "runs": runs }).to_string();
        Ok(Outcome { pacs_id: None, credential: None, changed: false, detail })
    }
}

/// How many times an action with this idempotency key has run, this run included.
fn count_run(idempotency_key: &str) -> Result<u64, ConnectorError> {
    let key = format!("runs/{idempotency_key}");
    loop {
        let current = kv::get(&key)?;
        let previous = current.as_deref().and_then(|bytes| std::str::from_utf8(bytes).ok()?.parse::<u64>().ok());
        let runs = previous.unwrap_or(0) + 1;
        if kv::compare_and_swap(&key, current.as_deref(), Some(runs.to_string().as_bytes()))? {
            return Ok(runs);
        }
    }
}

gatehouse_sdk::export_connector!(Versioned);
