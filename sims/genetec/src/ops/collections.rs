//! Collection edits: `Groups@`, `Members@`, `Credentials@`, their `-` and `*` forms,
//! and the group methods that do the same.
//!
//! Membership is stored once, on the group, and credential ownership once, on the
//! credential; both directions of the API edit that one place.

use uuid::Uuid;

use super::read::not_found;
use crate::envelope::SdkFailure;
use crate::model::{Directory, EntityType};
use crate::query::{parse_entity_ref, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Add,
    Remove,
}

/// `Coll@item` / `Coll-item` on `guid`.
pub fn edit(
    directory: &mut Directory,
    guid: Uuid,
    path: &[String],
    item: &Value,
    edit: Edit,
) -> Result<(), SdkFailure> {
    let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    let [name] = path else {
        return Err(not_found(&path.join("."), entity_type));
    };
    let item = resolve(directory, item)?;
    match (entity_type, name.to_ascii_lowercase().as_str()) {
        (EntityType::Cardholder | EntityType::Visitor, "groups") => membership(directory, item, guid, edit),
        (EntityType::CardholderGroup, "members") => membership(directory, guid, item, edit),
        (EntityType::Cardholder | EntityType::Visitor, "credentials") => match edit {
            Edit::Add => assign_credential(directory, guid, item),
            Edit::Remove => {
                unassign_credential(directory, guid, item);
                Ok(())
            }
        },
        _ => Err(not_found(name, entity_type)),
    }
}

/// `*Coll`.
pub fn clear(directory: &mut Directory, guid: Uuid, path: &[String]) -> Result<(), SdkFailure> {
    let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    let [name] = path else {
        return Err(not_found(&path.join("."), entity_type));
    };
    match (entity_type, name.to_ascii_lowercase().as_str()) {
        (EntityType::Cardholder | EntityType::Visitor, "groups") => {
            for group in directory.cardholder_groups.values_mut() {
                group.members.remove(&guid);
            }
        }
        (EntityType::CardholderGroup, "members") => {
            if let Some(group) = directory.cardholder_groups.get_mut(&guid) {
                group.members.clear();
            }
        }
        (EntityType::Cardholder | EntityType::Visitor, "credentials") => {
            for credential in directory.credentials.values_mut().filter(|c| c.cardholder == Some(guid)) {
                credential.cardholder = None;
            }
        }
        _ => return Err(not_found(name, entity_type)),
    }
    Ok(())
}

fn resolve(directory: &Directory, item: &Value) -> Result<Uuid, SdkFailure> {
    let reference = parse_entity_ref(item)?;
    directory.resolve(&reference).ok_or_else(|| SdkFailure::unknown_entity(item.to_text()))
}

/// Adds or removes `person` in `group`.
///
/// ASSUMPTION: a duplicate add fails (spec §5.4: a production client removes before
/// adding "as we can not add it again" [C3]; the simulator's `Fail` is [I]), the failure
/// is `InvalidOperation`, and
/// removing a non-member is a silent no-op (the same client removes first without
/// checking) [I].
pub fn membership(directory: &mut Directory, group: Uuid, person: Uuid, edit: Edit) -> Result<(), SdkFailure> {
    let is_visitor = match directory.entity_type(person) {
        Some(EntityType::Visitor) => true,
        Some(EntityType::Cardholder) => false,
        _ => return Err(SdkFailure::invalid_value(format!("{person} is not a cardholder or visitor"))),
    };
    let group_entity = directory
        .cardholder_groups
        .get_mut(&group)
        .ok_or_else(|| SdkFailure::invalid_value(format!("{group} is not a cardholder group")))?;
    match edit {
        Edit::Add if group_entity.members.contains(&person) => Err(SdkFailure::invalid_operation(format!(
            "Cardholder {person} is already a member of group '{}'",
            group_entity.header.name
        ))),
        Edit::Add if is_visitor && !group_entity.visitor_group => Err(SdkFailure::invalid_operation(format!(
            "Group '{}' is not available for visitors",
            group_entity.header.name
        ))),
        Edit::Add => {
            group_entity.members.insert(person);
            Ok(())
        }
        Edit::Remove => {
            group_entity.members.remove(&person);
            Ok(())
        }
    }
}

/// Gives `credential` to `owner`; a credential has one owner at a time (spec §5.3).
///
/// ASSUMPTION: assigning a credential that another cardholder holds fails rather than
/// moving it, whichever side of the relation is written [I].
pub fn assign_credential(directory: &mut Directory, owner: Uuid, credential: Uuid) -> Result<(), SdkFailure> {
    if !matches!(directory.entity_type(owner), Some(EntityType::Cardholder | EntityType::Visitor)) {
        return Err(SdkFailure::invalid_value(format!("{owner} is not a cardholder or visitor")));
    }
    let entity = directory
        .credentials
        .get_mut(&credential)
        .ok_or_else(|| SdkFailure::invalid_value(format!("{credential} is not a credential")))?;
    match entity.cardholder {
        Some(current) if current == owner => Err(SdkFailure::invalid_operation(format!(
            "Credential {credential} is already assigned to this cardholder"
        ))),
        Some(current) => Err(SdkFailure::invalid_operation(format!(
            "Credential {credential} is already assigned to cardholder {current}"
        ))),
        None => {
            entity.cardholder = Some(owner);
            Ok(())
        }
    }
}

fn unassign_credential(directory: &mut Directory, owner: Uuid, credential: Uuid) {
    if let Some(entity) = directory.credentials.get_mut(&credential).filter(|c| c.cardholder == Some(owner)) {
        entity.cardholder = None;
    }
}
