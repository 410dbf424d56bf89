//! Method calls: `Status.Activate(…)`, `Checkout()`, `InsertIntoPartition(p)`, and the
//! group methods.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::collections::{membership, Edit};
use super::write::date;
use crate::envelope::SdkFailure;
use crate::model::status::{Expiration, Status};
use crate::model::{Directory, EntityType};
use crate::query::{parse_entity_ref, Value};

fn unknown_method(method: &str, entity_type: EntityType) -> SdkFailure {
    SdkFailure::invalid_operation(format!("Could not find method '{method}' on entity type '{}'", entity_type.name()))
}

pub fn call(
    directory: &mut Directory,
    guid: Uuid,
    receiver: &[String],
    method: &str,
    args: &[Value],
    now: DateTime<Utc>,
) -> Result<(), SdkFailure> {
    let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    match receiver {
        [] => entity_method(directory, guid, entity_type, method, args, now),
        [status] if status.eq_ignore_ascii_case("Status") => {
            status_method(directory, guid, entity_type, method, args, now)
        }
        _ => Err(unknown_method(&format!("{}.{method}", receiver.join(".")), entity_type)),
    }
}

fn entity_method(
    directory: &mut Directory,
    guid: Uuid,
    entity_type: EntityType,
    method: &str,
    args: &[Value],
    now: DateTime<Utc>,
) -> Result<(), SdkFailure> {
    match (entity_type, method.to_ascii_lowercase().as_str(), args) {
        (EntityType::SystemConfiguration, _, _) => Err(unknown_method(method, entity_type)),
        (_, "insertintopartition", [partition]) => {
            let partition = resolve(directory, partition)?;
            if !directory.partitions.contains_key(&partition) {
                return Err(SdkFailure::invalid_value(format!("{partition} is not a partition")));
            }
            if let Some(header) = directory.header_mut(guid) {
                header.partition = partition;
            }
            Ok(())
        }
        (EntityType::Visitor, "checkout", []) => {
            checkout(directory, guid, now);
            Ok(())
        }
        (EntityType::CardholderGroup, "addcardholderintogroup", [person]) => {
            let person = resolve(directory, person)?;
            membership(directory, guid, person, Edit::Add)
        }
        (EntityType::CardholderGroup, "removecardholderfromgroup", [person]) => {
            let person = resolve(directory, person)?;
            membership(directory, guid, person, Edit::Remove)
        }
        _ => Err(unknown_method(method, entity_type)),
    }
}

/// `Checkout()` archives the visitor (spec §5.2): later reads fail.
/// ASSUMPTION: the Web SDK spelling is `entity={v},Checkout()` (spec §6 OP11 [I]).
///
/// ASSUMPTION: checking out also unassigns the visitor's credentials and removes it
/// from its groups, as returning a badge does in Security Desk [I].
fn checkout(directory: &mut Directory, guid: Uuid, now: DateTime<Utc>) {
    if let Some(mut visitor) = directory.visitors.remove(&guid) {
        visitor.checkout_date = Some(now);
        directory.detach(guid);
        directory.archived_visitors.insert(guid, visitor);
    }
}

fn status_method(
    directory: &mut Directory,
    guid: Uuid,
    entity_type: EntityType,
    method: &str,
    args: &[Value],
    now: DateTime<Utc>,
) -> Result<(), SdkFailure> {
    let dates: Vec<DateTime<Utc>> = match method.to_ascii_lowercase().as_str() {
        "activate" | "deactivate" => args.iter().map(date).collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let days = |args: &[Value]| -> Result<i64, SdkFailure> {
        let [n] = args else {
            return Err(SdkFailure::invalid_value(format!("{method} takes a number of days")));
        };
        let text = n.to_text();
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|d| *d > 0)
            .ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a number of days")))
    };
    let update: Box<dyn FnOnce(&mut Status)> = match (method.to_ascii_lowercase().as_str(), &dates[..]) {
        ("activate", []) => Box::new(|s| s.activate(None, None)),
        ("activate", [from]) => {
            let from = *from;
            Box::new(move |s| s.activate(Some(from), None))
        }
        ("activate", [from, to]) => {
            let (from, to) = (*from, *to);
            Box::new(move |s| s.activate(Some(from), Some(to)))
        }
        ("deactivate", []) => Box::new(|s| s.deactivate(None)),
        ("deactivate", [at]) => {
            let at = *at;
            Box::new(move |s| s.deactivate(Some(at)))
        }
        // ASSUMPTION: the Platform SDK's expiry methods keep their names on `Status.`
        // in the Web SDK (spec §5.1 [I]).
        ("expirewhennotusedindays", _) => {
            let seconds = TimeDelta::days(days(args)?).num_seconds();
            Box::new(move |s| s.expiration = Expiration::WhenNotUsed { seconds })
        }
        ("expireonfirstuseindays", _) => {
            let seconds = TimeDelta::days(days(args)?).num_seconds();
            Box::new(move |s| s.expiration = Expiration::OnFirstUse { seconds })
        }
        _ => return Err(unknown_method(&format!("Status.{method}"), entity_type)),
    };
    if let Some(credential) = directory.credentials.get_mut(&guid) {
        update(&mut credential.status);
        return Ok(());
    }
    let activating = method.eq_ignore_ascii_case("activate");
    if let Some(visitor) = directory.visitors.get_mut(&guid) {
        // ASSUMPTION: `Status.Activate(…)` on a visitor is its check-in and stamps
        // CheckinDate once (spec §5.2, Web SDK syntax [I]).
        if activating && visitor.checkin_date.is_none() {
            visitor.checkin_date = Some(now);
        }
    }
    let person = directory.person_mut(guid).ok_or_else(|| unknown_method(&format!("Status.{method}"), entity_type))?;
    update(&mut person.status);
    Ok(())
}

fn resolve(directory: &Directory, value: &Value) -> Result<Uuid, SdkFailure> {
    let reference = parse_entity_ref(value)?;
    directory.resolve(&reference).ok_or_else(|| SdkFailure::unknown_entity(value.to_text()))
}
