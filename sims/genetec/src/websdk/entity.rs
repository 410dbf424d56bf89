//! Entity, report, creation-partition and action endpoints.

use axum::http::Method;
use serde_json::json;

use super::{method_not_allowed, Call, Reply};
use crate::envelope::{SdkFailure, SdkResponse};
use crate::model::{well_known, Directory, EntityType};
use crate::ops::{self, read, ExecContext};
use crate::query::{parse_entity_query, parse_entity_ref, parse_guid, parse_ops, query_parameter, Form, OpKind, Value};
use crate::reports;

fn q(call: &Call<'_>) -> Result<String, SdkFailure> {
    // ASSUMPTION: a missing `q` is a Fail envelope [I].
    query_parameter(call.raw_query, "q")
        .ok_or_else(|| SdkFailure::invalid_operation("The request has no 'q' parameter"))
}

/// `entity?q=`, `entity/exists/{id}`, `entity/basic/{id}`, `entity/{id}`.
pub fn handle(call: &Call<'_>, rest: &[&str]) -> Reply {
    let original = &call.segments[1..];
    let method = call.method;
    match (rest, method) {
        ([], &Method::GET | &Method::POST) => query(call).into(),
        (["exists", _], &Method::GET) => exists(call, &original[1]).into(),
        (["basic", _], &Method::GET) => read_all(call, &original[1], true).into(),
        ([_], &Method::GET) => read_all(call, &original[0], false).into(),
        ([_], &Method::DELETE) => delete(call, &original[0]).into(),
        ([] | ["exists", _] | ["basic", _] | [_], _) => Reply::Http(method_not_allowed()),
        _ => Reply::Http(super::html(axum::http::StatusCode::NOT_FOUND, "The resource cannot be found.")),
    }
}

fn query(call: &Call<'_>) -> SdkResponse {
    let parsed = match q(call).and_then(|q| parse_entity_query(&q).map_err(SdkFailure::from)) {
        Ok(parsed) => parsed,
        Err(failure) => return SdkResponse::fail(failure),
    };
    let content_type = call.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let form = match Form::parse(content_type, call.body) {
        Ok(form) => form,
        Err(error) => return SdkResponse::fail(error.into()),
    };
    let context = ExecContext {
        user: &call.auth.user,
        now: call.sim.clock.now(),
        creation_partition: call
            .sim
            .live()
            .session_mut(&call.auth.key)
            .map_or(well_known::ROOT_PARTITION, |s| s.creation_partition),
        post: call.method == Method::POST,
        form: &form,
    };
    let mutating = parsed.writes()
        || parsed.segments.iter().any(|s| s.ops.iter().any(|op| matches!(op.kind, OpKind::Call { .. })));
    call.sim.run_query(mutating, |directory| {
        let result = ops::execute(directory, &parsed, &context)?;
        Ok(SdkResponse { status: crate::envelope::RspStatus::Ok, result })
    })
}

fn resolve(directory: &Directory, id: &str) -> Result<uuid::Uuid, SdkFailure> {
    let reference = parse_entity_ref(&value_of(id))?;
    directory.resolve(&reference).ok_or_else(|| SdkFailure::unknown_entity(id))
}

/// A path id as a query value (`LogicalId(Door, 1)` is a call).
fn value_of(id: &str) -> Value {
    parse_ops(&format!("x={id}"))
        .ok()
        .and_then(|mut ops| match ops.pop().map(|op| op.kind) {
            Some(OpKind::Set(_, value)) => Some(value),
            _ => None,
        })
        .unwrap_or_else(|| Value::Text(id.to_string()))
}

/// ASSUMPTION: `{"Rsp":{"Status":"Ok","Result":{"Value":true}}}`, the guide's boolean
/// example (spec §4.2 [I for this endpoint]).
fn exists(call: &Call<'_>, id: &str) -> SdkResponse {
    let reference = match parse_entity_ref(&value_of(id)) {
        Ok(reference) => reference,
        Err(error) => return SdkResponse::fail(error.into()),
    };
    let found = call.sim.read(|d| d.resolve(&reference).is_some());
    SdkResponse::with_result(json!({ "Value": found }))
}

fn read_all(call: &Call<'_>, id: &str, basic: bool) -> SdkResponse {
    let now = call.sim.clock.now();
    call.sim
        .read(|d| {
            let guid = resolve(d, id)?;
            ops::may_read(d, guid, &[], &call.auth.user)?;
            read::all_properties(d, guid, basic, now)
        })
        .map(SdkResponse::with_result)
        .into()
}

/// `DELETE entity/{id}` (spec §6 OP12).
fn delete(call: &Call<'_>, id: &str) -> SdkResponse {
    call.sim
        .transact(|directory| {
            let guid = resolve(directory, id)?;
            let protected =
                [well_known::ROOT_PARTITION, well_known::SYSTEM_PARTITION, well_known::SYSTEM_CONFIGURATION];
            if protected.contains(&guid) {
                return Err(SdkFailure::invalid_operation(format!("Entity {guid} cannot be deleted")));
            }
            if directory.entity_type(guid) == Some(EntityType::Partition)
                && directory.headers().iter().any(|(_, h)| h.partition == guid && h.guid != guid)
            {
                // ASSUMPTION: a partition that still holds entities cannot be deleted [I].
                return Err(SdkFailure::invalid_operation(format!("Partition {guid} is not empty")));
            }
            directory.remove_entity(guid);
            Ok(SdkResponse::ok())
        })
        .into()
}

pub fn report(call: &Call<'_>, report_type: &str) -> Reply {
    let query = match q(call) {
        Ok(query) => query,
        Err(failure) => return SdkResponse::fail(failure).into(),
    };
    call.sim.read(|d| reports::run(d, report_type, &query, &call.auth.user)).into()
}

/// `POST creationpartition/{guid}`: where this session's new entities go (spec §5.4).
pub fn creation_partition(call: &Call<'_>, id: &str) -> Reply {
    let Some(partition) = parse_guid(id).filter(|g| call.sim.read(|d| d.partitions.contains_key(g))) else {
        return SdkResponse::fail(SdkFailure::invalid_value(format!("'{id}' is not a partition"))).into();
    };
    if let Some(session) = call.sim.live().session_mut(&call.auth.key) {
        session.creation_partition = partition;
    }
    SdkResponse::ok().into()
}

/// `POST action?q=Open({door})`; the simulator models no door hardware, so opening a
/// door only checks that it exists.
pub fn action(call: &Call<'_>) -> Reply {
    let result = q(call).and_then(|q| {
        for op in parse_ops(&q)? {
            match &op.kind {
                OpKind::Call { receiver, method, args }
                    if receiver.is_empty() && method.eq_ignore_ascii_case("Open") =>
                {
                    let [door] = &args[..] else {
                        return Err(SdkFailure::invalid_value("Open takes one door"));
                    };
                    let reference = parse_entity_ref(door)?;
                    let guid = call
                        .sim
                        .read(|d| d.resolve(&reference))
                        .ok_or_else(|| SdkFailure::unknown_entity(door.to_text()))?;
                    if call.sim.read(|d| d.entity_type(guid)) != Some(EntityType::Door) {
                        return Err(SdkFailure::invalid_value(format!("{guid} is not a door")));
                    }
                }
                _ => return Err(SdkFailure::invalid_operation(format!("Unknown action '{}'", op.source))),
            }
        }
        Ok(SdkResponse::ok())
    });
    SdkResponse::from(result).into()
}
