//! Auto check-in on badge swipe (seed A5, method 1): badge events for the host.
//!
//! We poll the `DoorActivity` report (spec §7) rather than hold the event stream open:
//! a poll is one short request per call, fits the host's call model, needs no licensed
//! persistent connection, and is what Envoy's required "Door activities" privilege
//! points to. Each poll asks for `AccessGranted` events at the watched doors in
//! `[cursor, now]`; the report cannot page (`Page` fails, spec §7), so the window itself
//! is the page.
//!
//! The cursor the host stores is `{after, seen}`: the lower bound of the next window,
//! and the ids of events at or after it that were already handed out (rows have no id,
//! so an id is a hash of the row). Once everything is handed out the bound moves to
//! [`LATE_EVENT_MARGIN_MS`] before now, so events a controller uploads a little late
//! are still found, and `seen` stops them being handed out twice.
//!
//! A cardholder is mapped to an employee by the `EmailAddress` read from Security
//! Center. Visitors' swipes and excluded employees' swipes are skipped (but count as
//! seen).

use std::collections::{BTreeMap, BTreeSet};

use gatehouse_sdk::{clock, BadgeEvent, BadgeResult, Batch, ConnectorError, UtcMillis};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use crate::config::{EmployeeMethod, Settings};
use crate::entities::Directory;
use crate::envelope::{self, Completeness};
use crate::guid::Guid;
use crate::query::{Query, Value};

/// How far back each window reaches for events recorded late.
pub const LATE_EVENT_MARGIN_MS: i64 = 60_000;
/// `EventType` of `AccessGranted` in report rows (spec §7).
const ACCESS_GRANTED: i64 = 35;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    pub after: UtcMillis,
    #[serde(default)]
    pub seen: BTreeSet<String>,
}

impl Cursor {
    fn at(after: UtcMillis) -> Cursor {
        Cursor { after, seen: BTreeSet::new() }
    }

    fn encode(&self) -> String {
        serde_json::to_string(self).expect("a cursor serialises")
    }

    fn decode(text: &str) -> Result<Cursor, ConnectorError> {
        serde_json::from_str(text)
            .map_err(|e| ConnectorError::permanent(format!("the event cursor {text:?} is not ours: {e}")))
    }
}

/// One row of the report, as far as we need it.
#[derive(Debug, Clone, PartialEq)]
struct Swipe {
    id: String,
    at: UtcMillis,
    cardholder: Option<Guid>,
    door: Option<Guid>,
}

pub fn poll(settings: &Settings, cursor: Option<String>, max: u32) -> Result<Batch, ConnectorError> {
    let now = clock::now();
    let cursor = match cursor {
        Some(text) => Cursor::decode(&text)?,
        // No cursor: start from now (the contract), handing out nothing old.
        None => return Ok(Batch { events: Vec::new(), next_cursor: Cursor::at(now).encode() }),
    };
    let EmployeeMethod::AutoCheckIn { sites, doors } = &settings.employees.method else {
        return Ok(Batch { events: Vec::new(), next_cursor: cursor.encode() });
    };
    let directory = Directory::new(settings);
    let watched = watched_doors(&directory, sites, doors)?;
    if watched.as_ref().is_some_and(Vec::is_empty) || max == 0 {
        return Ok(Batch { events: Vec::new(), next_cursor: cursor.encode() });
    }
    let mut filters = Query::new();
    if let Some(doors) = &watched {
        filters = filters.add("Doors", &doors.iter().map(Value::guid).collect::<Vec<_>>());
    }
    let filters = filters.add("Events", &[Value::word("AccessGranted")]).call(
        Some("TimeRange"),
        "SetTimeRange",
        &[Value::time(cursor.after), Value::time(now)],
    );
    let report = directory.sdk.report("DoorActivity", &filters)?;
    let mut swipes: Vec<Swipe> = report.objects().iter().filter_map(swipe).filter(|s| s.at >= cursor.after).collect();
    swipes.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    swipes.dedup_by(|a, b| a.id == b.id);

    let fresh: Vec<&Swipe> = swipes.iter().filter(|s| !cursor.seen.contains(&s.id)).collect();
    let people = employees_of(&directory, &fresh)?;
    let mut events = Vec::new();
    let mut handled = cursor.seen.clone();
    let mut stopped_at = None;
    for swipe in &fresh {
        if events.len() == max as usize {
            stopped_at = Some(swipe.at);
            break;
        }
        handled.insert(swipe.id.clone());
        let Some(cardholder) = swipe.cardholder else { continue };
        let Some(email) = people.get(&cardholder) else { continue };
        if settings.employees.is_excluded(email.as_deref()) {
            continue;
        }
        events.push(BadgeEvent {
            event_id: swipe.id.clone(),
            occurred_at: swipe.at,
            result: BadgeResult::Granted,
            pacs_person_id: cardholder.to_string(),
            email: email.clone(),
            door: swipe.door.map(|d| d.to_string()),
        });
    }
    let complete = stopped_at.is_none() && report.completeness == Completeness::Ok;
    let after = if complete {
        cursor.after.max(now - LATE_EVENT_MARGIN_MS)
    } else {
        // Stopped at `max`, or the report was capped: resume at the last handled row.
        handled_until(&swipes, &handled).unwrap_or(cursor.after)
    };
    let seen = swipes.iter().filter(|s| s.at >= after && handled.contains(&s.id)).map(|s| s.id.clone()).collect();
    Ok(Batch { events, next_cursor: Cursor { after, seen }.encode() })
}

