//! Visitors: Security Center `Visitor` entities (a Cardholder subclass, spec §5.2).
//!
//! - An invite creates the visitor at once (seed A7 item 46): the policy sends
//!   upsert-person then set-access-window, and both work on a visitor who has not
//!   arrived. Without QR credentials the visitor simply has no card (item 47).
//! - A visitor's access window is `Arrival`/`Departure`; visitors have no activation
//!   date setter ("The property ActivationDate has no setter", spec §5.2), so it is
//!   never sent. The credentials we issued get the same window.
//! - Activate is the check-in (`Status.Activate()`), deactivate disables the record,
//!   check-out is `Checkout()`, which archives the visitor (spec §6 OP11).

use gatehouse_sdk::{log, AccessWindow, ConnectorError, Outcome, Person, PersonRef};
use serde_json::json;

use crate::credentials;
use crate::entities::{Directory, EntityType};
use crate::envelope::parse_time;
use crate::outcome;
use crate::people::{self, PersonRecord};
use crate::query::{Query, Value};

/// The properties a visitor should have, in Security Center's names.
fn wanted_fields(person: &Person) -> Vec<(&'static str, String)> {
    let name = format!("{} {}", person.first_name.trim(), person.last_name.trim()).trim().to_string();
    let mut fields = vec![
        // `Name` is the display name; always set it, or the server invents one (spec §5.2).
        ("Name", name),
        ("FirstName", person.first_name.trim().to_string()),
        ("LastName", person.last_name.trim().to_string()),
    ];
    // Contact details go to Security Center only when the policy opted in.
    if person.include_contact {
        if let Some(email) = person.identity.email.as_deref().filter(|e| !e.trim().is_empty()) {
            fields.push(("EmailAddress", email.trim().to_string()));
        }
        if let Some(phone) = person.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            fields.push(("MobilePhoneNumber", phone.trim().to_string()));
        }
    }
    fields
}

fn current(record: &PersonRecord, property: &str) -> String {
    match property {
        "Name" => record.name.clone(),
        "FirstName" => record.first_name.clone(),
        "LastName" => record.last_name.clone(),
        "EmailAddress" => record.email.clone(),
        "MobilePhoneNumber" => record.phone.clone(),
        _ => String::new(),
    }
}

pub fn upsert(directory: &Directory, person: &Person) -> Result<Outcome, ConnectorError> {
    let who = &person.identity;
    let fields = wanted_fields(person);
    if let Some(record) = people::find(directory, who)? {
        let changes: Vec<_> = fields.iter().filter(|(property, value)| current(&record, property) != *value).collect();
        if !changes.is_empty() {
            let query = changes.iter().fold(Query::new().entity(&record.guid), |q, (p, v)| q.set(p, Value::text(v)));
            directory.sdk.write(&query)?;
        }
        let changed: Vec<_> = changes.iter().map(|(p, _)| *p).collect();
        return Ok(outcome(
            Some(record.guid),
            None,
            !changed.is_empty(),
            json!({ "visitor": record.guid, "updated": changed }),
        ));
    }
    let mut query =
        fields.iter().fold(Query::new().new_entity(EntityType::Visitor.name()), |q, (p, v)| q.set(p, Value::text(v)));
    query = people::stamp(query, &directory.settings.id_store, &who.external_id);
    let guid = people::create(directory, query, who, EntityType::Visitor)?;
    log::info!("created visitor {}", guid; "external_id" => who.external_id);
    Ok(outcome(
        Some(guid),
        None,
        true,
        json!({ "visitor": guid, "created": true, "partition": directory.settings.partition }),
    ))
}

/// `Arrival`/`Departure` for the visitor, and the same window on our credentials.
pub fn set_access_window(
    directory: &Directory,
    who: &PersonRef,
    window: &AccessWindow,
) -> Result<Outcome, ConnectorError> {
    let record = people::require(directory, who)?;
    let same = |written: &Option<String>, wanted: i64| {
        written.as_deref().and_then(parse_time).is_some_and(|at| at / 1000 == wanted.div_euclid(1000))
    };
    let visitor_changed = !(same(&record.arrival, window.starts_at) && same(&record.departure, window.ends_at));
    if visitor_changed {
        let query = Query::new()
            .entity(&record.guid)
            .set("Arrival", Value::time(window.starts_at))
            .set("Departure", Value::time(window.ends_at));
        directory.sdk.write(&query)?;
    }
    let credentials_changed = credentials::set_window(directory, who, window)?;
    Ok(outcome(
        Some(record.guid),
        None,
        visitor_changed || !credentials_changed.is_empty(),
        json!({ "visitor": record.guid, "credentials_updated": credentials_changed }),
    ))
}

/// Check-in: `Status.Activate()`, which also stamps `CheckinDate` (spec §5.2).
pub fn check_in(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let record = people::require(directory, who)?;
    if record.is_active() && record.checked_in {
        return Ok(outcome(Some(record.guid), None, false, json!({ "visitor": record.guid, "checked_in": true })));
    }
    directory.sdk.write(&Query::new().entity(&record.guid).call(Some("Status"), "Activate", &[]))?;
    Ok(outcome(Some(record.guid), None, true, json!({ "visitor": record.guid, "checked_in": true })))
}

pub fn deactivate(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let record = people::require(directory, who)?;
    if !record.is_active() {
        return Ok(outcome(Some(record.guid), None, false, json!({ "visitor": record.guid, "state": record.state })));
    }
    directory.sdk.write(&Query::new().entity(&record.guid).call(Some("Status"), "Deactivate", &[]))?;
    Ok(outcome(Some(record.guid), None, true, json!({ "visitor": record.guid, "state": "Inactive" })))
}

/// Revokes our credentials, then `Checkout()`: Security Center archives the visitor.
/// A visitor already archived (or never created) is not an error: the visit is over.
pub fn check_out(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let revoked = credentials::revoke_all(directory, who)?;
    let Some(record) = people::find(directory, who)? else {
        return Ok(outcome(
            None,
            None,
            !revoked.is_empty(),
            json!({ "already_checked_out": true, "credentials_revoked": revoked }),
        ));
    };
    directory.sdk.write(&Query::new().entity(&record.guid).call(None, "Checkout", &[]))?;
    // An archived visitor is no longer readable; forget it so later lookups do not try.
    people::forget(who)?;
    Ok(outcome(
        Some(record.guid),
        None,
        true,
        json!({ "visitor": record.guid, "archived": true, "credentials_revoked": revoked }),
    ))
}

/// Deletes our credentials and the visitor (spec §6 OP12).
pub fn erase(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let revoked = credentials::revoke_all(directory, who)?;
    let record = people::find(directory, who)?;
    let deleted = match &record {
        Some(record) => directory.delete(&record.guid)?,
        None => false,
    };
    people::forget(who)?;
    let guid = record.map(|r| r.guid);
    Ok(outcome(
        guid,
        None,
        deleted || !revoked.is_empty(),
        json!({ "visitor": guid, "deleted": deleted, "credentials_revoked": revoked }),
    ))
}
