//! The policy file format: TOML, one file per install, reviewed like code.
//!
//! Unknown keys are errors (a typo must not silently disable a rule). Values
//! that go to a connector (`groups`, `card`, `pin`, `[params.*]`) are free
//! JSON-like tables, checked against the plugin's params schemas by
//! [`super::validate`].

use crate::domain::ActionKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Base params per action, merged under the more specific ones below.
    #[serde(default)]
    pub params: BTreeMap<ActionKind, Map<String, Value>>,
    #[serde(default)]
    pub visitors: VisitorPolicy,
    #[serde(default)]
    pub employees: EmployeePolicy,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorPolicy {
    /// Only invited visitors get access; walk-ins are ignored.
    #[serde(default)]
    pub invite_only: bool,
    /// With `invite_only`: the invite must also have completed registration.
    #[serde(default)]
    pub registration_required: bool,
    /// Access starts this long before the expected arrival.
    #[serde(default)]
    pub early_access_minutes: u32,
    /// Access lasts this long from the expected arrival (or the sign-in of a walk-in).
    #[serde(default = "default_visitor_duration")]
    pub access_duration_minutes: u32,
    #[serde(default)]
    pub on_sign_out: SignOutRule,
    /// Visitor type (Envoy flow name) → what it gets. Unlisted types get nothing.
    #[serde(default)]
    pub types: BTreeMap<String, VisitorType>,
}

impl Default for VisitorPolicy {
    fn default() -> Self {
        Self {
            invite_only: false,
            registration_required: false,
            early_access_minutes: 0,
            access_duration_minutes: default_visitor_duration(),
            on_sign_out: SignOutRule::default(),
            types: BTreeMap::new(),
        }
    }
}

fn default_visitor_duration() -> u32 {
    8 * 60
}

/// What a sign-out does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignOutRule {
    /// Revoke the credentials at once.
    #[default]
    Expire,
    /// Check the visitor out in the PACS (vendors archive them) and revoke.
    CheckOut,
    /// Change nothing; access ends with the window.
    Keep,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorType {
    /// Params for `add-groups` / `remove-groups` (cardholder groups, access codes).
    #[serde(default)]
    pub groups: Option<Map<String, Value>>,
    /// Issue a card from the install's pool for this facility code.
    #[serde(default)]
    pub card: Option<CardRule>,
    /// Issue a PIN; the table holds the `issue-pin` params.
    #[serde(default)]
    pub pin: Option<Map<String, Value>>,
    /// E-mail the card's QR code to the visitor (needs `card`).
    #[serde(default)]
    pub qr_email: bool,
    /// Write phone, company and host to the PACS record.
    #[serde(default)]
    pub include_contact: bool,
    /// Put the visitor's photo on the PACS record (`set-photo`) when the
    /// event carries one: at provisioning, and at a sign-in with a photo.
    #[serde(default)]
    pub photo: bool,
    /// Overrides of the `[visitors]` timing for this type.
    #[serde(default)]
    pub early_access_minutes: Option<u32>,
    #[serde(default)]
    pub access_duration_minutes: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardRule {
    pub facility_code: u32,
    /// Further `issue-card` params.
    #[serde(default)]
    pub params: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeePolicy {
    #[serde(default)]
    pub mode: EmployeeMode,
    /// For `check-in-required`: how access is granted on check-in.
    #[serde(default)]
    pub method: Option<ToggleMethod>,
    /// For `toggle-groups`: the `add-groups` / `remove-groups` params.
    #[serde(default)]
    pub groups: Option<Map<String, Value>>,
    #[serde(default = "default_employee_duration")]
    pub access_duration_minutes: u32,
    /// E-mails of employees the policy never touches.
    #[serde(default)]
    pub excluded: Vec<String>,
}

impl Default for EmployeePolicy {
    fn default() -> Self {
        Self {
            mode: EmployeeMode::Off,
            method: None,
            groups: None,
            access_duration_minutes: default_employee_duration(),
            excluded: Vec::new(),
        }
    }
}

fn default_employee_duration() -> u32 {
    10 * 60
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmployeeMode {
    /// Employee events change nothing in the PACS.
    #[default]
    Off,
    /// Badge swipes sign employees in (occupancy); the PACS is not changed.
    AutoCheckIn,
    /// Badges work only after the employee checks in.
    CheckInRequired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToggleMethod {
    /// Enable the record on check-in, disable it on check-out.
    ToggleStatus,
    /// Add the groups on check-in, remove them on check-out.
    ToggleGroups,
}

impl EmployeePolicy {
    pub fn is_excluded(&self, email: &str) -> bool {
        let email = email.trim();
        self.excluded.iter().any(|e| e.trim().eq_ignore_ascii_case(email))
    }
}

impl Policy {
    /// `params.<kind>` merged with `specific` (specific keys win).
    pub fn params_for(&self, kind: ActionKind, specific: Option<&Map<String, Value>>) -> Value {
        let mut merged = self.params.get(&kind).cloned().unwrap_or_default();
        if let Some(specific) = specific {
            merged.extend(specific.clone());
        }
        Value::Object(merged)
    }
}
