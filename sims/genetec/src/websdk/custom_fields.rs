//! The `customField/…` endpoints (spec §5.5): define, delete, read and write values.

use axum::http::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use super::{Call, Reply};
use crate::envelope::{SdkFailure, SdkResponse};
use crate::model::{CustomFieldDefinition, DataType, EntityType};
use crate::ops::write::set_custom_field;
use crate::query::{parse_guid, query_parameter, Value};

pub fn handle(call: &Call<'_>) -> Reply {
    let args = &call.segments[1..];
    let result = match (call.method, args) {
        (&Method::POST, [entity_type, name, data_type, default @ ..]) if default.len() <= 1 => {
            define(call, entity_type, name, data_type, default.first().map_or("", String::as_str))
        }
        (&Method::DELETE, [entity_type, name]) => remove(call, entity_type, name),
        (&Method::GET, [entity, name]) => read(call, entity, name),
        (&Method::PUT, [entity, name, value @ ..]) if value.len() <= 1 => {
            // `?val=` carries values that contain `%2f` (spec §5.5).
            let value = query_parameter(call.raw_query, "val").or_else(|| value.first().cloned()).unwrap_or_default();
            write(call, entity, name, &value)
        }
        _ => return Reply::Http(super::html(StatusCode::NOT_FOUND, "The resource cannot be found.")),
    };
    SdkResponse::from(result).into()
}

fn entity_type(name: &str) -> Result<EntityType, SdkFailure> {
    EntityType::parse(name).ok_or_else(|| SdkFailure::invalid_value(format!("Unknown entity type '{name}'")))
}

/// ASSUMPTION: creating returns the new field's GUID as `Result.Guid`, and a second
/// field with the same name on the same type fails [I].
fn define(
    call: &Call<'_>,
    type_name: &str,
    name: &str,
    data_type: &str,
    default: &str,
) -> Result<SdkResponse, SdkFailure> {
    let entity_type = entity_type(type_name)?;
    let data_type = DataType::parse(data_type)
        .ok_or_else(|| SdkFailure::invalid_value(format!("Unknown data type '{data_type}'")))?;
    let default_value = if default.is_empty() && data_type == DataType::Text {
        json!("")
    } else if default.is_empty() {
        serde_json::Value::Null
    } else {
        data_type.coerce(default).map_err(SdkFailure::invalid_value)?
    };
    call.sim.transact(|directory| {
        if directory.custom_field(entity_type, name).is_some() {
            return Err(SdkFailure::invalid_operation(format!(
                "Custom field '{name}' already exists for {}",
                entity_type.name()
            )));
        }
        let guid = Uuid::new_v4();
        directory.custom_fields.push(CustomFieldDefinition {
            guid,
            name: name.to_string(),
            entity_type,
            data_type,
            default_value,
        });
        Ok(SdkResponse::with_result(json!({ "Guid": guid.to_string() })))
    })
}

fn remove(call: &Call<'_>, type_name: &str, name: &str) -> Result<SdkResponse, SdkFailure> {
    let entity_type = entity_type(type_name)?;
    call.sim.transact(|directory| {
        let field = directory
            .custom_field(entity_type, name)
            .map(|f| f.name.clone())
            .ok_or_else(|| SdkFailure::invalid_value(format!("No custom field '{name}' on {}", entity_type.name())))?;
        directory.custom_fields.retain(|f| !(f.entity_type == entity_type && f.name == field));
        let guids: Vec<Uuid> =
            directory.headers().iter().filter(|(t, _)| *t == entity_type).map(|(_, h)| h.guid).collect();
        for guid in guids {
            if let Some(header) = directory.header_mut(guid) {
                header.custom_fields.remove(&field);
            }
        }
        Ok(SdkResponse::ok())
    })
}

/// ASSUMPTION: a value reads back as `Result.Value` [I].
fn read(call: &Call<'_>, entity: &str, name: &str) -> Result<SdkResponse, SdkFailure> {
    let guid = parse_guid(entity).ok_or_else(|| SdkFailure::invalid_value(format!("'{entity}' is not a GUID")))?;
    let now = call.sim.clock.now();
    let (_, value) = call.sim.read(|d| {
        let entity_type = d.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
        d.custom_field(entity_type, name)
            .ok_or_else(|| SdkFailure::invalid_value(format!("No custom field '{name}' on {}", entity_type.name())))?;
        crate::ops::read::project(d, guid, &[name.to_string()], now)
    })?;
    Ok(SdkResponse::with_result(json!({ "Value": value })))
}

fn write(call: &Call<'_>, entity: &str, name: &str, value: &str) -> Result<SdkResponse, SdkFailure> {
    let guid = parse_guid(entity).ok_or_else(|| SdkFailure::invalid_value(format!("'{entity}' is not a GUID")))?;
    call.sim.transact(|directory| {
        let entity_type = directory.entity_type(guid).ok_or_else(|| SdkFailure::unknown_entity(guid))?;
        set_custom_field(directory, guid, entity_type, name, &Value::Text(value.to_string()))?;
        Ok(SdkResponse::ok())
    })
}
