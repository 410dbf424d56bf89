//! Property reads: projections in `q`, and `/entity/{id}` / `/entity/basic/{id}`.
//!
//! One table per entity type lists the readable properties, so projection, "all
//! properties" and the "no setter" message agree on what exists.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::envelope::SdkFailure;
use crate::model::status::format_date;
use crate::model::{well_known, Directory, EntityType, Person};

/// Base-class properties (`/entity/basic/{id}`).
pub const BASE_PROPERTIES: &[&str] = &[
    "Guid",
    "Name",
    "Description",
    "EntityType",
    "LogicalId",
    "CreatedOn",
    "CustomFields",
    "Partitions",
    "HiddenFromUI",
    "IsOnline",
    "RunningState",
];
const PERSON_PROPERTIES: &[&str] = &[
    "FirstName",
    "LastName",
    "EmailAddress",
    "MobilePhoneNumber",
    "Status",
    "State",
    "ActivationDate",
    "ExpirationDate",
    "Groups",
    "Credentials",
    "CanEscort",
    "AccessRules",
    "Picture",
];
const VISITOR_PROPERTIES: &[&str] = &["Arrival", "Departure", "CheckinDate"];
const CREDENTIAL_PROPERTIES: &[&str] =
    &["Format", "CardholderGuid", "Cardholder", "State", "Status", "ActivationDate", "ExpirationDate", "BadgeTemplate"];
const GROUP_PROPERTIES: &[&str] = &["Members", "IsVisitorGroup", "EmailAddress"];
const DOOR_PROPERTIES: &[&str] = &["Area"];
const AREA_PROPERTIES: &[&str] = &["Doors"];

/// Every built-in property of a type, base class first.
///
/// ASSUMPTION: collections (`Groups`, `Credentials`, `Members`, `Doors`) read as
/// arrays of GUID strings, like `Entities` in `events/subscribed` (spec §6 OP4 [I]);
/// the visitor flag of a group is named `IsVisitorGroup` (spec §5.2 [I]).
pub fn property_names(entity_type: EntityType) -> Vec<&'static str> {
    let specific: &[&[&str]] = match entity_type {
        EntityType::Cardholder => &[PERSON_PROPERTIES],
        EntityType::Visitor => &[PERSON_PROPERTIES, VISITOR_PROPERTIES],
        EntityType::Credential => &[CREDENTIAL_PROPERTIES],
        EntityType::CardholderGroup => &[GROUP_PROPERTIES],
        EntityType::Door => &[DOOR_PROPERTIES],
        EntityType::Area => &[AREA_PROPERTIES],
        _ => &[],
    };
    BASE_PROPERTIES.iter().chain(specific.iter().flat_map(|s| s.iter())).copied().collect()
}

/// The canonical spelling of a built-in property, if the type has it.
pub fn canonical_property(entity_type: EntityType, name: &str) -> Option<&'static str> {
    property_names(entity_type).into_iter().find(|p| p.eq_ignore_ascii_case(name.trim()))
}

pub fn not_found(name: &str, entity_type: EntityType) -> SdkFailure {
    // ASSUMPTION: wording modelled on the observed report message [I].
    SdkFailure::invalid_operation(format!("Could not find property '{name}' on entity type '{}'", entity_type.name()))
}

/// `Prop` or `Prop.Sub`: the result key (canonical, dotted) and its value.
pub fn project(
    directory: &Directory,
    guid: Uuid,
    path: &[String],
    now: DateTime<Utc>,
) -> Result<(String, Value), SdkFailure> {
    let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    let (first, rest) = path.split_first().ok_or_else(|| SdkFailure::invalid_operation("Empty projection"))?;
    let (mut key, mut value) = property(directory, guid, entity_type, first, now)?;
    for part in rest {
        let Value::Object(fields) = &value else {
            return Err(not_found(&format!("{key}.{part}"), entity_type));
        };
        let (name, field) = fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(part))
            .ok_or_else(|| not_found(&format!("{key}.{part}"), entity_type))?;
        key = format!("{key}.{name}");
        value = field.clone();
    }
    // ASSUMPTION: a dotted projection is keyed by its full dotted path [I].
    Ok((key, value))
}

/// Every property of an entity; only the base class when `basic`.
pub fn all_properties(directory: &Directory, guid: Uuid, basic: bool, now: DateTime<Utc>) -> Result<Value, SdkFailure> {
    let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    let names = if basic { BASE_PROPERTIES.to_vec() } else { property_names(entity_type) };
    let mut fields = Map::new();
    for name in names {
        let (key, value) = property(directory, guid, entity_type, name, now)?;
        fields.insert(key, value);
    }
    Ok(Value::Object(fields))
}

