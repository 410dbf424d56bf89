//! The hostile test plugin: each action run performs one attack on the host, chosen by
//! `params.attack`, so the host's tests can show every attack is contained.
//!
//! Protocol: `actions.run` with params `{"attack": "<name>", ...}`. Attacks that return report
//! `{"ok": ...}` in the outcome's `detail`; a host-call error is returned as an `Ok` outcome with
//! `{"error": "<variant>: <message>"}`, so a test can assert which typed error the host chose.

mod attacks;
#[cfg(test)]
mod tests;

use gatehouse_sdk::{Action, ActionDescriptor, ActionKind, Call, Check, Connector, ConnectorError, Manifest, Outcome};
use serde::Deserialize;

use attacks::Attack;

struct Hostile;

/// Every action kind accepts these parameters.
const PARAMS_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["attack"],
  "properties": {
    "attack": {"enum": ["noop", "spin", "grow-memory", "deep-recursion", "trap", "panic", "http",
                        "secret", "oversized-http-body", "oversized-kv-value", "host-call-loop"]},
    "url": {"type": "string"},
    "name": {"type": "string"},
    "bytes": {"type": "integer", "minimum": 0}
  }
}"#;

const ALL_ACTIONS: [ActionKind; 12] = [
    ActionKind::UpsertPerson,
    ActionKind::SetAccessWindow,
    ActionKind::AddGroups,
    ActionKind::RemoveGroups,
    ActionKind::IssueCard,
    ActionKind::IssuePin,
    ActionKind::RevokeCredentials,
    ActionKind::Activate,
    ActionKind::Deactivate,
    ActionKind::CheckOut,
    ActionKind::ErasePerson,
    ActionKind::SetPhoto,
];

#[derive(Deserialize)]
struct Params {
    #[serde(flatten)]
    attack: Attack,
}

impl Connector for Hostile {
    type Config = serde_json::Value;

    fn manifest() -> Manifest {
        Manifest {
            plugin_id: "hostile".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            vendor: "Gatehouse tests".into(),
            display_name: "Hostile test plugin".into(),
            config_schema: r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}"#.into(),
            required_secrets: vec![],
            sql_labels: vec![],
            actions: ALL_ACTIONS
                .iter()
                .map(|&kind| ActionDescriptor {
                    kind,
                    description: "Performs the attack named in params.attack.".into(),
                    params_schema: PARAMS_SCHEMA.into(),
                })
                .collect(),
            emits_events: false,
        }
    }

    fn validate(_config: serde_json::Value) -> Result<Vec<Check>, ConnectorError> {
        Ok(vec![Check { name: "hostility".into(), ok: true, detail: "ready to misbehave".into() }])
    }

    fn run(_config: serde_json::Value, call: Call, _action: Action) -> Result<Outcome, ConnectorError> {
        let params: Params = call.params()?;
        let detail = match params.attack.perform() {
            Ok(value) => serde_json::json!({ "ok": value }),
            Err(error) => serde_json::json!({ "error": error }),
        };
        Ok(Outcome { pacs_id: None, credential: None, changed: false, detail: detail.to_string() })
    }
}

gatehouse_sdk::export_connector!(Hostile);
