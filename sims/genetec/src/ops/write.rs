//! Property setters (`Prop=value`) with the Web SDK's constraints.

use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::read::{canonical_property, not_found};
use crate::envelope::SdkFailure;
use crate::model::credentials::CredentialFormat;
use crate::model::status::{Expiration, State, Status};
use crate::model::{Directory, EntityType};
use crate::query::{parse_bool, parse_date_time, parse_guid, parse_time_span, Form, Value};

/// The observed wording for a read-only property (spec §4.2, C3 S8).
pub fn no_setter(name: &str) -> SdkFailure {
    SdkFailure::invalid_operation(format!("The property {name} has no setter"))
}

pub fn date(value: &Value) -> Result<DateTime<Utc>, SdkFailure> {
    let text = value.to_text();
    parse_date_time(&text).ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a date")))
}

pub fn set(
    directory: &mut Directory,
    guid: Uuid,
    path: &[String],
    value: &Value,
    form: &Form,
) -> Result<(), SdkFailure> {
    let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    let [name] = path else {
        return Err(not_found(&path.join("."), entity_type));
    };
    if entity_type == EntityType::SystemConfiguration {
        return Err(no_setter(name));
    }
    let write_only = (name.trim().eq_ignore_ascii_case("ActivationMode")
        && matches!(entity_type, EntityType::Cardholder | EntityType::Visitor | EntityType::Credential))
    .then_some("ActivationMode");
    let Some(canonical) = canonical_property(entity_type, name).or(write_only) else {
        return set_custom_field(directory, guid, entity_type, name, value);
    };
    let text = value.to_text();
    match (entity_type, canonical) {
        (_, "Name") => header(directory, guid)?.name = text,
        (_, "Description") => header(directory, guid)?.description = text,
        (_, "LogicalId") => set_logical_id(directory, guid, entity_type, &text)?,
        (EntityType::Cardholder | EntityType::Visitor, "Picture") => set_picture(directory, guid, &text, form)?,
        (EntityType::Cardholder | EntityType::Visitor, _) => {
            set_person(directory, guid, entity_type, canonical, value)?
        }
        (EntityType::Credential, _) => set_credential(directory, guid, canonical, value)?,
        (EntityType::CardholderGroup, "IsVisitorGroup") => {
            let flag =
                parse_bool(&text).ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a boolean")))?;
            let group = directory.cardholder_groups.get(&guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
            if !flag && group.members.iter().any(|m| directory.visitors.contains_key(m)) {
                // ASSUMPTION: a group with visitor members cannot stop accepting visitors [I].
                return Err(SdkFailure::invalid_operation("The group has visitor members"));
            }
            if let Some(group) = directory.cardholder_groups.get_mut(&guid) {
                group.visitor_group = flag;
            }
        }
        (EntityType::CardholderGroup, "EmailAddress") => {
            if let Some(group) = directory.cardholder_groups.get_mut(&guid) {
                group.email_address = text;
            }
        }
        (EntityType::Door, "Area") => {
            let area = optional_guid(&text)?;
            if area.is_some_and(|a| !directory.areas.contains_key(&a)) {
                return Err(SdkFailure::unknown_entity(text));
            }
            if let Some(door) = directory.doors.get_mut(&guid) {
                door.area = area;
            }
        }
        _ => return Err(no_setter(canonical)),
    }
    Ok(())
}

fn header(directory: &mut Directory, guid: Uuid) -> Result<&mut crate::model::Header, SdkFailure> {
    directory.header_mut(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))
}

/// Empty or the nil GUID mean "none".
fn optional_guid(text: &str) -> Result<Option<Uuid>, SdkFailure> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let guid = parse_guid(text).ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a GUID")))?;
    Ok((!guid.is_nil()).then_some(guid))
}

