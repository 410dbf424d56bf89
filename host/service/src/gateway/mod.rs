//! The boundary between the job engine and connector components.
//!
//! The engine never touches wasmtime: it hands a typed [`ConnectorCall`] to a
//! [`ConnectorGateway`] and gets an outcome or a classified error back. The
//! production gateway wraps `gatehouse-runtime`; tests put a recording,
//! fault-injecting gateway here. The types mirror the WIT contract
//! (`gatehouse:connector@0.2.0`) so the runtime adapter is a field-by-field
//! conversion.

use crate::domain::{
    AccessWindow, ActionKind, CardCredential, ErrorKind, IdempotencyKey, Install, PersonDetails, PersonRef, Photo,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What a plugin says about itself (the contract's `plugin-manifest`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub plugin_id: String,
    pub version: String,
    pub actions: Vec<ActionDescriptor>,
    pub emits_events: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionDescriptor {
    pub kind: ActionKind,
    pub description: String,
    /// JSON Schema (draft 2020-12) of the action's params.
    pub params_schema: serde_json::Value,
}

impl Manifest {
    pub fn action(&self, kind: ActionKind) -> Option<&ActionDescriptor> {
        self.actions.iter().find(|a| a.kind == kind)
    }
}

/// One action on one person, as the contract's `action` variant.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum ConnectorAction {
    UpsertPerson { who: PersonRef, details: PersonDetails, include_contact: bool },
    SetAccessWindow { who: PersonRef, window: AccessWindow },
    AddGroups { who: PersonRef },
    RemoveGroups { who: PersonRef },
    IssueCard { who: PersonRef, window: AccessWindow },
    IssuePin { who: PersonRef, window: AccessWindow },
    RevokeCredentials { who: PersonRef },
    Activate { who: PersonRef },
    Deactivate { who: PersonRef },
    CheckOut { who: PersonRef },
    ErasePerson { who: PersonRef },
    SetPhoto { who: PersonRef, photo: Photo },
}

impl ConnectorAction {
    pub fn kind(&self) -> ActionKind {
        match self {
            ConnectorAction::UpsertPerson { .. } => ActionKind::UpsertPerson,
            ConnectorAction::SetAccessWindow { .. } => ActionKind::SetAccessWindow,
            ConnectorAction::AddGroups { .. } => ActionKind::AddGroups,
            ConnectorAction::RemoveGroups { .. } => ActionKind::RemoveGroups,
            ConnectorAction::IssueCard { .. } => ActionKind::IssueCard,
            ConnectorAction::IssuePin { .. } => ActionKind::IssuePin,
            ConnectorAction::RevokeCredentials { .. } => ActionKind::RevokeCredentials,
            ConnectorAction::Activate { .. } => ActionKind::Activate,
            ConnectorAction::Deactivate { .. } => ActionKind::Deactivate,
            ConnectorAction::CheckOut { .. } => ActionKind::CheckOut,
            ConnectorAction::ErasePerson { .. } => ActionKind::ErasePerson,
            ConnectorAction::SetPhoto { .. } => ActionKind::SetPhoto,
        }
    }

    pub fn who(&self) -> &PersonRef {
        match self {
            ConnectorAction::UpsertPerson { who, .. }
            | ConnectorAction::SetAccessWindow { who, .. }
            | ConnectorAction::AddGroups { who }
            | ConnectorAction::RemoveGroups { who }
            | ConnectorAction::IssueCard { who, .. }
            | ConnectorAction::IssuePin { who, .. }
            | ConnectorAction::RevokeCredentials { who }
            | ConnectorAction::Activate { who }
            | ConnectorAction::Deactivate { who }
            | ConnectorAction::CheckOut { who }
            | ConnectorAction::ErasePerson { who }
            | ConnectorAction::SetPhoto { who, .. } => who,
        }
    }
}

/// A call of the `actions.run` export.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectorCall {
    pub action: ConnectorAction,
    /// Policy params for the action (for `issue-card` including the
    /// host-allocated `card_number`, `facility_code` and `format`).
    pub params: serde_json::Value,
    pub idempotency_key: IdempotencyKey,
}

