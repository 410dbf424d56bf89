//! Security Center users and the licence: who may open a Web SDK session.

use serde::{Deserialize, Serialize};

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

impl User {
    pub fn has(&self, privilege: Privilege) -> bool {
        self.privileges.contains(&privilege)
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
            || self
                .parts
                .iter()
                .any(|p| p.activated && p.application_id == application_id)
    }
}
