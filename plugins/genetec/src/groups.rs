//! Cardholder group membership, for visitors (visitor type → group, seed A6) and
//! employees (toggle access groups, seed A5).
//!
//! Adding a membership that exists fails in Security Center (spec §5.4: a production
//! client removes before adding "as we can not add it again"), so the person's
//! `Groups` are read first and only the missing memberships are sent, all in one
//! request. If that still fails, a concurrent action may have added them meanwhile:
//! the groups are read again, and the action succeeds when they are all there.

use gatehouse_sdk::{ConnectorError, Outcome, PersonKind, PersonRef};
use serde::Deserialize;
use serde_json::json;

use crate::entities::Directory;
use crate::error::WebSdkError;
use crate::guid::Guid;
use crate::outcome;
use crate::people::{self, PersonRecord};
use crate::query::{Query, Value};

/// The params of add-groups and remove-groups.
pub const PARAMS_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["groups"],
  "additionalProperties": false,
  "properties": {
    "groups": {
      "description": "Cardholder group GUIDs from the cardholder-groups picker. Visitors can join only groups marked 'Available for visitors'.",
      "type": "array",
      "items": {"type": "string"}
    }
  }
}"#;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupsParams {
    pub groups: Vec<String>,
}

impl GroupsParams {
    /// The groups as GUIDs; anything else is a policy (configuration) error.
    pub fn guids(&self) -> Result<Vec<Guid>, ConnectorError> {
        self.groups
            .iter()
            .map(|g| {
                g.parse::<Guid>()
                    .map_err(|_| ConnectorError::config(format!("group {g:?} is not a cardholder group GUID")))
            })
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Add,
    Remove,
}

/// Adds or removes memberships of an already found person.
pub fn change(
    directory: &Directory,
    who: &PersonRef,
    record: &PersonRecord,
    groups: &[Guid],
    edit: Edit,
) -> Result<Outcome, ConnectorError> {
    let done = apply(directory, who, record, groups, edit)?;
    let key = if edit == Edit::Add { "added" } else { "removed" };
    Ok(outcome(Some(record.guid), None, !done.is_empty(), json!({ "person": record.guid, key: done })))
}

/// Sends the memberships of `groups` that `record` lacks (add) or has (remove), in one
/// request; returns those sent.
pub fn apply(
    directory: &Directory,
    who: &PersonRef,
    record: &PersonRecord,
    groups: &[Guid],
    edit: Edit,
) -> Result<Vec<Guid>, ConnectorError> {
    let todo: Vec<Guid> = groups.iter().copied().filter(|g| record.groups.contains(g) == (edit == Edit::Remove)).fold(
        Vec::new(),
        |mut todo, g| {
            if !todo.contains(&g) {
                todo.push(g);
            }
            todo
        },
    );
    if todo.is_empty() {
        return Ok(todo);
    }
    let query = todo.iter().fold(Query::new().entity(&record.guid), |q, group| match edit {
        Edit::Add => q.add("Groups", &[Value::guid(group)]),
        Edit::Remove => q.remove("Groups", Value::guid(group)),
    });
    match directory.sdk.write(&query) {
        Ok(_) => Ok(todo),
        Err(WebSdkError::Fail { message, .. }) if edit == Edit::Add => {
            let now = people::read(directory, &record.guid, who.kind)?.map(|r| r.groups).unwrap_or_default();
            if todo.iter().all(|g| now.contains(g)) {
                return Ok(todo);
            }
            let hint = match who.kind {
                PersonKind::Visitor => "; visitors can join only cardholder groups marked 'Available for visitors'",
                PersonKind::Employee => "",
            };
            Err(ConnectorError::config(format!(
                "Security Center refused adding {} to the groups {}: {message}{hint}",
                record.guid,
                todo.iter().map(Guid::to_string).collect::<Vec<_>>().join(", ")
            )))
        }
        Err(error) => Err(error.into()),
    }
}
