//! The AMAG Symmetry connector.
//!
//! Symmetry is reached the way its Data Connect licence allows: writes are rows in
//! `multiMAXImport.dbo.DataImportTable` that Symmetry's import service applies; reads go to the
//! `multiMAX` database. Both are SQL Server databases behind the host's `sql` capability, opened
//! by label ("multimax", "import"); the connector never sees a DSN or a password.
//!
//! Files: `lib.rs` (what the connector is), `config.rs` (what an install configures), `setup.rs`
//! (validation and pickers), `visitors.rs`, `upsert.rs` and `employees.rs` (the actions),
//! `marker.rs` (Gatehouse's marker on its visitor cards, and finding them), `changes.rs` (one
//! verified change on a card), `cards.rs` (card numbers), `import.rs` (import rows, polling,
//! outcomes), `db.rs` (every SQL statement), `text.rs` (what code page 1252 and the column
//! lengths keep of a name), `time.rs` (the SMS server's local time), `params.rs` (policy
//! parameters).

mod cards;
mod changes;
mod config;
mod db;
mod employees;
mod import;
mod marker;
mod params;
mod setup;
#[cfg(test)]
mod tests;
mod text;
mod time;
mod upsert;
mod visitors;

use gatehouse_sdk::{
    Action, ActionDescriptor, ActionKind, Call, Check, Connector, ConnectorError, Manifest, OptionItem, Outcome,
    PersonKind,
};

pub use config::Config;

/// The connector. It has no state: every call starts from a fresh instance.
pub struct Symmetry;

impl Connector for Symmetry {
    type Config = Config;

    fn manifest() -> Manifest {
        let action = ActionDescriptor::new;
        use params::{ACCESS_CODE_PARAMS, ISSUE_CARD_PARAMS, ISSUE_PIN_PARAMS, NO_PARAMS};
        Manifest {
            plugin_id: "symmetry".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            vendor: "AMAG".into(),
            display_name: "AMAG Symmetry".into(),
            config_schema: config::SCHEMA.into(),
            required_secrets: vec![],
            sql_labels: vec![db::MULTIMAX.into(), db::IMPORT.into()],
            actions: vec![
                action(ActionKind::UpsertPerson, "Visitors: finds the card by Gatehouse's marker (personal data 48-50 by default) and updates names and contact fields (RecordRequest 1), else adds the cardholder with a marked card from the install's range (0); names Symmetry cannot spell are warnings in detail.warnings. Employees: looks up the card by email.", NO_PARAMS),
                action(ActionKind::SetAccessWindow, "Sets the visitor card's ActiveDate and ExpiryDate, in the SMS server's local time (RecordRequest 1), and re-enables a forced-inactive card while the window is not over (5).", NO_PARAMS),
                action(ActionKind::AddGroups, "Adds the access codes in params.access_codes to the card (RecordRequest 3 per code).", ACCESS_CODE_PARAMS),
                action(ActionKind::RemoveGroups, "Removes the access codes in params.access_codes from every card of the visitor (RecordRequest 6 per code).", ACCESS_CODE_PARAMS),
                action(ActionKind::IssueCard, "Gives the visitor's card the window and returns its number, facility code and format.", ISSUE_CARD_PARAMS),
                action(ActionKind::IssuePin, "Sets a new PIN on the visitor's card (RecordRequest 1) and returns it.", ISSUE_PIN_PARAMS),
                action(ActionKind::RevokeCredentials, "Expires every card of the visitor now (RecordRequest 1) and forces it inactive (RecordRequest 2); no card is no change.", NO_PARAMS),
                action(ActionKind::Activate, "Enables the card (RecordRequest 5); for employees only with enable-during-sign-in on.", NO_PARAMS),
                action(ActionKind::Deactivate, "Forces the card inactive (RecordRequest 2); for employees only with disable-during-sign-out on.", NO_PARAMS),
                action(ActionKind::ErasePerson, "Strips every card of the visitor: access codes removed (4), names, contact fields and the marker's ids replaced (1), expired and inactive (2); frees the numbers.", NO_PARAMS),
            ],
            emits_events: false,
        }
    }

    fn self_test() -> Result<(), String> {
        for (name, schema) in [
            ("config", config::SCHEMA),
            ("access codes", params::ACCESS_CODE_PARAMS),
            ("issue-card", params::ISSUE_CARD_PARAMS),
            ("issue-pin", params::ISSUE_PIN_PARAMS),
        ] {
            serde_json::from_str::<serde_json::Value>(schema)
                .map_err(|e| format!("the {name} schema is not JSON: {e}"))?;
        }
        let zone: chrono_tz::Tz =
            "America/New_York".parse().map_err(|_| "the time zone database is missing".to_string())?;
        // 2025-01-01T12:00:00Z is 07:00 on a New York wall clock.
        let local = time::SmsTime::from_utc(1_735_732_800_000, zone).map_err(|e| e.message)?;
        if local.to_string() != "2025-01-01 07:00:00" {
            return Err(format!("time zone conversion is wrong: got {local}"));
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
        let install = config.checked()?;
        match subject(&action) {
            PersonKind::Visitor => visitors::run(&install, &call, action),
            PersonKind::Employee => employees::run(&install, &call, action),
        }
    }
}

/// Whether the action is about a visitor or an employee.
fn subject(action: &Action) -> PersonKind {
    match action {
        Action::UpsertPerson(person) => person.identity.kind,
        Action::SetAccessWindow(w) | Action::IssueCard(w) | Action::IssuePin(w) => w.who.kind,
        Action::SetPhoto(update) => update.who.kind,
        Action::AddGroups(who)
        | Action::RemoveGroups(who)
        | Action::RevokeCredentials(who)
        | Action::Activate(who)
        | Action::Deactivate(who)
        | Action::CheckOut(who)
        | Action::ErasePerson(who) => who.kind,
    }
}

gatehouse_sdk::export_connector!(Symmetry);
