//! Employees: Security Center `Cardholder` entities the organisation already manages.
//!
//! Employees are found by email and never created unless the install says so
//! (`employees.create_missing`). Excluded employees are never touched: every action on
//! them succeeds with `changed = false` and says why.
//!
//! Check-in required for access (seed A5): the policy sends activate on sign-in and
//! deactivate on sign-out or expiry. With "toggle user status" that enables and
//! disables the cardholder (`Status.Activate()` / `Status.Deactivate()`); with "toggle
//! access groups" the profile stays enabled and activate/deactivate add and remove the
//! configured access groups instead. The access duration is the policy's timer; with
//! toggle user status, set-access-window also gives Security Center the expiry itself
//! (`Status.Activate(from,to)`, spec §6 OP7), so access ends even if Gatehouse is
//! unreachable at that moment.

use gatehouse_sdk::{log, AccessWindow, ConnectorError, Outcome, Person, PersonRef};
use serde_json::json;

use crate::config::{EmployeeMethod, RestrictedAccess};
use crate::entities::{Directory, EntityType};
use crate::envelope::parse_time;
use crate::groups::{self, Edit};
use crate::guid::Guid;
use crate::people::{self, PersonRecord};
use crate::query::{Query, Value};
use crate::{names, outcome, with_warnings};

fn excluded(guid: Option<Guid>) -> Outcome {
    let detail = json!({ "cardholder": guid, "excluded": true, "reason": "the employee is excluded from Workplace in this install" });
    outcome(guid, None, false, detail)
}

fn is_excluded(directory: &Directory, who: &PersonRef, record: Option<&PersonRecord>) -> bool {
    let employees = &directory.settings.employees;
    employees.is_excluded(who.email.as_deref()) || record.is_some_and(|r| employees.is_excluded(Some(&r.email)))
}

/// The employee's cardholder if there is one, or `Err(outcome)` for an excluded employee.
fn lookup(directory: &Directory, who: &PersonRef) -> Result<Result<Option<PersonRecord>, Outcome>, ConnectorError> {
    if is_excluded(directory, who, None) {
        return Ok(Err(excluded(None)));
    }
    match people::find(directory, who)? {
        Some(record) if is_excluded(directory, who, Some(&record)) => Ok(Err(excluded(Some(record.guid)))),
        record => Ok(Ok(record)),
    }
}

/// Like [`lookup`], for actions that need the cardholder.
fn require(directory: &Directory, who: &PersonRef) -> Result<Result<PersonRecord, Outcome>, ConnectorError> {
    match lookup(directory, who)? {
        Ok(Some(record)) => Ok(Ok(record)),
        Ok(None) => Err(people::not_found(who)),
        Err(excluded) => Ok(Err(excluded)),
    }
}

/// What an action that takes access away answers for a cardholder that does not exist:
/// there is nothing to take away.
fn missing() -> Outcome {
    outcome(None, None, false, json!({ "cardholder": null, "missing": true }))
}

/// For actions shared with visitors (credentials): the outcome to return instead when
/// `who` is an excluded employee.
pub fn guard(directory: &Directory, who: &PersonRef) -> Result<Option<Outcome>, ConnectorError> {
    if who.kind != gatehouse_sdk::PersonKind::Employee {
        return Ok(None);
    }
    Ok(lookup(directory, who)?.err())
}

/// revoke-credentials: the credentials Gatehouse issued, never the employee's own badges.
pub fn revoke(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let revoked = crate::credentials::revoke_all(directory, who)?;
    let guid = people::find(directory, who)?.map(|r| r.guid);
    Ok(outcome(guid, None, !revoked.is_empty(), json!({ "person": guid, "credentials_revoked": revoked })))
}

/// Finds the employee's cardholder by email (creating it only when configured).
pub fn upsert(directory: &Directory, person: &Person) -> Result<Outcome, ConnectorError> {
    let who = &person.identity;
    if is_excluded(directory, who, None) {
        return Ok(excluded(None));
    }
    if let Some(record) = people::find(directory, who)? {
        if is_excluded(directory, who, Some(&record)) {
            return Ok(excluded(Some(record.guid)));
        }
        return Ok(outcome(
            Some(record.guid),
            None,
            false,
            json!({ "cardholder": record.guid, "matched_by": "email" }),
        ));
    }
    let Some(email) = who.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) else {
        return Err(ConnectorError::permanent(format!(
            "employee {:?} has no email, and Security Center cardholders are matched by email",
            who.external_id
        )));
    };
    if !directory.settings.employees.create_missing {
        return Err(ConnectorError::permanent(format!(
            "Security Center has no cardholder with the email {email:?}; add it there (or set employees.create_missing)"
        )));
    }
    let (names, warning) = names::person_fields(&person.first_name, &person.last_name);
    let mut query = names
        .iter()
        .fold(Query::new().new_entity(EntityType::Cardholder.name()), |q, (p, v)| q.set(p, Value::text(v)))
        // The work email is how employees are matched, so it is always written.
        .set("EmailAddress", Value::text(email));
    if person.include_contact {
        if let Some(phone) = person.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            query = query.set("MobilePhoneNumber", Value::text(phone.trim()));
        }
    }
    let guid = people::create(directory, query, who, EntityType::Cardholder)?;
    log::info!("created cardholder {} for a missing employee", guid; "external_id" => who.external_id);
    let detail = json!({ "cardholder": guid, "created": true });
    Ok(outcome(Some(guid), None, true, with_warnings(detail, warning.into_iter().collect())))
}

