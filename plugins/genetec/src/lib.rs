//! The Genetec Security Center connector: visitors, employees, QR cards and PINs over the
//! Security Center Web SDK (`shared/specs/genetec-websdk.md`).
//!
//! This file says what the connector is (the manifest) and which module handles each
//! action; nothing else. Where to look:
//! - `config.rs` (+ `config.schema.json`): the install configuration, checked;
//! - `client.rs`: HTTP, auth, redirects, session keep-alive; `envelope.rs` reads the
//!   answers tolerantly; `error.rs` maps failures to error kinds;
//! - `query.rs`: the `q=` builder and its escaping;
//! - `entities.rs`: searches, paged reports, batched reads; `people.rs`: finding a
//!   person's record idempotently (kv, PACS id, marker, email); `markers.rs`: the
//!   external id stamped on visitors, and every record that carries it;
//! - `visitors.rs`, `employees.rs`, `groups.rs`, `credentials.rs` (+ `card_format.rs`,
//!   `pin.rs`, `names.rs`): the actions; `signout.rs` + `revoke.rs`: the actions that
//!   take a visitor's access away, on every record of the visit; `photo.rs`: the
//!   visitor's picture;
//! - `events.rs`: badge events for auto check-in; `setup.rs`: validation and pickers.

mod card_format;
mod client;
mod config;
mod credentials;
mod employees;
mod entities;
mod envelope;
mod error;
mod events;
mod groups;
mod guid;
mod markers;
mod names;
mod people;
mod photo;
mod pin;
mod query;
mod revoke;
mod setup;
mod signout;
#[cfg(test)]
mod tests;
mod visitors;

use gatehouse_sdk::{
    Action, ActionDescriptor, ActionKind, Batch, Call, Check, Connector, ConnectorError, Credential, Manifest,
    OptionItem, Outcome, PersonKind, PersonRef,
};
use serde_json::json;

pub use config::Config;
use config::PASSWORD_SECRET;
use entities::Directory;
use groups::{Edit, GroupsParams};

/// The connector. Stateless: every call starts from a fresh instance.
pub struct Genetec;

/// Actions without parameters.
const NO_PARAMS: &str =
    r#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "additionalProperties": false}"#;

impl Connector for Genetec {
    type Config = Config;

    fn manifest() -> Manifest {
        let action = ActionDescriptor::new;
        Manifest {
            plugin_id: "genetec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            vendor: "Genetec".into(),
            display_name: "Genetec Security Center".into(),
            config_schema: config::SCHEMA.into(),
            required_secrets: vec![PASSWORD_SECRET.into()],
            sql_labels: vec![],
            actions: vec![
                action(ActionKind::UpsertPerson, "Visitors: creates or updates the Visitor entity (found again by the external id stamped on it, never by name; further records carrying it are deactivated and stripped of their credentials). Employees: finds the cardholder by email; never creates one unless employees.create_missing.", NO_PARAMS),
                action(ActionKind::SetAccessWindow, "Visitors: sets Arrival/Departure, and the same validity on the credentials Gatehouse issued. Employees (check-in required, toggle user status): Status.Activate(from, to).", NO_PARAMS),
                action(ActionKind::AddGroups, "Adds the person to the cardholder groups in params.groups (only the missing memberships).", groups::PARAMS_SCHEMA),
                action(ActionKind::RemoveGroups, "Removes the person from the cardholder groups in params.groups; for visitors, every record carrying the visit's marker. Nothing to remove is not an error.", groups::PARAMS_SCHEMA),
                action(ActionKind::IssueCard, "Issues a QR code card credential from the install's card range and format, valid for the window, and returns its number.", credentials::ISSUE_CARD_PARAMS),
                action(ActionKind::IssuePin, "Issues a keypad PIN credential of pin_length digits, valid for the window, and returns the PIN.", NO_PARAMS),
                action(ActionKind::RevokeCredentials, "Deletes the credentials Gatehouse issued to the person and frees their card numbers; for visitors also takes away every credential a record carrying the visit's marker holds (deleted when from the install's range, unassigned otherwise). Nothing to revoke is not an error.", NO_PARAMS),
                action(ActionKind::Activate, "Visitors: check-in (Status.Activate()). Employees: enables the cardholder, or with toggle access groups adds the configured access groups.", NO_PARAMS),
                action(ActionKind::Deactivate, "Visitors: disables every record carrying the visit's marker (none is not an error). Employees: disables the cardholder, or with toggle access groups removes the configured access groups.", NO_PARAMS),
                action(ActionKind::CheckOut, "Visitors: revokes credentials as revoke-credentials does and checks out (Checkout()) every record carrying the visit's marker, which archives it.", NO_PARAMS),
                action(ActionKind::ErasePerson, "Visitors: deletes every record carrying the visit's marker and its credentials. Employees: deletes Gatehouse's credentials only; the cardholder stays.", NO_PARAMS),
                action(ActionKind::SetPhoto, "Visitors: uploads the photo (PNG or JPEG) as the Picture of the visitor carrying the visit's marker, unless it already is. Employees' pictures are Security Center's own and are never replaced.", NO_PARAMS),
            ],
            emits_events: true,
        }
    }

