//! Visitors: Security Center `Visitor` entities (a Cardholder subclass, spec §5.2).
//!
//! - An invite creates the visitor at once (seed A7 item 46): the policy sends
//!   upsert-person then set-access-window, and both work on a visitor who has not
//!   arrived. Without QR credentials the visitor simply has no card (item 47).
//! - A visitor is found by its marker (`markers.rs`), never by name, so a retry, a
//!   redrive with new idempotency keys or a sign-out reaches the record the visit
//!   created. Upsert keeps one marked record; others (left by an old bug or made by
//!   hand) are retired: deactivated and stripped of their credentials (`signout.rs`).
//! - A visitor's access window is `Arrival`/`Departure`; visitors have no activation
//!   date setter ("The property ActivationDate has no setter", spec §5.2), so it is
//!   never sent. The credentials we issued get the same window.
//! - Activate is the check-in (`Status.Activate()`). Deactivate, remove-groups,
//!   revoke-credentials, check-out and erase take access away (`signout.rs`).

use gatehouse_sdk::{log, AccessWindow, ConnectorError, Outcome, Person, PersonRef};
use serde_json::json;

use crate::credentials;
use crate::entities::{Directory, EntityType};
use crate::envelope::parse_time;
use crate::outcome;
use crate::people::{self, PersonRecord};
use crate::query::{Query, Value};
use crate::{markers, names, signout, with_warnings};

/// The properties a visitor should have, in Security Center's names, and the warnings
/// about what did not fit.
fn wanted_fields(person: &Person) -> (Vec<(&'static str, String)>, Vec<String>) {
    // `Name` is the display name; always set it, or the server invents one (spec §5.2).
    let (mut fields, warning) = names::person_fields(&person.first_name, &person.last_name);
    // Contact details go to Security Center only when the policy opted in.
    if person.include_contact {
        if let Some(email) = person.identity.email.as_deref().filter(|e| !e.trim().is_empty()) {
            fields.push(("EmailAddress", email.trim().to_string()));
        }
        if let Some(phone) = person.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            fields.push(("MobilePhoneNumber", phone.trim().to_string()));
        }
    }
    (fields, warning.into_iter().collect())
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

/// Creates the visitor, or updates the one that carries the visit's marker. Several
/// marked visitors: the first of [`markers::all`] is kept, the others retired.
pub fn upsert(directory: &Directory, person: &Person) -> Result<Outcome, ConnectorError> {
    let who = &person.identity;
    let (fields, mut warnings) = wanted_fields(person);
    let mut records = markers::all(directory, who)?;
    if records.is_empty() {
        let mut query = fields
            .iter()
            .fold(Query::new().new_entity(EntityType::Visitor.name()), |q, (p, v)| q.set(p, Value::text(v)));
        query = markers::stamp(query, &directory.settings.id_store, &who.external_id);
        let guid = people::create(directory, query, who, EntityType::Visitor)?;
        log::info!("created visitor {}", guid; "external_id" => who.external_id);
        let detail = json!({ "visitor": guid, "created": true, "partition": directory.settings.partition });
        return Ok(outcome(Some(guid), None, true, with_warnings(detail, warnings)));
    }
    let record = records.remove(0);
    people::remember(who, &record.guid)?;
    let mut retired = Vec::new();
    for duplicate in &records {
        retired.push(signout::retire(directory, who, duplicate)?);
    }
    if !records.is_empty() {
        log::warn!("{} more visitors carry the marker of {}; retired them", records.len(), record.guid);
        warnings.push(format!(
            "Security Center had {} visitors for this visit; Gatehouse kept {} and deactivated the others, \
             taking their credentials away: {}.",
            records.len() + 1,
            record.guid,
            markers::guids(&records).iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        ));
    }
    let changes: Vec<_> = fields.iter().filter(|(property, value)| current(&record, property) != *value).collect();
    if !changes.is_empty() {
        let query = changes.iter().fold(Query::new().entity(&record.guid), |q, (p, v)| q.set(p, Value::text(v)));
        directory.sdk.write(&query)?;
    }
    let updated: Vec<_> = changes.iter().map(|(p, _)| *p).collect();
    let changed = !updated.is_empty() || retired.iter().any(|r| r.changed);
    let mut detail = json!({ "visitor": record.guid, "updated": updated });
    if !retired.is_empty() {
        detail["duplicates"] = retired.iter().map(|r| r.detail.clone()).collect();
    }
    Ok(outcome(Some(record.guid), None, changed, with_warnings(detail, warnings)))
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
