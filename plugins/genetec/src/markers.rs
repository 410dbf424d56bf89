//! The marker: how a visitor record says which Gatehouse visit it belongs to.
//!
//! Every visitor the connector creates carries the visit's external id in the same
//! request that creates it (Description `gatehouse:{id}`, or the install's custom
//! field), so the record is found again whatever else was lost: kv (a create whose
//! answer never came), the idempotency key (a redrive after a compensation comes with
//! new keys), or the name (never used: two visitors may share one, and a name can be
//! edited in Security Desk).
//!
//! Fail closed: actions that take access away act on *every* live visitor carrying the
//! marker ([`all`]), so a second record left by an old bug or made by hand is never
//! forgotten with its access, and none of them fails when there is no record at all.

use gatehouse_sdk::{ConnectorError, PersonKind, PersonRef};
use serde_json::Value as Json;

use crate::config::IdStore;
use crate::entities::{Directory, EntityType};
use crate::envelope;
use crate::guid::Guid;
use crate::people::{self, PersonRecord};
use crate::query::{Query, Value};

/// What the Description holds when it carries the external id.
const DESCRIPTION_PREFIX: &str = "gatehouse:";

/// The property that holds the marker of `kind`; employees carry none (they are matched
/// by email).
pub fn property<'a>(directory: &'a Directory, kind: PersonKind) -> Option<&'a str> {
    match (kind, &directory.settings.id_store) {
        (PersonKind::Employee, _) => None,
        (PersonKind::Visitor, IdStore::Description) => Some("Description"),
        (PersonKind::Visitor, IdStore::CustomField(field)) => Some(field),
    }
}

/// The marker value of a visit, as the marker property holds it.
fn value(id_store: &IdStore, external_id: &str) -> String {
    match id_store {
        IdStore::Description => format!("{DESCRIPTION_PREFIX}{external_id}"),
        IdStore::CustomField(_) => external_id.to_string(),
    }
}

/// Adds the external id to a creating query, per the install's [`IdStore`].
pub fn stamp(query: Query, id_store: &IdStore, external_id: &str) -> Query {
    let marker = Value::text(&value(id_store, external_id));
    match id_store {
        IdStore::Description => query.set("Description", marker),
        // ASSUMPTION: a custom field can be set by name in the creating `q`, like any
        // property (the documented alternative is a separate `PUT customField/…`,
        // which would leave a window where the record has no external id) [I].
        IdStore::CustomField(field) => query.set(field, marker),
    }
}

/// Whether `record` is `who`'s: for a visitor, it carries exactly the visit's marker.
pub fn is_ours(directory: &Directory, who: &PersonRef, record: &PersonRecord) -> bool {
    match who.kind {
        PersonKind::Employee => true,
        PersonKind::Visitor => {
            record.marker.as_deref() == Some(value(&directory.settings.id_store, &who.external_id).as_str())
        }
    }
}

/// Every live visitor carrying `who`'s marker, found by searching Security Center,
/// active ones first (search order otherwise).
pub fn search(directory: &Directory, who: &PersonRef) -> Result<Vec<PersonRecord>, ConnectorError> {
    let entity_type = EntityType::Visitor;
    let types = Query::new().add("EntityTypes", &[Value::word(entity_type.name())]);
    let wanted = value(&directory.settings.id_store, &who.external_id);
    let filters = match &directory.settings.id_store {
        // The default search mode matches prefixes (spec §6 OP2, [I]): "visit-7" would
        // find "visit-70" too, so candidates are compared exactly below.
        IdStore::Description => types.set("Description", Value::text(&wanted)),
        IdStore::CustomField(field) => {
            let field_guid =
                directory.custom_field(field, entity_type)?.ok_or_else(|| missing_field(field, entity_type))?;
            types.add("CustomFields", &[Value::call("CustomField", &[Value::guid(&field_guid), Value::text(&wanted)])])
        }
    };
    let candidates = directory.search("EntityConfiguration", filters)?;
    let marker = property(directory, who.kind);
    let objects = directory.read_many(&candidates, &people::properties(directory, who.kind))?;
    let mut records: Vec<PersonRecord> = objects
        .iter()
        .filter_map(|object| envelope::guid(object, "Guid").map(|guid| people::record(guid, object, marker)))
        .filter(|record| is_ours(directory, who, record))
        .collect();
    // The same record twice (a search page boundary moving under us) counts once.
    let mut seen = Vec::new();
    records.retain(|r| {
        !seen.contains(&r.guid) && {
            seen.push(r.guid);
            true
        }
    });
    records.sort_by_key(|r| !r.is_active());
    Ok(records)
}

/// Every live visitor of the visit: the one kv remembers (then the PACS id the host
/// gave) first, when it still carries the marker, then those the search finds. A
/// shortcut whose record is gone or no longer carries the marker is forgotten.
pub fn all(directory: &Directory, who: &PersonRef) -> Result<Vec<PersonRecord>, ConnectorError> {
    let mut found = search(directory, who)?;
    let mut first = Vec::new();
    for (guid, from_kv) in people::shortcuts(who)? {
        if let Some(at) = found.iter().position(|r| r.guid == guid) {
            first.push(found.remove(at));
            continue;
        }
        // Not found by the search (an index that lags, or not ours): read it to know.
        match people::read(directory, &guid, who.kind)? {
            Some(record) if is_ours(directory, who, &record) => first.push(record),
            _ if from_kv => people::forget(who)?,
            _ => {}
        }
    }
    first.extend(found);
    Ok(first)
}

/// The GUIDs of records, for outcome details.
pub fn guids(records: &[PersonRecord]) -> Vec<Guid> {
    records.iter().map(|r| r.guid).collect()
}

pub fn missing_field(field: &str, entity_type: EntityType) -> ConnectorError {
    ConnectorError::config(format!(
        "the custom field {field:?} (external_id_field) is not defined for {} entities in Security Center; \
         create it as a Text field or clear external_id_field to use the Description",
        entity_type.name()
    ))
}

pub fn json_text(value: &Json) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}
