//! Normalised intake events: what happened, with every timestamp already an
//! instant in UTC. Both intake formats (our JSON and Envoy's webhook) end up
//! here; the planner sees nothing else.

use super::{PersonDetails, VisitId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum VisitorEvent {
    #[serde(rename = "visit.invited")]
    VisitInvited(InviteDetails),
    #[serde(rename = "visit.updated")]
    VisitUpdated(InviteDetails),
    #[serde(rename = "visit.cancelled")]
    VisitCancelled { visit_id: VisitId, occurred_at: DateTime<Utc> },
    #[serde(rename = "visitor.signed_in")]
    VisitorSignedIn(SignIn),
    #[serde(rename = "visitor.signed_out")]
    VisitorSignedOut(SignOut),
    #[serde(rename = "employee.signed_in")]
    EmployeeSignedIn(EmployeeEvent),
    #[serde(rename = "employee.signed_out")]
    EmployeeSignedOut(EmployeeEvent),
}

impl VisitorEvent {
    /// The event's name in our JSON format.
    pub fn name(&self) -> &'static str {
        match self {
            VisitorEvent::VisitInvited(_) => "visit.invited",
            VisitorEvent::VisitUpdated(_) => "visit.updated",
            VisitorEvent::VisitCancelled { .. } => "visit.cancelled",
            VisitorEvent::VisitorSignedIn(_) => "visitor.signed_in",
            VisitorEvent::VisitorSignedOut(_) => "visitor.signed_out",
            VisitorEvent::EmployeeSignedIn(_) => "employee.signed_in",
            VisitorEvent::EmployeeSignedOut(_) => "employee.signed_out",
        }
    }

    /// The whose work this event orders behind: the visit, or the employee.
    pub fn subject(&self) -> super::Subject {
        use super::Subject;
        match self {
            VisitorEvent::VisitInvited(d) | VisitorEvent::VisitUpdated(d) => Subject::Visit(d.visit_id.clone()),
            VisitorEvent::VisitCancelled { visit_id, .. } => Subject::Visit(visit_id.clone()),
            VisitorEvent::VisitorSignedIn(s) => Subject::Visit(s.visit_id.clone()),
            VisitorEvent::VisitorSignedOut(s) => Subject::Visit(s.visit_id.clone()),
            VisitorEvent::EmployeeSignedIn(e) | VisitorEvent::EmployeeSignedOut(e) => Subject::employee(&e.email),
        }
    }
}

/// An invitation (pre-registration) as created or last updated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteDetails {
    pub visit_id: VisitId,
    /// The visitor type (Envoy's flow name) the policy maps.
    pub visitor_type: String,
    pub person: PersonDetails,
    pub expected_arrival: DateTime<Utc>,
    /// Whether the visitor completed registration (pre-registration).
    #[serde(default)]
    pub registration_complete: bool,
    pub occurred_at: DateTime<Utc>,
}

/// A visitor signing in at the kiosk, with or without an invite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignIn {
    pub visit_id: VisitId,
    pub visitor_type: String,
    pub person: PersonDetails,
    /// False for a walk-in.
    pub invited: bool,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignOut {
    pub visit_id: VisitId,
    pub occurred_at: DateTime<Utc>,
}

/// An employee signing in or out in the visitor-management system.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmployeeEvent {
    /// The join key with the PACS.
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    pub occurred_at: DateTime<Utc>,
}
