//! Executes entity-endpoint queries against a directory: creation, setters,
//! collection edits, methods and projections, segment by segment.
//!
//! The caller hands in a working copy; on any `Fail` it is thrown away, so a query
//! either applies completely or not at all.
//! ASSUMPTION: a multi-token query is atomic; the real server may keep the effects of
//! the tokens before a failing one [I].

pub mod collections;
mod methods;
pub mod read;
pub mod write;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::envelope::SdkFailure;
use crate::model::entities::{Area, CardholderGroup, Credential, Door, Header, Partition};
use crate::model::{Cardholder, CredentialFormat, Directory, EntityType, Person, User, Visitor};
use crate::query::{EntityQuery, Form, OpKind, Segment, Target};

/// What a query runs with, besides the directory.
#[derive(Debug, Clone, Copy)]
pub struct ExecContext<'a> {
    /// Who runs the query: reading properties takes the "View … properties" privileges.
    pub user: &'a User,
    pub now: DateTime<Utc>,
    /// The session's creation partition (root unless `creationpartition` set it).
    pub creation_partition: Uuid,
    /// Whether the request came as POST.
    pub post: bool,
    /// The multipart parts `$name` values refer to (empty without a body).
    pub form: &'a Form,
}

/// Runs the query; the `Result` of the envelope, or `None` for a write-only query.
///
/// ASSUMPTION: with several segments the array holds one object per segment, `{}`
/// for a segment without projection; a query without any projection has no Result
/// (spec §4.2 [I]).
pub fn execute(
    directory: &mut Directory,
    query: &EntityQuery,
    context: &ExecContext<'_>,
) -> Result<Option<Value>, SdkFailure> {
    if !context.post && query.writes() {
        // ASSUMPTION: a GET that writes is refused (the verb rule, spec §3.2); method
        // calls alone are allowed on GET ("a GET method call can change state") [I].
        return Err(SdkFailure::invalid_operation("Creating or modifying entities requires POST"));
    }
    let mut results = Vec::new();
    for segment in &query.segments {
        results.push(execute_segment(directory, segment, context)?);
    }
    if results.iter().all(Map::is_empty) {
        return Ok(None);
    }
    Ok(Some(match results.len() {
        1 => Value::Object(results.remove(0)),
        _ => Value::Array(results.into_iter().map(Value::Object).collect()),
    }))
}

fn execute_segment(
    directory: &mut Directory,
    segment: &Segment,
    context: &ExecContext<'_>,
) -> Result<Map<String, Value>, SdkFailure> {
    let (guid, skip_format) = match &segment.target {
        Target::Existing(reference) => {
            let guid = directory.resolve(reference).ok_or_else(|| SdkFailure::unknown_entity(describe(reference)))?;
            (guid, None)
        }
        Target::New { entity_type, .. } => create(directory, entity_type, segment, context)?,
    };
    let mut projected = Map::new();
    for (index, op) in segment.ops.iter().enumerate() {
        if skip_format == Some(index) {
            continue;
        }
        match &op.kind {
            OpKind::Project(path) => {
                may_read(directory, guid, path, context.user)?;
                let (key, value) = read::project(directory, guid, path, context.now)?;
                projected.insert(key, value);
            }
            OpKind::Set(path, value) => write::set(directory, guid, path, value, context.form)?,
            OpKind::Add(path, items) => {
                for item in items {
                    collections::edit(directory, guid, path, item, collections::Edit::Add)?;
                }
            }
            OpKind::Remove(path, item) => collections::edit(directory, guid, path, item, collections::Edit::Remove)?,
            OpKind::Clear(path) => collections::clear(directory, guid, path)?,
            OpKind::Call { receiver, method, args } => {
                methods::call(directory, guid, receiver, method, args, context.now)?
            }
        }
    }
    Ok(projected)
}

