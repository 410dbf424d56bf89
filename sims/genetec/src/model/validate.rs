//! Whole-directory consistency: the same rules the API enforces one request at a
//! time, checked at once for fixtures and state files.

use std::collections::{BTreeMap, BTreeSet};

use super::{Directory, EntityType};

pub fn validate(directory: &Directory) -> Result<(), String> {
    let headers = directory.headers();
    let mut seen = BTreeSet::new();
    let mut logical_ids = BTreeSet::new();
    for (entity_type, header) in &headers {
        if !seen.insert(header.guid) {
            return Err(format!("GUID {} is used by two entities", header.guid));
        }
        if !directory.partitions.contains_key(&header.partition) {
            return Err(format!(
                "{} '{}' sits in unknown partition {}",
                entity_type.name(),
                header.name,
                header.partition
            ));
        }
        if let Some(id) = header.logical_id {
            if id > 9_999_999 || !logical_ids.insert((*entity_type, id)) {
                return Err(format!(
                    "Logical id {id} of {} '{}' is out of range or taken",
                    entity_type.name(),
                    header.name
                ));
            }
        }
        for (field, value) in &header.custom_fields {
            let definition = directory
                .custom_field(*entity_type, field)
                .ok_or_else(|| format!("'{}' has a value for undefined custom field '{field}'", header.name))?;
            let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
            definition
                .data_type
                .coerce(&text)
                .map_err(|e| format!("Custom field '{field}' of '{}': {e}", header.name))?;
        }
    }
    validate_custom_field_definitions(directory)?;
    validate_credentials(directory)?;
    for group in directory.cardholder_groups.values() {
        for member in &group.members {
            if directory.visitors.contains_key(member) && !group.visitor_group {
                return Err(format!(
                    "Visitor {member} is in group '{}', which is not available for visitors",
                    group.header.name
                ));
            }
            if directory.person(*member).is_none() {
                return Err(format!("Group '{}' lists unknown member {member}", group.header.name));
            }
        }
    }
    for door in directory.doors.values() {
        if door.area.is_some_and(|a| !directory.areas.contains_key(&a)) {
            return Err(format!("Door '{}' is in an unknown area", door.header.name));
        }
        if door.access_groups.iter().any(|g| !directory.cardholder_groups.contains_key(g)) {
            return Err(format!("Door '{}' names an unknown access group", door.header.name));
        }
    }
    let mut user_names = BTreeSet::new();
    if let Some(user) = directory.users.iter().find(|u| !user_names.insert(u.name.to_lowercase())) {
        return Err(format!("User '{}' is defined twice", user.name));
    }
    Ok(())
}

fn validate_custom_field_definitions(directory: &Directory) -> Result<(), String> {
    let mut guids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for field in &directory.custom_fields {
        if !guids.insert(field.guid) || !names.insert((field.entity_type, field.name.to_lowercase())) {
            return Err(format!("Custom field '{}' is defined twice", field.name));
        }
    }
    Ok(())
}

fn validate_credentials(directory: &Directory) -> Result<(), String> {
    let mut keys = BTreeMap::new();
    for credential in directory.credentials.values() {
        credential
            .format
            .validate(directory.system.min_pin_length)
            .map_err(|e| format!("Credential '{}': {e}", credential.header.name))?;
        if let Some(other) = keys.insert(credential.format.unique_key(), credential.header.guid) {
            return Err(format!("Credentials {other} and {} have the same card", credential.header.guid));
        }
        if let Some(owner) = credential.cardholder {
            if !matches!(directory.entity_type(owner), Some(EntityType::Cardholder | EntityType::Visitor)) {
                return Err(format!("Credential '{}' belongs to unknown cardholder {owner}", credential.header.name));
            }
        }
    }
    Ok(())
}
