//! The scripted day: Monday 3 March 2025 at New York HQ, in local time, as
//! the visitor-management system and the doors would have produced it.
//!
//! Native events target the location, so both installs receive them; the
//! Envoy webhooks go to each install, signed, as Envoy delivers to each app.
//! Times in the bodies are zone-less local times, read by the intake in the
//! location's zone, the way Envoy sends them.

use crate::{DemoError, Stack, GENETEC_INSTALL, LOCATION, SYMMETRY_INSTALL, TIME_ZONE};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gatehouse::domain::VisitId;
use gatehouse::service::IngestReceipt;
use gatehouse_sim_genetec::well_known::default_fixture as genetec_fixture;
use gatehouse_sim_genetec::{BadgeDecision, BadgeSwipe};
use serde::Serialize;
use serde_json::{json, Value};

/// The demo's date in New York.
fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 3).expect("a valid date")
}

/// `hh:mm` on the demo day, New York time, as UTC.
pub fn local(hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = day().and_hms_opt(hour, minute, 0).expect("a valid time");
    TIME_ZONE.from_local_datetime(&naive).single().expect("no clock change that day").with_timezone(&Utc)
}

/// When the demo's clock starts: 07:00 in New York.
pub fn day_start() -> DateTime<Utc> {
    local(7, 0)
}

/// The invite Envoy sends for Grace Hopper, and the entry of her visit.
const GRACE_INVITE: &str = "7001";
const GRACE_ENTRY: &str = "8001";

enum Happening {
    /// Posted to `/v1/events`.
    Native(Value),
    /// Posted to each install's Envoy webhook; the `meta` is added per install.
    Envoy { event: &'static str, payload: Value },
    /// An employee badges at a Genetec door.
    Badge { door: uuid::Uuid, cardholder: uuid::Uuid },
    /// Nothing happens; the clock runs to the end of the day.
    EndOfDay,
}

struct Moment {
    at: DateTime<Utc>,
    what: &'static str,
    happening: Happening,
}

/// One line of the replayed day.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineEntry {
    /// Local time, `HH:MM`.
    pub at: String,
    pub what: String,
    /// How it reached Gatehouse.
    pub via: String,
    /// Per install: what the intake planned (`queued: upsert-person, ...` or why it was ignored).
    pub planned: Vec<String>,
}

/// The replayed day: its timeline and every visit and employee it touched.
pub struct Replayed {
    pub timeline: Vec<TimelineEntry>,
    pub visits: Vec<VisitId>,
    pub employees: Vec<String>,
}

fn visitor(id: &str, kind: &str, visit: Value, first: &str, last: &str) -> Value {
    let email = format!("{}@example.com", first.to_lowercase());
    json!({ "event_id": id, "location_id": LOCATION, "type": kind, "visit": visit,
            "person": { "first_name": first, "last_name": last, "email": email } })
}

fn invite(id: &str, visit: &str, visitor_type: &str, arrival: &str, first: &str, last: &str) -> Happening {
    let visit = json!({ "id": visit, "visitor_type": visitor_type, "expected_arrival": arrival, "registration_complete": true });
    Happening::Native(visitor(id, "visit.invited", visit, first, last))
}

fn sign_in(id: &str, visit: &str, visitor_type: &str, invited: bool, first: &str, last: &str) -> Happening {
    let visit = json!({ "id": visit, "visitor_type": visitor_type, "invited": invited });
    Happening::Native(visitor(id, "visitor.signed_in", visit, first, last))
}

fn visit_event(id: &str, kind: &str, visit: &str) -> Happening {
    Happening::Native(json!({ "event_id": id, "location_id": LOCATION, "type": kind, "visit": { "id": visit } }))
}

fn employee(id: &str, kind: &str, email: &str, first: &str, last: &str) -> Happening {
    Happening::Native(json!({ "event_id": id, "location_id": LOCATION, "type": kind,
        "employee": { "email": email, "first_name": first, "last_name": last } }))
}

fn grace_invite() -> Value {
    json!({ "id": GRACE_INVITE, "type": "invites",
        "attributes": { "full-name": "Grace Hopper", "email": "grace@example.com", "flow-name": "Contractor",
                        "expected-arrival-time": "2025-03-03 11:00:00", "preregistration-complete": true } })
}

fn grace_entry(signed: &str, at: &str) -> Value {
    json!({ "id": GRACE_ENTRY, "type": "entries",
        "attributes": { "full-name": "Grace Hopper", "email": "grace@example.com", "flow-name": "Contractor", signed: at },
        "relationships": { "invite": { "data": { "id": GRACE_INVITE, "type": "invites" } } } })
}