/// With toggle user status: `Status.Activate(from,to)`. Otherwise employees keep their
/// own validity and the window is only the policy's.
pub fn set_access_window(
    directory: &Directory,
    who: &PersonRef,
    window: &AccessWindow,
) -> Result<Outcome, ConnectorError> {
    let record = match require(directory, who)? {
        Ok(record) => record,
        Err(excluded) => return Ok(excluded),
    };
    if directory.settings.employees.method != EmployeeMethod::CheckInRequired(RestrictedAccess::ToggleStatus) {
        let detail = json!({ "cardholder": record.guid, "ignored": "employee validity is only set with check-in required and toggle user status" });
        return Ok(outcome(Some(record.guid), None, false, detail));
    }
    let second = |text: &Option<String>| text.as_deref().and_then(parse_time).map(|ms| ms.div_euclid(1000));
    let wanted = (Some(window.starts_at.div_euclid(1000)), Some(window.ends_at.div_euclid(1000)));
    if record.is_active() && (second(&record.activation), second(&record.expiration)) == wanted {
        return Ok(outcome(Some(record.guid), None, false, json!({ "cardholder": record.guid })));
    }
    let activate = [Value::time(window.starts_at), Value::time(window.ends_at)];
    directory.sdk.write(&Query::new().entity(&record.guid).call(Some("Status"), "Activate", &activate))?;
    Ok(outcome(
        Some(record.guid),
        None,
        true,
        json!({ "cardholder": record.guid, "window": [window.starts_at, window.ends_at] }),
    ))
}

/// Sign-in: enable the cardholder, or add the access groups (toggle access groups).
pub fn activate(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    toggle(directory, who, true)
}

/// Sign-out or expiry: the reverse of [`activate`].
pub fn deactivate(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    toggle(directory, who, false)
}

fn toggle(directory: &Directory, who: &PersonRef, on: bool) -> Result<Outcome, ConnectorError> {
    let record = match (on, lookup(directory, who)?) {
        (_, Err(excluded)) => return Ok(excluded),
        (_, Ok(Some(record))) => record,
        (false, Ok(None)) => return Ok(missing()),
        (true, Ok(None)) => return Err(people::not_found(who)),
    };
    if let EmployeeMethod::CheckInRequired(RestrictedAccess::ToggleGroups(access_groups)) =
        &directory.settings.employees.method
    {
        let edit = if on { Edit::Add } else { Edit::Remove };
        return groups::change(directory, who, &record, access_groups, edit);
    }
    if record.is_active() == on {
        return Ok(outcome(
            Some(record.guid),
            None,
            false,
            json!({ "cardholder": record.guid, "state": record.state }),
        ));
    }
    let method = if on { "Activate" } else { "Deactivate" };
    directory.sdk.write(&Query::new().entity(&record.guid).call(Some("Status"), method, &[]))?;
    let state = if on { "Active" } else { "Inactive" };
    Ok(outcome(Some(record.guid), None, true, json!({ "cardholder": record.guid, "state": state })))
}

/// add-groups / remove-groups on an employee (excluded ones are left alone).
pub fn change_groups(
    directory: &Directory,
    who: &PersonRef,
    groups: &[Guid],
    edit: Edit,
) -> Result<Outcome, ConnectorError> {
    match (edit, lookup(directory, who)?) {
        (_, Ok(Some(record))) => groups::change(directory, who, &record, groups, edit),
        (_, Err(excluded)) => Ok(excluded),
        (Edit::Remove, Ok(None)) => Ok(missing()),
        (Edit::Add, Ok(None)) => Err(people::not_found(who)),
    }
}

/// Employees belong to the organisation's directory: erasing one removes what
/// Gatehouse issued and forgets the mapping, but never deletes the cardholder.
pub fn forget(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let revoked = crate::credentials::revoke_all(directory, who)?;
    let guid = people::find(directory, who)?.map(|r| r.guid);
    people::forget(who)?;
    let detail = json!({ "cardholder": guid, "credentials_revoked": revoked, "cardholder_kept": true });
    Ok(outcome(guid, None, !revoked.is_empty(), detail))
}
