//! Taking credentials away: revoke-credentials, check-out, erase, and the duplicate
//! records upsert retires.
//!
//! What goes:
//! - every credential Gatehouse issued to the person (kv `credentials/…`): deleted, and
//!   its card number back in the pool (a deactivated credential would keep its number
//!   taken in Security Center and the range would run dry);
//! - for visitors, every credential still assigned to one of the visit's marked records
//!   (their `Credentials`, whatever kv says). One of ours that kv does not list (a card
//!   of the install's range whose issue was never recorded) is deleted the same way; any
//!   other (a pre-numbered card an operator handed over, seed A7 item 48) is unassigned:
//!   it no longer opens a door for this visitor, and stays in Security Center for the
//!   next one.

use gatehouse_sdk::{kv, ConnectorError, PersonRef};
use serde_json::{Map, Value as Json};

use crate::config::CardRange;
use crate::credentials::{self, Issued, IssuedKind};
use crate::entities::Directory;
use crate::envelope;
use crate::guid::Guid;
use crate::people::PersonRecord;
use crate::query::{Query, Value};

/// What a revocation took away.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Revocation {
    /// Credentials deleted.
    pub deleted: Vec<Guid>,
    /// Credentials of others (operators' cards) taken off the visitor, not deleted.
    pub unassigned: Vec<Guid>,
}

impl Revocation {
    pub fn changed(&self) -> bool {
        !self.deleted.is_empty() || !self.unassigned.is_empty()
    }
}

/// Revokes what Gatehouse issued to the visitor and every credential its marked records
/// hold.
pub fn visit(directory: &Directory, who: &PersonRef, records: &[PersonRecord]) -> Result<Revocation, ConnectorError> {
    let mut revocation = Revocation { deleted: credentials::revoke_all(directory, who)?, unassigned: Vec::new() };
    for record in records {
        strip(directory, who, record, &mut revocation)?;
    }
    Ok(revocation)
}

/// Takes every credential `record` holds away from it (those of kv's list that sit on
/// other records are left alone).
pub fn strip(
    directory: &Directory,
    who: &PersonRef,
    record: &PersonRecord,
    revocation: &mut Revocation,
) -> Result<(), ConnectorError> {
    let held: Vec<Guid> = record.credentials.iter().filter(|c| !revocation.deleted.contains(c)).copied().collect();
    if held.is_empty() {
        return Ok(());
    }
    let mut issued = credentials::issued(who)?;
    for object in directory.read_many(&held, &["Guid", "Format", "CardholderGuid"])? {
        let Some(guid) = envelope::guid(&object, "Guid") else { continue };
        // Given to someone else since the record was read: not this visit's any more.
        if envelope::guid(&object, "CardholderGuid").is_some_and(|owner| owner != record.guid) {
            continue;
        }
        let listed = issued.iter().position(|i| i.guid == guid).map(|at| issued.remove(at));
        let card = match &listed {
            Some(Issued { kind: IssuedKind::Card { pool, number }, .. }) => Some((pool.clone(), *number)),
            Some(Issued { kind: IssuedKind::Pin, .. }) => None,
            None => our_card(directory.settings.cards.as_ref(), &object),
        };
        if listed.is_none() && card.is_none() {
            let unassign = Query::new().entity(&record.guid).remove("Credentials", Value::guid(&guid));
            directory.sdk.write(&unassign)?;
            revocation.unassigned.push(guid);
            continue;
        }
        if directory.delete(&guid)? {
            revocation.deleted.push(guid);
        }
        if let Some((pool, number)) = card {
            kv::release_unique(&pool, number)?;
        }
        if listed.is_some() {
            kv::set_json(&credentials::issued_key(who), &issued)?;
        }
    }
    Ok(())
}

/// The pool and number of a card from the install's range, read from its `Format`.
///
/// ASSUMPTION: a card's `Format` reads with its number as `CardId` and its `UniqueId`
/// as the format constructor expression, e.g. `WiegandStandardCredentialFormat(101,5000)`
/// (spec §5.3 legacy names and the guide's `UniqueIds@` filter, [I]).
fn our_card(range: Option<&CardRange>, credential: &Map<String, Json>) -> Option<(String, u64)> {
    let range = range?;
    let format = envelope::field(credential, "Format")?.as_object()?;
    let number = match envelope::field(format, "CardId")? {
        Json::Number(number) => number.as_u64(),
        Json::String(text) => text.trim().parse().ok(),
        _ => None,
    }?;
    let unique = envelope::text(format, "UniqueId")?.replace(' ', "");
    let ours = (range.min..=range.max).contains(&number)
        && unique.eq_ignore_ascii_case(range.format.constructor(range.facility_code, number).as_str());
    ours.then(|| (credentials::pool(range), number))
}