fn script() -> Vec<Moment> {
    let moment = |at, what, happening| Moment { at, what, happening };
    vec![
        moment(
            local(7, 0),
            "Ada Lovelace is invited (Guest), expected at 10:00",
            invite("evt-01", "ada", "Guest", "2025-03-03 10:00", "Ada", "Lovelace"),
        ),
        moment(
            local(7, 5),
            "Grace Hopper is invited in Envoy (Contractor), expected at 11:00",
            Happening::Envoy { event: "invite_created", payload: grace_invite() },
        ),
        moment(
            local(7, 10),
            "Alan Turing is invited (Guest), expected at 13:00",
            invite("evt-02", "alan", "Guest", "2025-03-03 13:00", "Alan", "Turing"),
        ),
        moment(local(8, 0), "Alan Turing's invite is cancelled", visit_event("evt-03", "visit.cancelled", "alan")),
        moment(
            local(8, 30),
            "Dana Scully (employee) signs in",
            employee("evt-04", "employee.signed_in", "dana.scully@example.com", "Dana", "Scully"),
        ),
        moment(
            local(8, 40),
            "Alice Martin (employee) badges at HQ Main Entrance",
            Happening::Badge { door: genetec_fixture::HQ_MAIN_ENTRANCE, cardholder: genetec_fixture::ALICE },
        ),
        moment(local(9, 45), "Ada Lovelace signs in", sign_in("evt-05", "ada", "Guest", true, "Ada", "Lovelace")),
        moment(
            local(10, 15),
            "Katherine Johnson walks in (Guest, no invite) and signs in",
            sign_in("evt-06", "katherine", "Guest", false, "Katherine", "Johnson"),
        ),
        moment(
            local(10, 20),
            "Grace Hopper signs in at the Envoy kiosk, before her early access",
            Happening::Envoy { event: "entry_sign_in", payload: grace_entry("signed-in-at", "2025-03-03 10:20:00") },
        ),
        moment(local(12, 0), "Ada Lovelace signs out", visit_event("evt-07", "visitor.signed_out", "ada")),
        moment(
            local(12, 30),
            "Grace Hopper signs out at the Envoy kiosk",
            Happening::Envoy { event: "entry_sign_out", payload: grace_entry("signed-out-at", "2025-03-03 12:30:00") },
        ),
        moment(
            local(17, 30),
            "Dana Scully (employee) signs out",
            employee("evt-08", "employee.signed_out", "dana.scully@example.com", "Dana", "Scully"),
        ),
        moment(local(23, 59), "End of the day (Katherine Johnson never signed out)", Happening::EndOfDay),
    ]
}

fn planned(receipt: &IngestReceipt) -> Vec<String> {
    receipt
        .events
        .iter()
        .map(|event| {
            let plan = match (&event.ignored, &event.job) {
                (Some(why), _) => format!("ignored: {why}"),
                (None, Some(job)) => match &job.reason {
                    Some(reason) => format!("{}: {reason}", job.status),
                    None if job.steps.is_empty() => job.status.clone(),
                    None => format!("{}: {}", job.status, job.steps.join(", ")),
                },
                (None, None) => "no job".into(),
            };
            format!("{}: {plan}", event.install_id)
        })
        .collect()
}

/// Replays the day on `stack`: each moment at its time, timers firing on the way.
pub async fn replay(stack: &Stack) -> Result<Replayed, DemoError> {
    let mut timeline = Vec::new();
    for (n, moment) in script().into_iter().enumerate() {
        stack.advance_to(moment.at).await?;
        let (via, planned) = match &moment.happening {
            Happening::Native(event) => ("POST /v1/events".to_string(), planned(&stack.post_event(event).await?)),
            Happening::Envoy { event, payload } => {
                let mut planned_by_install = Vec::new();
                for install in [GENETEC_INSTALL, SYMMETRY_INSTALL] {
                    let meta = json!({ "event": event, "install_id": install, "job": { "id": format!("{install}-job-{n}") },
                                       "location": { "name": "New York HQ", "timezone": TIME_ZONE.name() } });
                    let receipt = stack.post_envoy(install, &json!({ "meta": meta, "payload": payload })).await?;
                    planned_by_install.extend(planned(&receipt));
                }
                ("signed Envoy webhook".to_string(), planned_by_install)
            }
            Happening::Badge { door, cardholder } => {
                let swipe = BadgeSwipe {
                    door: *door,
                    credential: None,
                    cardholder: Some(*cardholder),
                    timestamp: Some(moment.at),
                    decision: BadgeDecision::Grant,
                };
                let event = stack.genetec.swipe(&swipe).map_err(|e| DemoError::Simulator(e.to_string()))?;
                let recorded = format!("{GENETEC_INSTALL}: {:?} door event, for the badge poller", event.event_type);
                ("Genetec door".to_string(), vec![recorded])
            }
            Happening::EndOfDay => ("clock".to_string(), Vec::new()),
        };
        stack.settle().await?;
        let at = moment.at.with_timezone(&TIME_ZONE).format("%H:%M").to_string();
        timeline.push(TimelineEntry { at, what: moment.what.to_string(), via, planned });
    }
    let visits = ["ada", &format!("invite-{GRACE_INVITE}"), "alan", "katherine"].map(VisitId::new).to_vec();
    Ok(Replayed { timeline, visits, employees: vec!["dana.scully@example.com".into()] })
}
