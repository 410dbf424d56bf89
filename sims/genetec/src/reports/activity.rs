//! `DoorActivity`, `CardholderActivity`, `CredentialActivity`: rows of access events
//! (spec §7). No paging: clients narrow the time window instead.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::filters::{number, unknown_filter};
use crate::envelope::{RspStatus, SdkFailure, SdkResponse};
use crate::model::{AccessEventType, Directory, Privilege, User};
use crate::query::{parse_date_time, parse_entity_ref, Op, OpKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Door,
    Cardholder,
    Credential,
}

#[derive(Default)]
struct Filters {
    doors: BTreeSet<Uuid>,
    cardholders: BTreeSet<Uuid>,
    credentials: BTreeSet<Uuid>,
    events: BTreeSet<AccessEventType>,
    range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    maximum: Option<usize>,
    descending: bool,
}

impl Filters {
    /// Filters that narrow the report (MaximumResultCount and SortOrder do not).
    fn narrowing(&self) -> bool {
        !(self.doors.is_empty() && self.cardholders.is_empty() && self.credentials.is_empty() && self.events.is_empty())
            || self.range.is_some()
    }
}

pub fn run(directory: &Directory, kind: Kind, ops: &[Op], user: &User) -> Result<SdkResponse, SdkFailure> {
    if !user.has(Privilege::DoorActivities) {
        // Without "Door activities" (REQUIRED for Auto Check-in, Envoy) the report fails.
        return Err(SdkFailure::missing_privilege(Privilege::DoorActivities));
    }
    let filters = parse(directory, kind, ops)?;
    if !filters.narrowing() {
        // Activity reports require at least one filter (spec §7, C S1).
        // ASSUMPTION: the wording [I].
        return Err(SdkFailure::invalid_operation("An activity report requires at least one filter"));
    }
    let mut events: Vec<_> = directory
        .door_activity
        .iter()
        .filter(|e| filters.doors.is_empty() || filters.doors.contains(&e.door))
        .filter(|e| filters.cardholders.is_empty() || e.cardholder.is_some_and(|c| filters.cardholders.contains(&c)))
        .filter(|e| filters.credentials.is_empty() || e.credential.is_some_and(|c| filters.credentials.contains(&c)))
        .filter(|e| filters.events.is_empty() || filters.events.contains(&e.event_type))
        // ASSUMPTION: both ends of the time range are inclusive [I].
        .filter(|e| filters.range.is_none_or(|(from, to)| from <= e.timestamp && e.timestamp <= to))
        .collect();
    // ASSUMPTION: SortOrder defaults to Ascending (by timestamp) [I].
    events.sort_by_key(|e| e.timestamp);
    if filters.descending {
        events.reverse();
    }
    let mut status = RspStatus::Ok;
    if let Some(maximum) = filters.maximum.filter(|m| events.len() > *m) {
        status = RspStatus::TooManyResults;
        events.truncate(maximum);
    }
    let rows = events.iter().map(|e| e.to_row()).collect();
    Ok(SdkResponse { status, result: Some(serde_json::Value::Array(rows)) })
}

fn parse(directory: &Directory, kind: Kind, ops: &[Op]) -> Result<Filters, SdkFailure> {
    let mut filters = Filters::default();
    for op in ops {
        match &op.kind {
            OpKind::Add(path, items) if path.len() == 1 => {
                let name = path[0].to_ascii_lowercase();
                if name == "events" {
                    for item in items {
                        let text = item.to_text();
                        let event = AccessEventType::parse(&text)
                            .ok_or_else(|| SdkFailure::invalid_value(format!("Unknown event type '{text}'")))?;
                        filters.events.insert(event);
                    }
                    continue;
                }
                let set = match (name.as_str(), kind) {
                    ("doors", Kind::Door) => &mut filters.doors,
                    ("cardholders", _) => &mut filters.cardholders,
                    ("credentials", Kind::Credential | Kind::Cardholder) => &mut filters.credentials,
                    _ => return Err(unknown_filter(op, &path[0])),
                };
                for item in items {
                    let reference = parse_entity_ref(item)?;
                    let guid =
                        directory.resolve(&reference).ok_or_else(|| SdkFailure::unknown_entity(item.to_text()))?;
                    set.insert(guid);
                }
            }
            OpKind::Call { receiver, method, args }
                if receiver.len() == 1
                    && receiver[0].eq_ignore_ascii_case("TimeRange")
                    && method.eq_ignore_ascii_case("SetTimeRange") =>
            {
                let [from, to] = &args[..] else {
                    return Err(SdkFailure::invalid_value("SetTimeRange takes a start and an end"));
                };
                let date = |v: &crate::query::Value| {
                    parse_date_time(&v.to_text())
                        .ok_or_else(|| SdkFailure::invalid_value(format!("'{}' is not a date", v.to_text())))
                };
                filters.range = Some((date(from)?, date(to)?));
            }
            OpKind::Set(path, value) if path.len() == 1 => {
                let text = value.to_text();
                match path[0].to_ascii_lowercase().as_str() {
                    // ASSUMPTION: MaximumResultCount and SortOrder work on activity
                    // reports as on AuditTrail (spec §7 [I]).
                    "maximumresultcount" => filters.maximum = Some(number(op, &text)?),
                    "sortorder" if text.eq_ignore_ascii_case("Ascending") => filters.descending = false,
                    "sortorder" if text.eq_ignore_ascii_case("Descending") => filters.descending = true,
                    // `Page`, `PageSize` and anything else: the observed failure.
                    _ => return Err(unknown_filter(op, &path[0])),
                }
            }
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