fn set_logical_id(
    directory: &mut Directory,
    guid: Uuid,
    entity_type: EntityType,
    text: &str,
) -> Result<(), SdkFailure> {
    let id = if text.trim().is_empty() {
        None
    } else {
        let id = text.trim().parse::<u32>().ok().filter(|n| *n <= 9_999_999);
        Some(id.ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a logical id (0 to 9999999)")))?)
    };
    let taken = directory
        .headers()
        .iter()
        .any(|(t, h)| *t == entity_type && h.guid != guid && id.is_some() && h.logical_id == id);
    if taken {
        return Err(SdkFailure::invalid_value(format!(
            "Logical id {text} is already used by another {}",
            entity_type.name()
        )));
    }
    header(directory, guid)?.logical_id = id;
    Ok(())
}

fn set_person(
    directory: &mut Directory,
    guid: Uuid,
    entity_type: EntityType,
    name: &str,
    value: &Value,
) -> Result<(), SdkFailure> {
    let text = value.to_text();
    let is_visitor = entity_type == EntityType::Visitor;
    if let (true, "Arrival" | "Departure") = (is_visitor, name) {
        let at = date(value)?;
        if let Some(visitor) = directory.visitors.get_mut(&guid) {
            if name == "Arrival" {
                visitor.arrival = Some(at)
            } else {
                visitor.departure = Some(at)
            }
        }
        return Ok(());
    }
    // ASSUMPTION: the obsolete ActivationMode setter is refused on visitors like
    // ActivationDate (observed); visitors use Arrival/Departure and check-in [I].
    if is_visitor && name == "ActivationMode" {
        return Err(no_setter(name));
    }
    let person = directory.person_mut(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
    match name {
        "FirstName" => person.first_name = text,
        "LastName" => person.last_name = text,
        "EmailAddress" => person.email_address = text,
        "MobilePhoneNumber" => person.mobile_phone_number = text,
        "CanEscort" => {
            person.can_escort =
                parse_bool(&text).ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a boolean")))?
        }
        "State" => person.status.state = parse_state(&text, false)?,
        "ActivationMode" => apply_activation_mode(&mut person.status, value)?,
        // ASSUMPTION: ActivationDate/ExpirationDate have no setter on any type; the
        // message was observed on a Visitor (spec §5.2) [I for cardholders].
        _ => return Err(no_setter(name)),
    }
    Ok(())
}

/// `Picture=$part`: the picture is the base64 text of the form-data part of that name
/// (spec §3.2, [C S2]); `Picture=` with nothing clears it.
///
/// ASSUMPTION: the role refuses, inside the envelope, a reference to a part the request
/// lacks, content that is not base64, and an image it cannot decode; of the formats it
/// may decode [C3 S9] the simulator knows PNG and JPEG, by their signatures [I].
fn set_picture(directory: &mut Directory, guid: Uuid, text: &str, form: &Form) -> Result<(), SdkFailure> {
    let picture = match text.trim() {
        "" => None,
        reference if reference.starts_with('$') => {
            let part = form.part(reference).ok_or_else(|| {
                SdkFailure::invalid_operation(format!("The request has no form-data part named '{reference}'"))
            })?;
            let content = std::str::from_utf8(&part.content).unwrap_or_default().trim();
            let engine = base64::engine::general_purpose::STANDARD;
            let image = engine
                .decode(content)
                .map_err(|_| SdkFailure::invalid_value(format!("The content of '{reference}' is not base64")))?;
            if !(image.starts_with(b"\x89PNG\r\n\x1a\n") || image.starts_with(b"\xff\xd8\xff")) {
                return Err(SdkFailure::invalid_value(format!(
                    "The content of '{reference}' is not a PNG or JPEG image"
                )));
            }
            Some(engine.encode(image))
        }
        _ => {
            return Err(SdkFailure::invalid_value(
                "A picture is sent as a form-data part and referenced as Picture=$part",
            ))
        }
    };
    directory.person_mut(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?.picture = picture;
    Ok(())
}

fn parse_state(text: &str, credential: bool) -> Result<State, SdkFailure> {
    State::parse(text)
        .filter(|s| credential || *s != State::Requested)
        .ok_or_else(|| SdkFailure::invalid_value(format!("'{text}' is not a valid state")))
}

/// `ActivationMode=SpecificActivationPeriod(from,to)|SpecificDeactivation(to)|RelativeDeactivation(ts)`.
pub fn apply_activation_mode(status: &mut Status, value: &Value) -> Result<(), SdkFailure> {
    let Value::Call { name, args, .. } = value else {
        return Err(SdkFailure::invalid_value(format!("'{}' is not an activation mode", value.to_text())));
    };
    match (name.to_ascii_lowercase().as_str(), &args[..]) {
        ("specificactivationperiod", [from, to]) => status.activate(Some(date(from)?), Some(date(to)?)),
        ("specificdeactivation", [to]) => status.expiration = Expiration::SpecificDate { at: date(to)? },
        ("relativedeactivation", [span]) => {
            let span = parse_time_span(&span.to_text())
                .ok_or_else(|| SdkFailure::invalid_value(format!("'{}' is not a time span", span.to_text())))?;
            status.expiration = Expiration::OnFirstUse { seconds: span.num_seconds() };
        }
        _ => return Err(SdkFailure::invalid_value(format!("'{}' is not an activation mode", value.to_text()))),
    }
    Ok(())
}

fn set_credential(directory: &mut Directory, guid: Uuid, name: &str, value: &Value) -> Result<(), SdkFailure> {
    let text = value.to_text();
    match name {
        "Format" => {
            let format = CredentialFormat::parse(value, directory.system.min_pin_length)
                .map_err(|e| SdkFailure::invalid_value(e.0))?;
            ensure_card_is_free(directory, &format, Some(guid))?;
            credential_mut(directory, guid)?.format = format;
        }
        "CardholderGuid" => {
            let owner = optional_guid(&text)?;
            match owner {
                Some(owner) => super::collections::assign_credential(directory, owner, guid)?,
                None => credential_mut(directory, guid)?.cardholder = None,
            }
        }
        "State" => credential_mut(directory, guid)?.status.state = parse_state(&text, true)?,
        "ActivationMode" => apply_activation_mode(&mut credential_mut(directory, guid)?.status, value)?,
        _ => return Err(no_setter(name)),
    }
    Ok(())
}

fn credential_mut(directory: &mut Directory, guid: Uuid) -> Result<&mut crate::model::Credential, SdkFailure> {
    directory.credentials.get_mut(&guid).ok_or_else(|| SdkFailure::unknown_entity(guid))
}

/// One credential per (format, facility, card) (spec §10.7).
pub fn ensure_card_is_free(
    directory: &Directory,
    format: &CredentialFormat,
    except: Option<Uuid>,
) -> Result<(), SdkFailure> {
    let key = format.unique_key();
    match directory.credentials.values().find(|c| Some(c.header.guid) != except && c.format.unique_key() == key) {
        // ASSUMPTION: the code and wording for a duplicate card [I].
        Some(other) => Err(SdkFailure::new(
            crate::envelope::SdkErrorCode::EntityAlreadyExists,
            format!("A credential with unique id {} already exists ({})", format.unique_id(), other.header.guid),
        )),
        None => Ok(()),
    }
}

/// ASSUMPTION: custom field values can be set by name in `q` like any property,
/// besides the documented `PUT customField/…` [I].
pub fn set_custom_field(
    directory: &mut Directory,
    guid: Uuid,
    entity_type: EntityType,
    name: &str,
    value: &Value,
) -> Result<(), SdkFailure> {
    let field = directory.custom_field(entity_type, name).ok_or_else(|| not_found(name, entity_type))?;
    let stored = field.data_type.coerce(&value.to_text()).map_err(SdkFailure::invalid_value)?;
    let field_name = field.name.clone();
    header(directory, guid)?.custom_fields.insert(field_name, stored);
    Ok(())
}