/// The time of the last row handed out, in report order.
fn handled_until(swipes: &[Swipe], handled: &BTreeSet<String>) -> Option<UtcMillis> {
    swipes.iter().filter(|s| handled.contains(&s.id)).map(|s| s.at).max()
}

/// The doors to filter on; `None` watches every door (no sites and no doors chosen).
fn watched_doors(directory: &Directory, sites: &[Guid], doors: &[Guid]) -> Result<Option<Vec<Guid>>, ConnectorError> {
    if sites.is_empty() && doors.is_empty() {
        return Ok(None);
    }
    let mut watched: Vec<Guid> = doors.to_vec();
    // ASSUMPTION: an area (Envoy's "site") lists its doors in a `Doors` property [I].
    for area in directory.read_many(sites, &["Guid", "Doors"])? {
        watched.extend(envelope::guids(envelope::field(&area, "Doors")));
    }
    watched.sort();
    watched.dedup();
    Ok(Some(watched))
}

/// Employee email per cardholder among the swipes; visitors and unknown cardholders
/// are absent. The email is `None` when the cardholder has none.
fn employees_of(directory: &Directory, swipes: &[&Swipe]) -> Result<BTreeMap<Guid, Option<String>>, ConnectorError> {
    let cardholders: BTreeSet<Guid> = swipes.iter().filter_map(|s| s.cardholder).collect();
    let cardholders: Vec<Guid> = cardholders.into_iter().collect();
    let objects = directory.read_many(&cardholders, &["Guid", "EntityType", "EmailAddress"])?;
    Ok(objects
        .iter()
        .filter(|o| envelope::text(o, "EntityType").is_none_or(|t| t.eq_ignore_ascii_case("Cardholder")))
        .filter_map(|o| {
            let email = envelope::text(o, "EmailAddress").map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
            envelope::guid(o, "Guid").map(|guid| (guid, email))
        })
        .collect())
}

/// A granted access row; other rows (refusals, rows without a time) are dropped.
fn swipe(row: &Map<String, Json>) -> Option<Swipe> {
    let granted = match envelope::field(row, "EventType")? {
        Json::Number(n) => n.as_i64() == Some(ACCESS_GRANTED),
        Json::String(name) => name.eq_ignore_ascii_case("AccessGranted") || name.trim() == ACCESS_GRANTED.to_string(),
        _ => false,
    };
    if !granted {
        return None;
    }
    let timestamp = envelope::text(row, "Timestamp")?;
    let at = envelope::parse_time(&timestamp)?;
    let cardholder = envelope::guid(row, "CardholderGuid");
    let door = envelope::guid(row, "AccessPointGroupGuid").or_else(|| envelope::guid(row, "SourceGuid"));
    let credential = envelope::guid(row, "CredentialGuid");
    let mut hash = Sha256::new();
    for part in [timestamp, opt(cardholder), opt(door), opt(credential)] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let id: String = hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect();
    Some(Swipe { id, at, cardholder, door })
}

fn opt(guid: Option<Guid>) -> String {
    guid.map(|g| g.to_string()).unwrap_or_default()
}