fn property(
    directory: &Directory,
    guid: Uuid,
    entity_type: EntityType,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(String, Value), SdkFailure> {
    if entity_type == EntityType::SystemConfiguration {
        return system_configuration_property(directory, name);
    }
    let header = directory.header(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    let Some(canonical) = canonical_property(entity_type, name) else {
        let field = directory.custom_field(entity_type, name).ok_or_else(|| not_found(name, entity_type))?;
        let value = header.custom_fields.get(&field.name).cloned().unwrap_or_else(|| field.default_value.clone());
        return Ok((field.name.clone(), value));
    };
    let guids = |list: Vec<Uuid>| json!(list.iter().map(Uuid::to_string).collect::<Vec<_>>());
    let value = match canonical {
        "Guid" => json!(guid.to_string()),
        "Name" => json!(header.name),
        "Description" => json!(header.description),
        "EntityType" => json!(entity_type.name()),
        "LogicalId" => json!(header.logical_id),
        "CreatedOn" => json!(format_date(header.created_on)),
        "CustomFields" => custom_field_values(directory, entity_type, &header.custom_fields),
        "Partitions" => guids(vec![header.partition]),
        "HiddenFromUI" => json!(false),
        "IsOnline" => json!(true),
        "RunningState" => json!("Running"),
        "Groups" => guids(directory.groups_of(guid)),
        "Credentials" => guids(directory.credentials_of(guid)),
        "AccessRules" => json!([]),
        "Members" => guids(
            directory.cardholder_groups.get(&guid).map(|g| g.members.iter().copied().collect()).unwrap_or_default(),
        ),
        "IsVisitorGroup" => json!(directory.cardholder_groups.get(&guid).is_some_and(|g| g.visitor_group)),
        "Doors" => guids(directory.doors.values().filter(|d| d.area == Some(guid)).map(|d| d.header.guid).collect()),
        "Area" => json!(directory.doors.get(&guid).and_then(|d| d.area).map(|a| a.to_string())),
        _ => typed_property(directory, guid, canonical, now),
    };
    Ok((canonical.to_string(), value))
}

/// Properties whose source depends on the entity's concrete type.
fn typed_property(directory: &Directory, guid: Uuid, name: &str, now: DateTime<Utc>) -> Value {
    if let Some(credential) = directory.credentials.get(&guid) {
        return match name {
            "Format" => credential.format.to_json(),
            "CardholderGuid" => json!(credential.cardholder.unwrap_or(Uuid::nil()).to_string()),
            "Cardholder" => match credential.cardholder.and_then(|c| directory.header(c)) {
                Some(owner) => json!({ "Guid": owner.guid.to_string(), "Name": owner.name }),
                None => Value::Null,
            },
            "BadgeTemplate" => json!(Uuid::nil().to_string()),
            _ => status_property(&credential.status, name, now),
        };
    }
    if let Some(group) = directory.cardholder_groups.get(&guid) {
        return match name {
            "EmailAddress" => json!(group.email_address),
            _ => Value::Null,
        };
    }
    let Some(person) = directory.person(guid) else {
        return Value::Null;
    };
    if let Some(visitor) = directory.visitors.get(&guid) {
        match name {
            "Arrival" => return json!(visitor.arrival.map(format_date)),
            "Departure" => return json!(visitor.departure.map(format_date)),
            "CheckinDate" => return json!(visitor.checkin_date.map(format_date)),
            _ => {}
        }
    }
    person_property(person, name, now)
}

fn person_property(person: &Person, name: &str, now: DateTime<Utc>) -> Value {
    match name {
        "FirstName" => json!(person.first_name),
        "LastName" => json!(person.last_name),
        "EmailAddress" => json!(person.email_address),
        "MobilePhoneNumber" => json!(person.mobile_phone_number),
        "CanEscort" => json!(person.can_escort),
        // ASSUMPTION: a cardholder without a picture reads `null` [I].
        "Picture" => json!(person.picture),
        _ => status_property(&person.status, name, now),
    }
}

fn status_property(status: &crate::model::Status, name: &str, now: DateTime<Utc>) -> Value {
    let object = status.to_json(now);
    match name {
        "Status" => object,
        "State" => object["State"].clone(),
        "ActivationDate" => object["ActivationDate"].clone(),
        "ExpirationDate" => object["ExpirationDate"].clone(),
        _ => Value::Null,
    }
}

/// ASSUMPTION: an entity's `CustomFields` reads as an object of field name to value,
/// defaults included [I].
fn custom_field_values(
    directory: &Directory,
    entity_type: EntityType,
    values: &std::collections::BTreeMap<String, Value>,
) -> Value {
    let fields = directory
        .custom_fields
        .iter()
        .filter(|f| f.entity_type == entity_type)
        .map(|f| (f.name.clone(), values.get(&f.name).cloned().unwrap_or_else(|| f.default_value.clone())));
    Value::Object(fields.collect())
}

fn system_configuration_property(directory: &Directory, name: &str) -> Result<(String, Value), SdkFailure> {
    let value = match name.trim().to_ascii_lowercase().as_str() {
        "guid" => json!(well_known::SYSTEM_CONFIGURATION.to_string()),
        "name" => json!("System configuration"),
        "entitytype" => json!(EntityType::SystemConfiguration.name()),
        "customfields" => Value::Array(directory.custom_fields.iter().map(|f| f.to_json()).collect()),
        _ => return Err(not_found(name, EntityType::SystemConfiguration)),
    };
    let canonical = ["Guid", "Name", "EntityType", "CustomFields"]
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(name.trim()))
        .unwrap_or("Guid");
    Ok((canonical.to_string(), value))
}