    fn self_test() -> Result<(), String> {
        serde_json::from_str::<serde_json::Value>(config::SCHEMA).map_err(|e| format!("config schema: {e}"))?;
        serde_json::from_str::<serde_json::Value>(groups::PARAMS_SCHEMA).map_err(|e| format!("groups schema: {e}"))?;
        let escaped = query::Query::new().set("Name", query::Value::text("a,b")).text();
        if escaped != r"Name=a\,b" {
            return Err(format!("q escaping is broken: {escaped}"));
        }
        Ok(())
    }

    fn validate(config: Config) -> Result<Vec<Check>, ConnectorError> {
        setup::validate(config)
    }

    fn list_options(config: Config, picker: &str) -> Result<Vec<OptionItem>, ConnectorError> {
        setup::list_options(config, picker)
    }

    fn run(config: Config, call: Call, action: Action) -> Result<Outcome, ConnectorError> {
        let settings = config.checked().map_err(ConnectorError::config)?;
        let directory = Directory::new(&settings);
        run(&directory, &call, action)
    }

    fn poll(config: Config, cursor: Option<String>, max: u32) -> Result<Batch, ConnectorError> {
        let settings = config.checked().map_err(ConnectorError::config)?;
        events::poll(&settings, cursor, max)
    }
}

fn run(directory: &Directory, call: &Call, action: Action) -> Result<Outcome, ConnectorError> {
    use PersonKind::{Employee, Visitor};
    match action {
        Action::UpsertPerson(person) => match person.identity.kind {
            Visitor => visitors::upsert(directory, &person),
            Employee => employees::upsert(directory, &person),
        },
        Action::SetAccessWindow(w) => match w.who.kind {
            Visitor => visitors::set_access_window(directory, &w.who, &w.window),
            Employee => employees::set_access_window(directory, &w.who, &w.window),
        },
        Action::AddGroups(who) => change_groups(directory, call, &who, Edit::Add),
        Action::RemoveGroups(who) => change_groups(directory, call, &who, Edit::Remove),
        Action::IssueCard(w) => match employees::guard(directory, &w.who)? {
            Some(excluded) => Ok(excluded),
            None => credentials::issue_card(directory, &w.who, &w.window),
        },
        Action::IssuePin(w) => match employees::guard(directory, &w.who)? {
            Some(excluded) => Ok(excluded),
            None => credentials::issue_pin(directory, &w.who, &w.window, &call.idempotency_key),
        },
        Action::RevokeCredentials(who) => match who.kind {
            Visitor => signout::revoke(directory, &who),
            Employee => match employees::guard(directory, &who)? {
                Some(excluded) => Ok(excluded),
                None => employees::revoke(directory, &who),
            },
        },
        Action::Activate(who) => match who.kind {
            Visitor => visitors::check_in(directory, &who),
            Employee => employees::activate(directory, &who),
        },
        Action::Deactivate(who) => match who.kind {
            Visitor => signout::deactivate(directory, &who),
            Employee => employees::deactivate(directory, &who),
        },
        Action::CheckOut(who) => match who.kind {
            Visitor => signout::check_out(directory, &who),
            Employee => Err(ConnectorError::permanent(
                "check-out archives visitors; for an employee's sign-out the policy sends deactivate",
            )),
        },
        Action::ErasePerson(who) => match who.kind {
            Visitor => signout::erase(directory, &who),
            Employee => employees::forget(directory, &who),
        },
        Action::SetPhoto(update) => photo::set(directory, &update),
    }
}

fn change_groups(directory: &Directory, call: &Call, who: &PersonRef, edit: Edit) -> Result<Outcome, ConnectorError> {
    let groups = call.params::<GroupsParams>()?.guids()?;
    match who.kind {
        PersonKind::Employee => employees::change_groups(directory, who, &groups, edit),
        PersonKind::Visitor => match edit {
            Edit::Add => groups::change(directory, who, &people::require(directory, who)?, &groups, edit),
            Edit::Remove => signout::remove_groups(directory, who, &groups),
        },
    }
}

/// An action's outcome; `detail` keeps the Genetec GUIDs for the job trail.
fn outcome(
    pacs_id: Option<guid::Guid>,
    credential: Option<Credential>,
    changed: bool,
    detail: serde_json::Value,
) -> Outcome {
    Outcome { pacs_id: pacs_id.map(|g| g.to_string()), credential, changed, detail: detail.to_string() }
}

/// Adds the outcome warnings, when there are any: `"warnings": ["plain words", …]` in
/// the detail, which the host attaches to the job as a warning.
fn with_warnings(mut detail: serde_json::Value, warnings: Vec<String>) -> serde_json::Value {
    if !warnings.is_empty() {
        detail["warnings"] = json!(warnings);
    }
    detail
}

gatehouse_sdk::export_connector!(Genetec);
