//! `EntityConfiguration`, `CardholderConfiguration` and `CredentialConfiguration`:
//! entity searches returning `{"Guid":…}` rows, with paging (spec §6 OP2/OP3, §10.8).
//!
//! ASSUMPTION: every configuration report answers `{"Guid":…}` rows only, and
//! `EntityTypes@Partition` lists partitions like any type (spec §5.4 [I]).

use serde_json::json;
use uuid::Uuid;

use super::filters::{number, unknown_filter, SearchMode};
use crate::envelope::{RspStatus, SdkFailure, SdkResponse};
use crate::model::{CredentialFormat, Directory, EntityType, Header, User};
use crate::query::{parse_guid, Op, OpKind, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Entity,
    Cardholder,
    Credential,
}

/// A text filter and how to compare it.
struct TextFilter {
    wanted: String,
    mode: Option<SearchMode>,
}

impl TextFilter {
    /// ASSUMPTION: the default search mode is StartsWith for every text filter (S10
    /// re-checks `Name=` results for equality) [I].
    fn matches(&self, candidate: &str) -> bool {
        self.mode.unwrap_or(SearchMode::StartsWith).matches(candidate, &self.wanted)
    }
}

#[derive(Default)]
struct Filters {
    types: Vec<EntityType>,
    text: Vec<(&'static str, TextFilter)>,
    logical_id: Option<u32>,
    custom_fields: Vec<(Uuid, String)>,
    unique_ids: Vec<Value>,
    page: Option<usize>,
    page_size: Option<usize>,
    maximum: Option<usize>,
}

/// Text filters by kind: the filter name and the property it compares.
/// ASSUMPTION: the Web SDK spells the cardholder email filter `Email`/`EmailSearchMode`
/// (from CardholderConfigurationQuery; spec §6 OP3 [I]).
fn text_filters(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Cardholder => &["Name", "Description", "Email", "FirstName", "LastName"],
        _ => &["Name", "Description"],
    }
}

fn parse(kind: Kind, ops: &[Op]) -> Result<Filters, SdkFailure> {
    let mut filters = Filters::default();
    for op in ops {
        match &op.kind {
            OpKind::Add(path, items) if is(path, "EntityTypes") && kind == Kind::Entity => {
                for item in items {
                    let name = item.to_text();
                    let entity_type = EntityType::parse(&name)
                        .ok_or_else(|| SdkFailure::invalid_value(format!("Unknown entity type '{name}'")))?;
                    filters.types.push(entity_type);
                }
            }
            OpKind::Add(path, items) if is(path, "CustomFields") => {
                for item in items {
                    let [field, value] = item.as_call("CustomField").unwrap_or_default() else {
                        return Err(SdkFailure::invalid_value(format!(
                            "Expected CustomField(fieldGuid,value) in '{}'",
                            op.source
                        )));
                    };
                    let field = parse_guid(&field.to_text()).ok_or_else(|| {
                        SdkFailure::invalid_value(format!("'{}' is not a custom field GUID", field.to_text()))
                    })?;
                    filters.custom_fields.push((field, value.to_text()));
                }
            }
            OpKind::Add(path, items) if is(path, "UniqueIds") && kind == Kind::Credential => {
                filters.unique_ids.extend(items.iter().cloned());
            }
            OpKind::Set(path, value) if path.len() == 1 => set(kind, &mut filters, op, &path[0], value)?,
            OpKind::Set(path, _)
            | OpKind::Add(path, _)
            | OpKind::Remove(path, _)
            | OpKind::Clear(path)
            | OpKind::Project(path) => return Err(unknown_filter(op, &path.join("."))),
            OpKind::Call { method, .. } => return Err(unknown_filter(op, method)),
        }
    }
    Ok(filters)
}

fn is(path: &[String], name: &str) -> bool {
    path.len() == 1 && path[0].eq_ignore_ascii_case(name)
}

fn set(kind: Kind, filters: &mut Filters, op: &Op, name: &str, value: &Value) -> Result<(), SdkFailure> {
    let text = value.to_text();
    let lower = name.to_ascii_lowercase();
    if let Some(field) = text_filters(kind).iter().find(|f| f.eq_ignore_ascii_case(name)) {
        match filters.text.iter_mut().find(|(f, _)| f == field) {
            Some((_, filter)) => filter.wanted = text,
            None => filters.text.push((field, TextFilter { wanted: text, mode: None })),
        }
        return Ok(());
    }
    if let Some(field) =
        lower.strip_suffix("searchmode").and_then(|f| text_filters(kind).iter().find(|n| n.eq_ignore_ascii_case(f)))
    {
        let mode = SearchMode::parse(op, &text)?;
        match filters.text.iter_mut().find(|(f, _)| f == field) {
            Some((_, filter)) => filter.mode = Some(mode),
            None => filters.text.push((field, TextFilter { wanted: String::new(), mode: Some(mode) })),
        }
        return Ok(());
    }
    match lower.as_str() {
        "logicalid" => filters.logical_id = Some(number(op, &text)? as u32),
        "page" => filters.page = Some(number(op, &text)?.max(1)),
        "pagesize" => filters.page_size = Some(number(op, &text)?.max(1)),
        "maximumresultcount" => filters.maximum = Some(number(op, &text)?),
        // Accepted and irrelevant here: the simulator has no related-data cache.
        "downloadallrelateddata" => {}
        _ => return Err(unknown_filter(op, name)),
    }
    Ok(())
}

