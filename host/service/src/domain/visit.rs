//! A visit as Gatehouse tracks it: the state the planner reasons on.

use super::{AccessWindow, DomainError, PersonDetails, PersonKind, VisitId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VisitState {
    Invited,
    SignedIn,
    SignedOut,
    Cancelled,
}

impl VisitState {
    pub fn as_str(self) -> &'static str {
        match self {
            VisitState::Invited => "invited",
            VisitState::SignedIn => "signed-in",
            VisitState::SignedOut => "signed-out",
            VisitState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "invited" => VisitState::Invited,
            "signed-in" => VisitState::SignedIn,
            "signed-out" => VisitState::SignedOut,
            "cancelled" => VisitState::Cancelled,
            other => return Err(DomainError::Unknown { what: "visit state", value: other.into() }),
        })
    }
}

/// One visit at one install, as last planned.
///
/// `provisioned` and `window` describe the *planned* PACS state: the job
/// engine makes the PACS catch up in order, so the planner can decide the next
/// event's work before the previous event's job has run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    pub visit_id: VisitId,
    pub visitor_type: String,
    pub invited: bool,
    pub registration_complete: bool,
    pub expected_arrival: Option<DateTime<Utc>>,
    pub window: Option<AccessWindow>,
    pub provisioned: bool,
    pub state: VisitState,
}

/// A person known at an install, with the PACS id once a connector returned it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub kind: PersonKind,
    pub external_id: String,
    pub details: PersonDetails,
    pub pacs_id: Option<String>,
}
