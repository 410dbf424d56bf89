//! People as connectors see them: who (a stable reference) and what we know
//! about them (details written to the PACS only as the policy allows).

use super::Photo;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonKind {
    Visitor,
    Employee,
}

impl PersonKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonKind::Visitor => "visitor",
            PersonKind::Employee => "employee",
        }
    }
}

/// Who an action is about; mirrors the contract's `person-ref`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    pub kind: PersonKind,
    /// Visit id for visitors, lower-cased e-mail for employees.
    pub external_id: String,
    /// The PACS id an earlier action returned.
    pub pacs_id: Option<String>,
    pub email: Option<String>,
}

/// What the visitor-management system told us about a person.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonDetails {
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    /// The employee the visitor comes to see.
    #[serde(default)]
    pub host_name: Option<String>,
    /// The visitor's photo, for `set-photo` (checked at intake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<Photo>,
}

impl PersonDetails {
    /// Splits a single "full name" field at its last space.
    // ASSUMPTION: Envoy sends one `full-name`; the last word is the surname.
    pub fn from_full_name(full_name: &str) -> Self {
        let trimmed = full_name.trim();
        let (first, last) = match trimmed.rsplit_once(char::is_whitespace) {
            Some((first, last)) => (first.trim().to_string(), last.to_string()),
            None => (trimmed.to_string(), String::new()),
        };
        PersonDetails { first_name: first, last_name: last, ..Default::default() }
    }
}
