//! Access decisions for injected badge swipes: which access event a swipe at a door
//! produces, from the credential's and the cardholder's state.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{AccessEvent, AccessEventType, Directory, State};

/// A swipe as posted to `/_sim/badge`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadgeSwipe {
    pub door: Uuid,
    /// The credential presented; when absent, the cardholder's first credential.
    #[serde(default)]
    pub credential: Option<Uuid>,
    #[serde(default)]
    pub cardholder: Option<Uuid>,
    /// Defaults to the simulator clock's now.
    #[serde(default)]
    pub timestamp: Option<DateTime<Utc>>,
    #[serde(default)]
    pub decision: Decision,
}

/// `evaluate` applies states and door groups; `grant` always grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    #[default]
    Evaluate,
    Grant,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SwipeError {
    #[error("door {0} does not exist")]
    UnknownDoor(Uuid),
    #[error("cardholder {0} does not exist")]
    UnknownCardholder(Uuid),
    #[error("credential {credential} belongs to {owner:?}, not to cardholder {cardholder}")]
    NotTheOwner { credential: Uuid, owner: Option<Uuid>, cardholder: Uuid },
    #[error("a swipe needs a credential or a cardholder")]
    NobodySwiped,
}

/// Decides the event of a swipe (without recording it).
pub fn decide(directory: &Directory, swipe: &BadgeSwipe, at: DateTime<Utc>) -> Result<AccessEvent, SwipeError> {
    let door = directory.doors.get(&swipe.door).ok_or(SwipeError::UnknownDoor(swipe.door))?;
    if let Some(cardholder) = swipe.cardholder {
        directory.person(cardholder).ok_or(SwipeError::UnknownCardholder(cardholder))?;
    }
    let credential_guid =
        swipe.credential.or_else(|| swipe.cardholder.and_then(|c| directory.credentials_of(c).into_iter().next()));
    let credential = credential_guid.and_then(|c| directory.credentials.get(&c));
    let owner = credential.and_then(|c| c.cardholder);
    if let (Some(credential), Some(cardholder)) = (swipe.credential, swipe.cardholder) {
        if owner != Some(cardholder) {
            return Err(SwipeError::NotTheOwner { credential, owner, cardholder });
        }
    }
    if credential_guid.is_none() && swipe.cardholder.is_none() {
        return Err(SwipeError::NobodySwiped);
    }
    let cardholder = owner.or(swipe.cardholder);
    let event_type = match swipe.decision {
        Decision::Grant => AccessEventType::AccessGranted,
        Decision::Evaluate => evaluate(directory, door, credential_guid.is_some(), credential, at),
    };
    Ok(AccessEvent { timestamp: at, event_type, door: swipe.door, cardholder, credential: credential_guid })
}

fn evaluate(
    directory: &Directory,
    door: &crate::model::Door,
    presented: bool,
    credential: Option<&crate::model::Credential>,
    at: DateTime<Utc>,
) -> AccessEventType {
    let Some(credential) = credential else {
        return if presented { AccessEventType::AccessUnknownCredential } else { AccessEventType::AccessRefused };
    };
    let Some(cardholder) = credential.cardholder else {
        return AccessEventType::AccessUnassignedCredential;
    };
    match credential.status.effective_state(at) {
        State::Active => {}
        State::Expired => return AccessEventType::AccessExpiredCredential,
        _ => return AccessEventType::AccessInactiveCredential,
    }
    let active = directory.person(cardholder).is_some_and(|p| p.status.effective_state(at) == State::Active);
    if !active {
        return AccessEventType::AccessInactivePerson;
    }
    let allowed = door.access_groups.is_empty()
        || door
            .access_groups
            .iter()
            .any(|g| directory.cardholder_groups.get(g).is_some_and(|g| g.members.contains(&cardholder)));
    if allowed {
        AccessEventType::AccessGranted
    } else {
        AccessEventType::AccessRefused
    }
}
