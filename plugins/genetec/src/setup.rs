//! Install set-up: the live validation an operator runs before saving, and the
//! contents of the set-up form's pickers.
//!
//! Validation says in plain words what is wrong and what to do (seed A1/A3): a refused
//! password, an unactivated licence part or a missing SDK privilege, a partition or
//! group that does not exist, a card range the format cannot hold, a user without the
//! "View cardholder properties" or "View door properties" privilege, or without the
//! "Door activities" privilege that auto check-in needs.

use gatehouse_sdk::{clock, secrets, Check, ConnectorError, OptionItem};

use crate::config::{Config, EmployeeMethod, IdStore, RestrictedAccess, Settings, PASSWORD_SECRET};
use crate::credentials;
use crate::entities::{Directory, EntityType};
use crate::envelope;
use crate::error::{FailCode, WebSdkError};
use crate::guid::Guid;
use crate::markers;
use crate::query::{Query, Value};

pub const PICKERS: [&str; 5] = ["partitions", "cardholder-groups", "doors", "sites", "card-formats"];

fn check(name: &str, result: Result<String, String>) -> Check {
    match result {
        Ok(detail) => Check { name: name.into(), ok: true, detail },
        Err(detail) => Check { name: name.into(), ok: false, detail },
    }
}

fn message(error: impl Into<ConnectorError>) -> String {
    error.into().message
}

pub fn validate(config: Config) -> Result<Vec<Check>, ConnectorError> {
    let settings = match config.checked() {
        Ok(settings) => settings,
        Err(problem) => return Ok(vec![check("configuration", Err(problem))]),
    };
    let mut checks = vec![check("configuration", Ok("complete".into()))];
    if let Err(error) = secrets::get(PASSWORD_SECRET) {
        checks.push(check("password", Err(message(error))));
        return Ok(checks);
    }
    let directory = Directory::new(&settings);
    let connection = directory.sdk.ping().map_err(message).map(|()| {
        format!(
            "the Web SDK at {} accepted user {:?} and the application id",
            settings.connection.base_url, settings.connection.username
        )
    });
    let connected = connection.is_ok();
    checks.push(check("connection", connection));
    if !connected {
        return Ok(checks);
    }
    checks.push(check("cardholder properties", may_view(&directory, EntityType::Cardholder)));
    checks.push(check("door properties", may_view(&directory, EntityType::Door)));
    checks.push(check("partition", partition(&directory, &settings)));
    if let IdStore::CustomField(field) = &settings.id_store {
        checks.push(check("external id field", external_id_field(&directory, field)));
    }
    if let Some(cards) = &settings.cards {
        let spec = cards.format.spec();
        let detail =
            format!("{} cards {}–{} with facility code {}", spec.label, cards.min, cards.max, cards.facility_code);
        checks.push(check("card range", Ok(detail)));
    }
    match &settings.employees.method {
        EmployeeMethod::CheckInRequired(RestrictedAccess::ToggleGroups(groups)) => {
            checks.push(check("access groups", entities_are(&directory, groups, EntityType::CardholderGroup)));
        }
        EmployeeMethod::AutoCheckIn { sites, doors } => {
            checks.push(check("sites", entities_are(&directory, sites, EntityType::Area)));
            checks.push(check("doors", entities_are(&directory, doors, EntityType::Door)));
            checks.push(check("door activities", door_activities(&directory)));
        }
        EmployeeMethod::CheckInRequired(RestrictedAccess::ToggleStatus) | EmployeeMethod::None => {}
    }
    Ok(checks)
}

fn partition(directory: &Directory, settings: &Settings) -> Result<String, String> {
    match &settings.partition {
        None => Ok("new entities go to the root partition".into()),
        Some(partition) => entities_are(directory, std::slice::from_ref(partition), EntityType::Partition)
            .map(|_| format!("new visitors, cardholders and credentials go to partition {partition}")),
    }
}

/// Checks that every GUID names an entity of `expected` type.
fn entities_are(directory: &Directory, guids: &[Guid], expected: EntityType) -> Result<String, String> {
    if guids.is_empty() {
        return Ok(format!("no {} chosen", expected.name()));
    }
    for guid in guids {
        match directory.entity_type(guid).map_err(message)? {
            None => {
                return Err(format!("{guid} does not exist in Security Center (or the user cannot see its partition)"))
            }
            Some(found) if !found.eq_ignore_ascii_case(expected.name()) => {
                return Err(format!("{guid} is a {found}, not a {}", expected.name()));
            }
            Some(_) => {}
        }
    }
    Ok(format!("{} found", guids.len()))
}

