//! Taking a visitor's access away: revoke-credentials, deactivate, remove-groups,
//! check-out and erase, and the duplicates upsert retires.
//!
//! Fail closed: each acts on *every* live visitor carrying the visit's marker plus the
//! one kv remembers when it still carries it (`markers::all`), not only on the GUID kv
//! holds, and none fails because there is no record: with nothing to act on it
//! answers `changed: false`. A compensation job after a provisioning that failed
//! before the visitor existed therefore succeeds, and one after a create whose answer
//! was lost still finds the visitor. The outcome's `pacs_id` is the record kept (the
//! remembered one, or the first found); the detail lists every record reached.

use gatehouse_sdk::{ConnectorError, Outcome, PersonRef};
use serde_json::{json, Value as Json};

use crate::entities::Directory;
use crate::groups::{self, Edit};
use crate::guid::Guid;
use crate::markers;
use crate::outcome;
use crate::people::{self, PersonRecord};
use crate::query::Query;
use crate::revoke::{self, Revocation};

/// revoke-credentials: what we issued, and every credential the marked records hold.
pub fn revoke(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let records = markers::all(directory, who)?;
    let revocation = revoke::visit(directory, who, &records)?;
    let first = records.first().map(|r| r.guid);
    let detail = json!({
        "person": first,
        "visitors": markers::guids(&records),
        "credentials_revoked": revocation.deleted,
        "credentials_unassigned": revocation.unassigned,
    });
    Ok(outcome(first, None, revocation.changed(), detail))
}

/// deactivate: `Status.Deactivate()` on every marked record still active.
pub fn deactivate(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let records = markers::all(directory, who)?;
    let mut deactivated = Vec::new();
    for record in records.iter().filter(|r| r.is_active()) {
        deactivate_one(directory, record)?;
        deactivated.push(record.guid);
    }
    let first = records.first().map(|r| r.guid);
    let detail = json!({ "visitor": first, "visitors": markers::guids(&records), "deactivated": deactivated });
    Ok(outcome(first, None, !deactivated.is_empty(), detail))
}

fn deactivate_one(directory: &Directory, record: &PersonRecord) -> Result<(), ConnectorError> {
    directory.sdk.write(&Query::new().entity(&record.guid).call(Some("Status"), "Deactivate", &[]))?;
    Ok(())
}

/// remove-groups: the memberships of `groups` on every marked record.
pub fn remove_groups(directory: &Directory, who: &PersonRef, groups: &[Guid]) -> Result<Outcome, ConnectorError> {
    let records = markers::all(directory, who)?;
    let mut removed = Vec::new();
    for record in &records {
        let done = groups::apply(directory, who, record, groups, Edit::Remove)?;
        if !done.is_empty() {
            removed.push(json!({ "visitor": record.guid, "groups": done }));
        }
    }
    let first = records.first().map(|r| r.guid);
    let mut detail = json!({ "person": first, "visitors": markers::guids(&records), "removed": removed });
    if records.is_empty() {
        // Never created, or already checked out: no memberships are left to remove.
        detail["visitor_gone"] = json!(true);
    }
    Ok(outcome(first, None, !removed.is_empty(), detail))
}

/// check-out: revokes, then `Checkout()` on every marked record, which archives it.
/// With no record left (already checked out, or never created) the visit is over.
pub fn check_out(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let records = markers::all(directory, who)?;
    let revocation = revoke::visit(directory, who, &records)?;
    for record in &records {
        directory.sdk.write(&Query::new().entity(&record.guid).call(None, "Checkout", &[]))?;
    }
    // An archived visitor is no longer readable; forget it so later lookups do not try.
    people::forget(who)?;
    let first = records.first().map(|r| r.guid);
    let mut detail = json!({
        "visitor": first,
        "archived": markers::guids(&records),
        "credentials_revoked": revocation.deleted,
        "credentials_unassigned": revocation.unassigned,
    });
    if records.is_empty() {
        detail["already_checked_out"] = json!(true);
    }
    Ok(outcome(first, None, revocation.changed() || !records.is_empty(), detail))
}

/// erase: revokes, then deletes every marked record (spec §6 OP12).
pub fn erase(directory: &Directory, who: &PersonRef) -> Result<Outcome, ConnectorError> {
    let records = markers::all(directory, who)?;
    let revocation = revoke::visit(directory, who, &records)?;
    let mut deleted = Vec::new();
    for record in &records {
        if directory.delete(&record.guid)? {
            deleted.push(record.guid);
        }
    }
    people::forget(who)?;
    let first = records.first().map(|r| r.guid);
    let detail = json!({
        "visitor": first,
        "deleted": !deleted.is_empty(),
        "visitors_deleted": deleted,
        "credentials_revoked": revocation.deleted,
        "credentials_unassigned": revocation.unassigned,
    });
    Ok(outcome(first, None, !deleted.is_empty() || revocation.changed(), detail))
}

/// What retiring one duplicate did.
pub struct Retired {
    pub changed: bool,
    pub detail: Json,
}

/// A second record of the visit, found by upsert: its credentials are taken away and it
/// is deactivated. It keeps its marker, so every later sign-out reaches it too.
pub fn retire(directory: &Directory, who: &PersonRef, record: &PersonRecord) -> Result<Retired, ConnectorError> {
    let mut revocation = Revocation::default();
    revoke::strip(directory, who, record, &mut revocation)?;
    let deactivated = record.is_active();
    if deactivated {
        deactivate_one(directory, record)?;
    }
    let detail = json!({
        "visitor": record.guid,
        "deactivated": deactivated,
        "credentials_revoked": revocation.deleted,
        "credentials_unassigned": revocation.unassigned,
    });
    Ok(Retired { changed: deactivated || revocation.changed(), detail })
}