pub fn run(directory: &Directory, kind: Kind, ops: &[Op], user: &User) -> Result<SdkResponse, SdkFailure> {
    let filters = parse(kind, ops)?;
    let types: Vec<EntityType> = match kind {
        Kind::Cardholder => vec![EntityType::Cardholder],
        Kind::Credential => vec![EntityType::Credential],
        // ASSUMPTION: without `EntityTypes@`, every type the user may view is searched [I].
        Kind::Entity if filters.types.is_empty() => {
            EntityType::ALL.iter().copied().filter(|t| user.may_view(*t).is_ok()).collect()
        }
        Kind::Entity => filters.types.clone(),
    };
    // ASSUMPTION: searching for a type the user may not view fails like reading it [I].
    for entity_type in &types {
        user.may_view(*entity_type).map_err(SdkFailure::missing_privilege)?;
    }
    let mut matches: Vec<&Header> = directory
        .headers()
        .into_iter()
        .filter(|(t, _)| types.contains(t))
        .filter(|(t, h)| matches_filters(directory, &filters, *t, h))
        .map(|(_, h)| h)
        .collect();
    // ASSUMPTION: rows come sorted by name (case-insensitive), then GUID, so pages
    // are stable [I].
    matches.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.guid.cmp(&b.guid)));
    let mut status = RspStatus::Ok;
    let rows: Vec<&Header> = if filters.page.is_some() || filters.page_size.is_some() {
        // One extra row comes back when another page exists (spec §6 OP2, C S12).
        // ASSUMPTION: Page defaults to 1 and PageSize to 1000 when only one is given [I].
        let size = filters.page_size.unwrap_or(1000);
        let start = (filters.page.unwrap_or(1) - 1).saturating_mul(size);
        matches.into_iter().skip(start).take(size + 1).collect()
    } else {
        matches
    };
    let rows = match filters.maximum {
        // ASSUMPTION: more rows than MaximumResultCount → the first N with
        // `TooManyResults` [I].
        Some(maximum) if rows.len() > maximum => {
            status = RspStatus::TooManyResults;
            rows.into_iter().take(maximum).collect()
        }
        _ => rows,
    };
    let rows = rows.into_iter().map(|h| json!({ "Guid": h.guid.to_string() })).collect();
    Ok(SdkResponse { status, result: Some(serde_json::Value::Array(rows)) })
}

fn matches_filters(directory: &Directory, filters: &Filters, entity_type: EntityType, header: &Header) -> bool {
    let person = directory.person(header.guid);
    let text_ok = filters.text.iter().all(|(field, filter)| {
        let candidate = match *field {
            "Name" => header.name.as_str(),
            "Description" => header.description.as_str(),
            "Email" => person.map_or("", |p| p.email_address.as_str()),
            "FirstName" => person.map_or("", |p| p.first_name.as_str()),
            "LastName" => person.map_or("", |p| p.last_name.as_str()),
            _ => "",
        };
        filter.matches(candidate)
    });
    let logical_ok = filters.logical_id.is_none_or(|id| header.logical_id == Some(id));
    let custom_ok = filters.custom_fields.iter().all(|(field, wanted)| {
        // ASSUMPTION: an unset field compares as its default value [I].
        directory.custom_fields.iter().find(|f| f.guid == *field && f.entity_type == entity_type).is_some_and(
            |definition| {
                let stored = header.custom_fields.get(&definition.name).unwrap_or(&definition.default_value);
                definition.value_matches(stored, wanted)
            },
        )
    });
    let unique_ok = filters.unique_ids.is_empty()
        || directory.credentials.get(&header.guid).is_some_and(|credential| {
            filters.unique_ids.iter().any(|wanted| match CredentialFormat::parse(wanted, 0) {
                Ok(format) => format.unique_key() == credential.format.unique_key(),
                Err(_) => wanted.to_text().eq_ignore_ascii_case(&credential.format.unique_id()),
            })
        });
    text_ok && logical_ok && custom_ok && unique_ok
}
