//! Our own event JSON (`POST /v1/events`), documented in `docs/intake.md`.
//!
//! ```json
//! { "event_id": "vms-0001", "install_id": "hq-genetec", "type": "visit.invited",
//!   "occurred_at": "2025-03-03T09:00:00Z",
//!   "visit": { "id": "inv-42", "visitor_type": "Guest", "expected_arrival": "2025-03-04 09:30",
//!              "registration_complete": true },
//!   "person": { "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" } }
//! ```
//! `install_id` or `location_id` (every enabled install there) names the
//! target. Zone-less timestamps are read in the location's time zone.
//! `person.photo` (`{"content_type": "image/png", "data": "<base64>"}`) is
//! checked here, before anything is stored: PNG or JPEG, bytes that are one,
//! at most 1 MiB.

use super::timestamps::parse_instant;
use crate::domain::{
    EmployeeEvent, InstallId, InviteDetails, LocationId, PersonDetails, SignIn, SignOut, VisitId, VisitorEvent,
};
use crate::service::Target;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// One event of the visitor-management system. `visit` is required for the
/// `visit.*` and `visitor.*` types (with `visitor_type` and `person` where
/// the visitor is new to us), `employee` for the `employee.*` types.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NativeEvent {
    /// The sender's unique id of this event; a redelivery repeats it.
    /// Required by the intake, optional in a dry run.
    #[serde(default)]
    pub event_id: String,
    #[serde(default)]
    pub install_id: Option<InstallId>,
    #[serde(default)]
    pub location_id: Option<LocationId>,
    /// What happened: visit.invited, visit.updated, visit.cancelled,
    /// visitor.signed_in, visitor.signed_out, employee.signed_in or employee.signed_out.
    #[serde(rename = "type")]
    #[schema(pattern = r"^(visit\.(invited|updated|cancelled)|visitor\.signed_(in|out)|employee\.signed_(in|out))$")]
    pub kind: String,
    /// When it happened (RFC 3339, or zone-less and read in the location's
    /// time zone); defaults to when it arrived.
    #[serde(default)]
    pub occurred_at: Option<String>,
    #[serde(default)]
    pub visit: Option<NativeVisit>,
    #[serde(default)]
    pub person: Option<PersonDetails>,
    #[serde(default)]
    pub employee: Option<NativeEmployee>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NativeVisit {
    pub id: String,
    #[serde(default)]
    pub visitor_type: Option<String>,
    #[serde(default)]
    pub expected_arrival: Option<String>,
    #[serde(default)]
    pub registration_complete: bool,
    /// For `visitor.signed_in`: whether the visitor had an invite.
    #[serde(default)]
    pub invited: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NativeEmployee {
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

impl NativeEvent {
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err("the body is empty; expected a JSON event".into());
        }
        let event: NativeEvent =
            serde_json::from_slice(body).map_err(|e| format!("the body is not a valid event: {e}"))?;
        if event.event_id.trim().is_empty() {
            return Err("`event_id` must not be empty".into());
        }
        Ok(event)
    }

    pub fn target(&self) -> Result<Target, String> {
        match (&self.install_id, &self.location_id) {
            (Some(install), None) => Ok(Target::Install(install.clone())),
            (None, Some(location)) => Ok(Target::Location(location.clone())),
            _ => Err("name exactly one of `install_id` and `location_id`".into()),
        }
    }

    /// The normalised event, timestamps read in `zone`, at `received_at` by default.
    pub fn normalise(&self, zone: Tz, received_at: DateTime<Utc>) -> Result<VisitorEvent, String> {
        let at = |field: &str, text: &str| parse_instant(text, zone).map_err(|e| format!("`{field}`: {e}"));
        let occurred_at = match &self.occurred_at {
            Some(text) => at("occurred_at", text)?,
            None => received_at,
        };
        if let Some(photo) = self.person.as_ref().and_then(|p| p.photo.as_ref()) {
            photo.check().map_err(|e| format!("`person.photo`: {e}"))?;
        }
        let kind = self.kind.as_str();
        let visit = || self.visit.as_ref().ok_or_else(|| format!("`visit` is required for {kind}"));
        let visitor_type = |v: &NativeVisit| {
            v.visitor_type.clone().ok_or_else(|| format!("`visit.visitor_type` is required for {kind}"))
        };
        let person = || self.person.clone().ok_or_else(|| format!("`person` is required for {kind}"));
        let employee = || {
            let e = self.employee.as_ref().ok_or_else(|| format!("`employee` is required for {kind}"))?;
            if !e.email.contains('@') {
                return Err(format!("`employee.email` `{}` is not an e-mail address", e.email));
            }
            Ok(EmployeeEvent {
                email: e.email.clone(),
                first_name: e.first_name.clone(),
                last_name: e.last_name.clone(),
                occurred_at,
            })
        };
        Ok(match kind {
            "visit.invited" | "visit.updated" => {
                let v = visit()?;
                let arrival = v
                    .expected_arrival
                    .as_deref()
                    .ok_or_else(|| format!("`visit.expected_arrival` is required for {kind}"))?;
                let details = InviteDetails {
                    visit_id: VisitId::new(&v.id),
                    visitor_type: visitor_type(v)?,
                    person: person()?,
                    expected_arrival: at("visit.expected_arrival", arrival)?,
                    registration_complete: v.registration_complete,
                    occurred_at,
                };
                if kind == "visit.invited" {
                    VisitorEvent::VisitInvited(details)
                } else {
                    VisitorEvent::VisitUpdated(details)
                }
            }
            "visit.cancelled" => VisitorEvent::VisitCancelled { visit_id: VisitId::new(&visit()?.id), occurred_at },
            "visitor.signed_in" => {
                let v = visit()?;
                VisitorEvent::VisitorSignedIn(SignIn {
                    visit_id: VisitId::new(&v.id),
                    visitor_type: visitor_type(v)?,
                    person: person()?,
                    invited: v.invited,
                    occurred_at,
                })
            }
            "visitor.signed_out" => {
                VisitorEvent::VisitorSignedOut(SignOut { visit_id: VisitId::new(&visit()?.id), occurred_at })
            }
            "employee.signed_in" => VisitorEvent::EmployeeSignedIn(employee()?),
            "employee.signed_out" => VisitorEvent::EmployeeSignedOut(employee()?),
            other => {
                return Err(format!(
                    "unknown event type `{other}`; expected visit.invited, visit.updated, visit.cancelled, \
                     visitor.signed_in, visitor.signed_out, employee.signed_in or employee.signed_out"
                ))
            }
        })
    }
}