/// A credential a connector issued. The PIN is in clear only until the
/// engine seals it.
#[derive(Clone, Debug, PartialEq)]
pub enum IssuedCredential {
    Card(CardCredential),
    Pin(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    pub pacs_id: Option<String>,
    pub credential: Option<IssuedCredential>,
    /// False when the PACS already was in the requested state.
    pub changed: bool,
    /// Vendor facts worth keeping on the job trail.
    pub detail: serde_json::Value,
    /// The plugin version that ran the call, when the gateway knows it.
    pub plugin_version: Option<semver::Version>,
}

/// A failed connector call, classified (the contract's `connector-error`).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct ConnectorError {
    pub kind: ErrorKind,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), retry_after: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BadgeResult {
    Granted,
    Denied,
}

/// A door event from the PACS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BadgeEvent {
    pub event_id: String,
    pub occurred_at: DateTime<Utc>,
    pub result: BadgeResult,
    pub pacs_person_id: String,
    pub email: Option<String>,
    pub door: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BadgeBatch {
    pub events: Vec<BadgeEvent>,
    pub next_cursor: String,
}

/// One finding of a live set-up validation (the contract's `check`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SetupCheck {
    /// What was checked ("connection", "license", ...).
    pub name: String,
    pub ok: bool,
    /// What was found, and what to do when it failed.
    pub detail: String,
}

/// One choice of a set-up picker (the contract's `option-item`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SetupOption {
    /// The vendor's stable identifier.
    pub id: String,
    pub label: String,
    pub detail: Option<String>,
}

/// Why an install secret could not be written or listed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SecretError {
    /// The name breaks the rule; the request can never succeed as it is.
    #[error("`{0}` is not a valid secret name (1-64 of a-z, A-Z, 0-9, '-', '_', '.')")]
    InvalidName(String),
    /// The sealed secret store failed; a retry may pass.
    #[error("the secret store is unavailable: {0}")]
    Unavailable(String),
}

/// Executes connector exports for an install, and keeps its sealed secrets.
#[async_trait]
pub trait ConnectorGateway: Send + Sync {
    /// The manifest of the plugin the install uses.
    async fn manifest(&self, install: &Install) -> Result<Manifest, ConnectorError>;

    /// Runs one action. A call repeated with the same idempotency key must
    /// not act twice; that is the connector's promise, the engine relies on it.
    async fn run(&self, install: &Install, call: &ConnectorCall) -> Result<StepOutcome, ConnectorError>;

    /// The plugin version calls to the install start on now, for metrics
    /// labels; `None` when the gateway has no notion of versions.
    fn active_version(&self, _install: &Install) -> Option<String> {
        None
    }

    /// Badge events after `cursor` (none = from now), at most `max`.
    async fn poll_events(
        &self,
        install: &Install,
        cursor: Option<&str>,
        max: u32,
    ) -> Result<BadgeBatch, ConnectorError>;

    /// The plugin's live `setup.validate` of the install's configuration.
    async fn validate(&self, install: &Install) -> Result<Vec<SetupCheck>, ConnectorError>;

    /// The plugin's `setup.list-options` for one picker (groups, partitions, ...).
    async fn list_options(&self, install: &Install, picker: &str) -> Result<Vec<SetupOption>, ConnectorError>;

    /// Sets or replaces a secret of the install, sealed, readable only by its plugin.
    async fn set_secret(&self, install: &Install, name: &str, value: &str) -> Result<(), SecretError>;

    /// Removes a secret of the install; false when it did not exist.
    async fn delete_secret(&self, install: &Install, name: &str) -> Result<bool, SecretError>;

    /// The names of the install's secrets, never their values.
    async fn secret_names(&self, install: &Install) -> Result<Vec<String>, SecretError>;
}

mod convert;
mod open;
mod plugins;
mod runtime;
mod runtime_catalog;
pub use open::is_valid_secret_name;
pub use plugins::{InstallKey, PluginCatalog, PluginError, PluginRouting, PluginVersionInfo};
pub use runtime::RuntimeGateway;
