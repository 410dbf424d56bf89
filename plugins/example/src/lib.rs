//! The example connector: the starting point for a new vendor.
//!
//! It drives a small REST PACS (see `pacs.rs` for the API) through the host's capabilities:
//! `http` for every vendor call, `secrets` for the API token, `kv` to remember which PACS record
//! belongs to which Gatehouse person and to hand out card numbers, `log` for the job trail.
//! Copy this folder, rename the crate, and replace `pacs.rs` with your vendor's API.
//!
//! Files: `lib.rs` (what the connector is: manifest, validation, pickers), `actions.rs` (what it
//! does), `pacs.rs` (how it talks to the vendor), `config.rs` (what an install configures),
//! `tests.rs` (native unit tests against the SDK's fake host).

mod actions;
mod config;
mod pacs;
#[cfg(test)]
mod tests;

use gatehouse_sdk::{
    secrets, Action, ActionDescriptor, ActionKind, Call, Check, Connector, ConnectorError, Manifest, OptionItem,
    Outcome,
};

use config::{Config, API_TOKEN_SECRET};
use pacs::Pacs;

/// The connector. It has no state: every call starts from a fresh instance.
pub struct Example;

/// The picker this connector serves in set-up forms.
const GROUPS_PICKER: &str = "groups";

impl Connector for Example {
    type Config = Config;

    fn manifest() -> Manifest {
        let action = ActionDescriptor::new;
        Manifest {
            plugin_id: "example".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            vendor: "Example Corp".into(),
            display_name: "Example PACS".into(),
            config_schema: config::SCHEMA.into(),
            required_secrets: vec![API_TOKEN_SECRET.into()],
            sql_labels: vec![],
            actions: vec![
                action(ActionKind::UpsertPerson, "Creates or updates the person record.", actions::NO_PARAMS),
                action(
                    ActionKind::AddGroups,
                    "Adds the person to the groups in params.groups.",
                    actions::GROUPS_PARAMS,
                ),
                action(
                    ActionKind::RemoveGroups,
                    "Removes the person from the groups in params.groups.",
                    actions::GROUPS_PARAMS,
                ),
                action(
                    ActionKind::IssueCard,
                    "Issues a card from the install's range, valid for the window.",
                    actions::NO_PARAMS,
                ),
                action(ActionKind::RevokeCredentials, "Revokes every card and frees its number.", actions::NO_PARAMS),
                action(ActionKind::ErasePerson, "Erases the person and their cards.", actions::NO_PARAMS),
            ],
            emits_events: false,
        }
    }

    fn validate(config: Config) -> Result<Vec<Check>, ConnectorError> {
        let config = match config.checked() {
            Ok(config) => config,
            Err(error) => return Ok(vec![failed("configuration", error.message)]),
        };
        let mut checks = vec![Check { name: "configuration".into(), ok: true, detail: "complete".into() }];
        if let Err(error) = secrets::get(API_TOKEN_SECRET) {
            checks.push(failed("api token", ConnectorError::from(error).message));
            return Ok(checks);
        }
        checks.push(match Pacs::new(&config).health() {
            Ok(()) => Check { name: "connection".into(), ok: true, detail: format!("{} answers", config.base_url) },
            Err(error) => failed("connection", error.message),
        });
        Ok(checks)
    }

    fn list_options(config: Config, picker: &str) -> Result<Vec<OptionItem>, ConnectorError> {
        if picker != GROUPS_PICKER {
            return Err(ConnectorError::permanent(format!(
                "unknown picker {picker:?}; this connector offers \"groups\""
            )));
        }
        let config = config.checked()?;
        let groups = Pacs::new(&config).groups()?;
        Ok(groups.into_iter().map(|g| OptionItem { id: g.id, label: g.name, detail: None }).collect())
    }

    fn run(config: Config, call: Call, action: Action) -> Result<Outcome, ConnectorError> {
        actions::run(&config.checked()?, &call, action)
    }
}

fn failed(name: &str, detail: String) -> Check {
    Check { name: name.into(), ok: false, detail }
}

gatehouse_sdk::export_connector!(Example);