/// Reading a property needs the privilege to view the entity's type; the GUID alone
/// (e.g. of an entity just created) does not.
///
/// ASSUMPTION: Security Center refuses the projection inside the envelope (spec §2
/// lists the privileges, not how a missing one answers) [I].
pub fn may_read(directory: &Directory, guid: Uuid, path: &[String], user: &User) -> Result<(), SdkFailure> {
    if matches!(path, [only] if only.eq_ignore_ascii_case("Guid")) {
        return Ok(());
    }
    match directory.entity_type(guid) {
        Some(entity_type) => user.may_view(entity_type).map_err(SdkFailure::missing_privilege),
        None => Ok(()),
    }
}

fn describe(reference: &crate::query::EntityRef) -> String {
    match reference {
        crate::query::EntityRef::Guid(guid) => guid.to_string(),
        crate::query::EntityRef::LogicalId { entity_type, id } => format!("LogicalId({entity_type},{id})"),
    }
}

/// `NewEntity(T)`: inserts the entity and returns its GUID, plus the index of the
/// `Format=` token a credential was born with (already applied).
fn create(
    directory: &mut Directory,
    type_name: &str,
    segment: &Segment,
    context: &ExecContext<'_>,
) -> Result<(Uuid, Option<usize>), SdkFailure> {
    let entity_type = EntityType::parse(type_name).filter(|t| t.creatable()).ok_or_else(|| {
        SdkFailure::invalid_operation(format!("The simulator cannot create entities of type '{type_name}'"))
    })?;
    let guid = Uuid::new_v4();
    // ASSUMPTION: without `Name=`, every type gets `New_{Type}_{32 hex}` like the
    // observed `New_Visitor_{hex}` (spec §5.2) [I for the other types].
    let name = format!("New_{}_{}", entity_type.name(), guid.simple());
    let header = Header::new(guid, name, context.creation_partition, context.now);
    if !directory.partitions.contains_key(&context.creation_partition) {
        return Err(SdkFailure::invalid_operation("The session's creation partition no longer exists"));
    }
    let mut format_token = None;
    match entity_type {
        EntityType::Cardholder => {
            directory.cardholders.insert(guid, Cardholder { header, person: Person::default() });
        }
        EntityType::Visitor => {
            let visitor = Visitor {
                header,
                person: Person::default(),
                arrival: None,
                departure: None,
                checkin_date: None,
                checkout_date: None,
            };
            directory.visitors.insert(guid, visitor);
        }
        EntityType::Credential => {
            let (index, format) = credential_format(directory, segment)?;
            write::ensure_card_is_free(directory, &format, None)?;
            directory
                .credentials
                .insert(guid, Credential { header, format, cardholder: None, status: Default::default() });
            format_token = Some(index);
        }
        EntityType::CardholderGroup => {
            let group = CardholderGroup {
                header,
                members: Default::default(),
                visitor_group: false,
                email_address: String::new(),
            };
            directory.cardholder_groups.insert(guid, group);
        }
        EntityType::Partition => {
            directory.partitions.insert(guid, Partition { header });
        }
        EntityType::Door => {
            directory.doors.insert(guid, Door { header, area: None, access_groups: Default::default() });
        }
        EntityType::Area => {
            directory.areas.insert(guid, Area { header });
        }
        EntityType::SystemConfiguration | EntityType::User => unreachable_type(entity_type)?,
    }
    Ok((guid, format_token))
}

fn unreachable_type(entity_type: EntityType) -> Result<(), SdkFailure> {
    Err(SdkFailure::invalid_operation(format!("The simulator cannot create entities of type '{}'", entity_type.name())))
}

/// ASSUMPTION: a new credential must get its `Format=` in the creating query [I].
fn credential_format(directory: &Directory, segment: &Segment) -> Result<(usize, CredentialFormat), SdkFailure> {
    let (index, value) = segment
        .ops
        .iter()
        .enumerate()
        .find_map(|(i, op)| match &op.kind {
            OpKind::Set(path, value) if path.len() == 1 && path[0].eq_ignore_ascii_case("Format") => Some((i, value)),
            _ => None,
        })
        .ok_or_else(|| SdkFailure::invalid_operation("A new credential needs a Format"))?;
    let format =
        CredentialFormat::parse(value, directory.system.min_pin_length).map_err(|e| SdkFailure::invalid_value(e.0))?;
    Ok((index, format))
}
