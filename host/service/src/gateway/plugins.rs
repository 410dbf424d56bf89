//! The boundary between the service and the loaded connector components.
//!
//! Uploading validates a component (world, imports, manifest, self-test) and
//! keeps its bytes; activation, rollback and canaries switch which version
//! serves new calls, while calls in flight finish on the version they started
//! on. The service layer persists the [`PluginRouting`] this trait reports
//! and puts it back after a restart; the trait itself holds no database.

use crate::domain::{ActionKind, InstallId, TenantId};
use async_trait::async_trait;
use semver::Version;
use std::collections::BTreeMap;

/// One loaded version of a plugin.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginVersionInfo {
    pub plugin_id: String,
    pub version: Version,
    /// sha256 of the component bytes, hex.
    pub content_hash: String,
    pub display_name: String,
    pub vendor: String,
    pub actions: Vec<ActionKind>,
}

/// One install of one tenant: the unit a canary pins.
pub type InstallKey = (TenantId, InstallId);

/// Which version serves which calls of one plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginRouting {
    pub active: Option<Version>,
    /// Versions that were active before, most recent last: where rollback goes.
    pub previous: Vec<Version>,
    /// Installs pinned to another version than the active one.
    pub canaries: BTreeMap<InstallKey, Version>,
}

/// Why a plugin operation was refused. Only [`PluginError::Unavailable`] can
/// succeed when retried unchanged; every other variant needs other input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PluginError {
    #[error("not a valid component: {0}")]
    NotAComponent(String),
    #[error("the component imports `{0}`, which this host does not provide")]
    UnsupportedImport(String),
    #[error("the component does not implement the gatehouse:connector world: {0}")]
    WrongWorld(String),
    #[error("the component's manifest is invalid: {0}")]
    InvalidManifest(String),
    #[error("the self-test of {plugin_id}@{version} failed: {message}")]
    SelfTestFailed { plugin_id: String, version: Version, message: String },
    #[error("{plugin_id}@{version} was already uploaded with different content; upload it under a new version")]
    VersionConflict { plugin_id: String, version: Version },
    #[error("plugin `{0}` is not loaded")]
    UnknownPlugin(String),
    #[error("{plugin_id}@{version} is not loaded")]
    UnknownVersion { plugin_id: String, version: Version },
    #[error("plugin `{0}` has no previous version to roll back to")]
    NoPreviousVersion(String),
    #[error("this service does not manage plugins: {0}")]
    NotManaged(String),
    #[error("the component could not be kept: {0}")]
    Unavailable(String),
}

impl PluginError {
    /// Whether the same request can succeed later.
    pub fn retryable(&self) -> bool {
        matches!(self, PluginError::Unavailable(_))
    }
}

/// Loads, lists and switches connector component versions.
#[async_trait]
pub trait PluginCatalog: Send + Sync {
    /// Validates a component, keeps its bytes durably and loads it, inactive.
    /// Uploading the same bytes again is harmless.
    async fn upload(&self, component: Vec<u8>) -> Result<PluginVersionInfo, PluginError>;

    /// Loads a version uploaded before (after a restart).
    async fn reload(&self, plugin_id: &str, version: &Version) -> Result<PluginVersionInfo, PluginError>;

    /// Every plugin with a loaded version, by id.
    fn plugin_ids(&self) -> Vec<String>;

    /// Every loaded version of the plugin, oldest first.
    fn versions(&self, plugin_id: &str) -> Vec<PluginVersionInfo>;

    /// `None` when no version of the plugin is loaded.
    fn routing(&self, plugin_id: &str) -> Option<PluginRouting>;

    /// New calls go to `version`; calls in flight finish where they started.
    fn activate(&self, plugin_id: &str, version: &Version) -> Result<(), PluginError>;

    /// Makes the previously active version active again; returns it.
    fn rollback(&self, plugin_id: &str) -> Result<Version, PluginError>;

    /// Pins one install to `version` (`None` returns it to the active one).
    fn set_canary(&self, plugin_id: &str, install: &InstallKey, version: Option<&Version>) -> Result<(), PluginError>;

    /// Replaces the plugin's routing as a whole; on error nothing changes.
    fn restore(&self, plugin_id: &str, routing: &PluginRouting) -> Result<(), PluginError>;
}
