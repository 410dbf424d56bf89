//! Finding the Security Center record of a Gatehouse person, creating it, and remembering it.
//!
//! Idempotency rests here: a retried, duplicated or redriven action (a redrive comes with
//! new idempotency keys) must never create a second visitor or cardholder. A record is
//! found, in order, through
//! 1. kv (`visitor/{id}` or `employee/{id}` → GUID), written as soon as a GUID exists;
//! 2. the PACS id an earlier outcome gave the host;
//! 3. Security Center itself: visitors by their marker, the external id stamped on them
//!    at creation (`markers.rs`), employees by email. Never by name.
//!
//! For visitors, 1 and 2 are shortcuts to a record that must still carry the visit's
//! marker: a GUID whose record does not (another visit's, or edited by hand) is not the
//! visitor's. A remembered GUID that no longer resolves (deleted, or archived by
//! check-out) or is not the visitor's is forgotten and the search goes on.

use gatehouse_sdk::{kv, ConnectorError, PersonKind, PersonRef};
use serde_json::{Map, Value as Json};

use crate::entities::{Directory, EntityType};
use crate::envelope;
use crate::error::WebSdkError;
use crate::guid::Guid;
use crate::markers;
use crate::query::{Query, Value};

/// A cardholder or visitor as read from Security Center.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub guid: Guid,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// `Status.State` as Security Center names it (`Active`, `Inactive`, ...).
    pub state: String,
    /// `Status.ActivationDate` / `Status.ExpirationDate`, as written by the server.
    pub activation: Option<String>,
    pub expiration: Option<String>,
    pub groups: Vec<Guid>,
    pub credentials: Vec<Guid>,
    /// Visitors only: `Arrival`, `Departure`, `CheckinDate` as written by the server.
    pub arrival: Option<String>,
    pub departure: Option<String>,
    pub checked_in: bool,
    /// Visitors only: the external id stamp (Description or custom field) as read.
    pub marker: Option<String>,
}

impl PersonRecord {
    pub fn is_active(&self) -> bool {
        self.state.eq_ignore_ascii_case("Active")
    }
}

fn kind_name(kind: PersonKind) -> &'static str {
    match kind {
        PersonKind::Visitor => "visitor",
        PersonKind::Employee => "employee",
    }
}

/// The kv key of a person's GUID; also the owner of their card numbers.
pub fn person_key(who: &PersonRef) -> String {
    format!("{}/{}", kind_name(who.kind), who.external_id)
}

pub fn remember(who: &PersonRef, guid: &Guid) -> Result<(), ConnectorError> {
    Ok(kv::set(&person_key(who), guid.to_string().as_bytes())?)
}

pub fn forget(who: &PersonRef) -> Result<(), ConnectorError> {
    Ok(kv::delete(&person_key(who))?)
}

/// Reads a cardholder or visitor; `None` when it no longer exists.
pub fn read(directory: &Directory, guid: &Guid, kind: PersonKind) -> Result<Option<PersonRecord>, WebSdkError> {
    let marker = markers::property(directory, kind);
    Ok(directory.read(guid, &properties(directory, kind))?.map(|object| record(*guid, &object, marker)))
}

/// What [`read`] projects: for a visitor its marker too, so every read checks it.
pub fn properties<'a>(directory: &'a Directory, kind: PersonKind) -> Vec<&'a str> {
    let mut properties = vec![
        "Guid",
        "Name",
        "FirstName",
        "LastName",
        "EmailAddress",
        "MobilePhoneNumber",
        "Status",
        "Groups",
        "Credentials",
    ];
    if kind == PersonKind::Visitor {
        properties.extend(["Arrival", "Departure", "CheckinDate"]);
    }
    properties.extend(markers::property(directory, kind));
    properties
}

/// A record from an entity read; `marker` names the property holding the external id.
pub fn record(guid: Guid, object: &Map<String, Json>, marker: Option<&str>) -> PersonRecord {
    let text = |name: &str| envelope::text(object, name).unwrap_or_default();
    // ASSUMPTION: `Status` reads as an object with a `State` name; a bare state name
    // is accepted too (spec §5.1 [I] on enum encoding).
    let status = envelope::field(object, "Status").and_then(Json::as_object);
    let state = match (status, envelope::field(object, "Status")) {
        (Some(status), _) => envelope::text(status, "State").unwrap_or_default(),
        (None, Some(Json::String(state))) => state.clone(),
        _ => envelope::text(object, "State").unwrap_or_default(),
    };
    PersonRecord {
        guid,
        name: text("Name"),
        first_name: text("FirstName"),
        last_name: text("LastName"),
        email: text("EmailAddress"),
        phone: text("MobilePhoneNumber"),
        state,
        activation: status.and_then(|s| envelope::text(s, "ActivationDate")),
        expiration: status.and_then(|s| envelope::text(s, "ExpirationDate")),
        groups: envelope::guids(envelope::field(object, "Groups")),
        credentials: envelope::guids(envelope::field(object, "Credentials")),
        arrival: envelope::text(object, "Arrival"),
        departure: envelope::text(object, "Departure"),
        checked_in: envelope::text(object, "CheckinDate").is_some_and(|d| !d.is_empty()),
        marker: marker.and_then(|m| envelope::field(object, m)).filter(|v| !v.is_null()).map(markers::json_text),
    }
}

