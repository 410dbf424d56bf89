//! What a job does: connector actions (the contract's `action` variant) and
//! the one host-side action, e-mailing an issued credential.

use super::{AccessWindow, DomainError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The PACS operations of the contract, named as in the WIT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    UpsertPerson,
    SetAccessWindow,
    AddGroups,
    RemoveGroups,
    IssueCard,
    IssuePin,
    RevokeCredentials,
    Activate,
    Deactivate,
    CheckOut,
    ErasePerson,
    SetPhoto,
}

impl ActionKind {
    pub const ALL: [ActionKind; 12] = [
        ActionKind::UpsertPerson,
        ActionKind::SetAccessWindow,
        ActionKind::AddGroups,
        ActionKind::RemoveGroups,
        ActionKind::IssueCard,
        ActionKind::IssuePin,
        ActionKind::RevokeCredentials,
        ActionKind::Activate,
        ActionKind::Deactivate,
        ActionKind::CheckOut,
        ActionKind::ErasePerson,
        ActionKind::SetPhoto,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::UpsertPerson => "upsert-person",
            ActionKind::SetAccessWindow => "set-access-window",
            ActionKind::AddGroups => "add-groups",
            ActionKind::RemoveGroups => "remove-groups",
            ActionKind::IssueCard => "issue-card",
            ActionKind::IssuePin => "issue-pin",
            ActionKind::RevokeCredentials => "revoke-credentials",
            ActionKind::Activate => "activate",
            ActionKind::Deactivate => "deactivate",
            ActionKind::CheckOut => "check-out",
            ActionKind::ErasePerson => "erase-person",
            ActionKind::SetPhoto => "set-photo",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::Unknown { what: "action", value: s.into() })
    }

    /// Whether the action gives the person access (or what access needs):
    /// the steps a compensation undoes and a hold keeps back. A photo on the
    /// record opens no door, so `set-photo` does not.
    pub fn grants_access(self) -> bool {
        matches!(
            self,
            ActionKind::UpsertPerson
                | ActionKind::SetAccessWindow
                | ActionKind::AddGroups
                | ActionKind::IssueCard
                | ActionKind::IssuePin
                | ActionKind::Activate
        )
    }

    /// Whether the contract passes an access window with this action.
    pub fn is_windowed(self) -> bool {
        matches!(self, ActionKind::SetAccessWindow | ActionKind::IssueCard | ActionKind::IssuePin)
    }
}

/// One thing a step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "action")]
pub enum StepAction {
    /// Call the install's connector.
    Connector(ActionKind),
    /// E-mail the QR code of the card issued earlier for the same subject.
    EmailCredential,
}

impl StepAction {
    /// The name stored and shown: the contract name, or `email-credential`.
    pub fn name(self) -> &'static str {
        match self {
            StepAction::Connector(kind) => kind.as_str(),
            StepAction::EmailCredential => "email-credential",
        }
    }

    /// See [`ActionKind::grants_access`]; the QR e-mail hands out a credential.
    pub fn grants_access(self) -> bool {
        match self {
            StepAction::Connector(kind) => kind.grants_access(),
            StepAction::EmailCredential => true,
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if s == "email-credential" {
            Ok(StepAction::EmailCredential)
        } else {
            ActionKind::parse(s).map(StepAction::Connector)
        }
    }
}

/// A step the planner decided on: what, with which parameters, and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlannedStep {
    pub action: StepAction,
    /// The policy parameters for the action (JSON matching its params schema).
    pub params: serde_json::Value,
    /// When the step may run at the earliest.
    pub due_at: DateTime<Utc>,
    /// The window passed to windowed actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<AccessWindow>,
    /// For `upsert-person`: whether contact details may go to the PACS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_contact: bool,
}