fn external_id_field(directory: &Directory, field: &str) -> Result<String, String> {
    match directory.custom_field(field, EntityType::Visitor).map_err(message)? {
        Some(guid) => Ok(format!("visitors carry Gatehouse's id in custom field {field:?} ({guid})")),
        None => Err(markers::missing_field(field, EntityType::Visitor).message),
    }
}

/// Runs a one-second DoorActivity report: it fails without the privilege.
fn door_activities(directory: &Directory) -> Result<String, String> {
    let now = clock::now();
    let query = Query::new().add("Events", &[Value::word("AccessGranted")]).call(
        Some("TimeRange"),
        "SetTimeRange",
        &[Value::time(now - 1000), Value::time(now)],
    );
    let privilege =
        Privilege { name: "Door activities", needed_for: "REQUIRED for auto check-in, which polls door activity" };
    privilege.check(directory.sdk.report("DoorActivity", &query))
}

/// Searches one entity of the type: Security Center refuses it to a user who may not
/// view that type's properties (seed A1: "View Cardholder Properties … for all
/// operations", "View Door Properties").
fn may_view(directory: &Directory, entity_type: EntityType) -> Result<String, String> {
    let privilege = match entity_type {
        EntityType::Door => {
            Privilege { name: "View door properties", needed_for: "needed for the door pickers and auto check-in" }
        }
        _ => Privilege {
            name: "View cardholder properties",
            needed_for: "needed to find and update visitors and employees",
        },
    };
    let query = Query::new()
        .add("EntityTypes", &[Value::word(entity_type.name())])
        .set("Page", Value::number(1))
        .set("PageSize", Value::number(1));
    privilege.check(directory.sdk.report("EntityConfiguration", &query))
}

/// A Security Center privilege the install's user needs, and what for.
struct Privilege {
    name: &'static str,
    needed_for: &'static str,
}

impl Privilege {
    /// Reads a request made to probe the privilege: a refusal names it.
    fn check<T>(&self, probe: Result<T, WebSdkError>) -> Result<String, String> {
        match probe {
            Ok(_) => Ok(format!("the user has the '{}' privilege", self.name)),
            Err(error @ WebSdkError::Fail { code: FailCode::InsufficientPrivileges, .. }) => {
                Err(format!("the user lacks the '{}' privilege, {} ({})", self.name, self.needed_for, message(error)))
            }
            Err(error) => Err(message(error)),
        }
    }
}

pub fn list_options(config: Config, picker: &str) -> Result<Vec<OptionItem>, ConnectorError> {
    if picker == "card-formats" {
        return Ok(credentials::formats()
            .map(|(id, label)| OptionItem { id: id.into(), label, detail: None })
            .collect());
    }
    let entity_type = match picker {
        "partitions" => EntityType::Partition,
        "cardholder-groups" => EntityType::CardholderGroup,
        "doors" => EntityType::Door,
        "sites" => EntityType::Area,
        _ => {
            return Err(ConnectorError::permanent(format!(
                "unknown picker {picker:?}; this connector offers {}",
                PICKERS.join(", ")
            )))
        }
    };
    let settings = config.checked().map_err(ConnectorError::config)?;
    let directory = Directory::new(&settings);
    let guids = directory.all_of(entity_type)?;
    let objects = match entity_type {
        // ASSUMPTION: the "Available for visitors" flag reads as `IsVisitorGroup`
        // (spec §5.2 [I]); a server without it still gets a picker, unmarked.
        EntityType::CardholderGroup => match directory.names(&guids, &["IsVisitorGroup"]) {
            Err(WebSdkError::Fail { .. }) => directory.names(&guids, &[])?,
            result => result?,
        },
        _ => directory.names(&guids, &[])?,
    };
    let mut options: Vec<OptionItem> = objects
        .iter()
        .filter_map(|object| {
            let guid = envelope::guid(object, "Guid")?;
            let label = envelope::text(object, "Name").filter(|n| !n.is_empty()).unwrap_or_else(|| guid.to_string());
            let visitors = envelope::field(object, "IsVisitorGroup").and_then(|v| v.as_bool()) == Some(true);
            Some(OptionItem { id: guid.to_string(), label, detail: visitors.then(|| "visitor-enabled".to_string()) })
        })
        .collect();
    options.sort_by_key(|o| o.label.to_lowercase());
    Ok(options)
}