/// The person's record, found through kv, the PACS id, or a search: visitors by their
/// marker only (a kv or PACS id record counts only while it carries the marker),
/// employees by email. Several marked visitors: the one [`markers::all`] puts first.
pub fn find(directory: &Directory, who: &PersonRef) -> Result<Option<PersonRecord>, ConnectorError> {
    for (guid, from_kv) in shortcuts(who)? {
        match read(directory, &guid, who.kind)? {
            Some(record) if markers::is_ours(directory, who, &record) => {
                remember(who, &record.guid)?;
                return Ok(Some(record));
            }
            _ if from_kv => forget(who)?,
            _ => {}
        }
    }
    let record = match who.kind {
        PersonKind::Visitor => markers::search(directory, who)?.into_iter().next(),
        PersonKind::Employee => match who.email.as_deref().filter(|e| !e.trim().is_empty()) {
            Some(email) => match search_by_email(directory, email)? {
                Some(guid) => read(directory, &guid, who.kind)?,
                None => None,
            },
            None => None,
        },
    };
    if let Some(record) = &record {
        remember(who, &record.guid)?;
    }
    Ok(record)
}

/// The GUIDs kv and the host remember for the person, kv first; `true` for kv's.
pub fn shortcuts(who: &PersonRef) -> Result<Vec<(Guid, bool)>, ConnectorError> {
    let remembered = kv::get_string(&person_key(who))?.and_then(|text| text.parse::<Guid>().ok());
    let given = who.pacs_id.as_deref().and_then(|text| text.parse::<Guid>().ok());
    let mut shortcuts: Vec<(Guid, bool)> = remembered.map(|g| (g, true)).into_iter().collect();
    shortcuts.extend(given.filter(|g| Some(*g) != remembered).map(|g| (g, false)));
    Ok(shortcuts)
}

/// Like [`find`], for actions that need the person to exist.
pub fn require(directory: &Directory, who: &PersonRef) -> Result<PersonRecord, ConnectorError> {
    find(directory, who)?.ok_or_else(|| not_found(who))
}

pub fn not_found(who: &PersonRef) -> ConnectorError {
    ConnectorError::permanent(format!(
        "Security Center has no {} with external id {:?}; the policy must upsert the person first",
        kind_name(who.kind),
        who.external_id
    ))
}

/// Creates the record `query` describes (a `NewEntity` query), inside the install's partition
/// when it has one, and remembers its GUID at once so a retry finds it.
pub fn create(
    directory: &Directory,
    mut query: Query,
    who: &PersonRef,
    entity_type: EntityType,
) -> Result<Guid, ConnectorError> {
    if let Some(partition) = &directory.settings.partition {
        // ASSUMPTION: `InsertIntoPartition` works in the creating query (spec §6 OP5
        // [I]); unlike `POST creationpartition`, it cannot be lost with an expired
        // session or raced by another install using the same user.
        query = query.call(None, "InsertIntoPartition", &[Value::guid(partition)]);
    }
    let created = directory.sdk.write(&query.project("Guid"))?;
    let guid = created.object().and_then(|o| envelope::guid(&o, "Guid")).ok_or_else(|| {
        ConnectorError::permanent(format!(
            "Security Center created the {} but did not return its GUID",
            entity_type.name().to_lowercase()
        ))
    })?;
    remember(who, &guid)?;
    Ok(guid)
}

/// Finds the cardholder with this email (not a visitor).
///
/// ASSUMPTION: `CardholderConfiguration` filters by `Email` with `EmailSearchMode=Is`
/// (the Platform SDK query's members, spec §6 OP3 [I]); matches are re-checked on the
/// `EmailAddress` read back, ignoring case.
fn search_by_email(directory: &Directory, email: &str) -> Result<Option<Guid>, ConnectorError> {
    let filters = Query::new().set("Email", Value::text(email.trim())).set("EmailSearchMode", Value::word("Is"));
    let candidates = directory.search("CardholderConfiguration", filters)?;
    let objects = directory.read_many(&candidates, &["Guid", "EmailAddress", "EntityType"])?;
    Ok(objects
        .iter()
        .filter(|object| {
            envelope::text(object, "EntityType").is_none_or(|t| t.eq_ignore_ascii_case(EntityType::Cardholder.name()))
        })
        .find(|object| {
            envelope::text(object, "EmailAddress").is_some_and(|e| e.trim().eq_ignore_ascii_case(email.trim()))
        })
        .and_then(|object| envelope::guid(object, "Guid")))
}
