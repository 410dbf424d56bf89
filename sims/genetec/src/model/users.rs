//! Security Center users and the licence: who may open a Web SDK session.

use serde::{Deserialize, Serialize};

use super::EntityType;

/// The privileges the simulator checks (names from Envoy's set-up page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Privilege {
    LogOnUsingSdk,
    ViewCardholderProperties,
    ViewDoorProperties,
    DoorActivities,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub privileges: Vec<Privilege>,
    /// Active Directory users cannot sign in to the Web SDK (spec §2).
    #[serde(default)]
    pub active_directory: bool,
}

impl Privilege {
    /// The name Security Center shows (and Envoy's set-up page uses).
    pub fn label(self) -> &'static str {
        match self {
            Privilege::LogOnUsingSdk => "Log on using the SDK",
            Privilege::ViewCardholderProperties => "View cardholder properties",
            Privilege::ViewDoorProperties => "View door properties",
            Privilege::DoorActivities => "Door activities",
        }
    }

    /// The privilege needed to read an entity of this type's properties or to search
    /// for it.
    ///
    /// ASSUMPTION: visitors are cardholders (spec §5.2), so "View cardholder
    /// properties" covers them; the other types need no privilege the seed names [I].
    pub fn to_view(entity_type: EntityType) -> Option<Privilege> {
        match entity_type {
            EntityType::Cardholder | EntityType::Visitor => Some(Privilege::ViewCardholderProperties),
            EntityType::Door => Some(Privilege::ViewDoorProperties),
            _ => None,
        }
    }
}

impl User {
    pub fn has(&self, privilege: Privilege) -> bool {
        self.privileges.contains(&privilege)
    }

    /// Whether the user may see entities of this type (see [`Privilege::to_view`]).
    pub fn may_view(&self, entity_type: EntityType) -> Result<(), Privilege> {
        match Privilege::to_view(entity_type) {
            Some(privilege) if !self.has(privilege) => Err(privilege),
            _ => Ok(()),
        }
    }
}

/// One licensed SDK part and the application id its certificate carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicensePart {
    pub part: String,
    pub application_id: String,
    pub activated: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Licence {
    /// A demo licence (part `GSC-SDK`) accepts Genetec's demo application id.
    #[serde(default)]
    pub demo: bool,
    #[serde(default)]
    pub parts: Vec<LicensePart>,
}

/// Genetec's published demo application id (spec §2).
pub const DEMO_APPLICATION_ID: &str = "KxsD11z743Hf5Gq9mv3+5ekxzemlCiUXkTFY5ba1NOGcLCmGstt2n0zYE9NsNimv";

impl Licence {
    pub fn allows(&self, application_id: &str) -> bool {
        (self.demo && application_id == DEMO_APPLICATION_ID)
            || self.parts.iter().any(|p| p.activated && p.application_id == application_id)
    }
}
