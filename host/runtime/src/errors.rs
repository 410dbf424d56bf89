//! Typed failures of the runtime.
//!
//! A call that goes wrong, whether the connector said so, trapped, or ran
//! into a limit, comes back as a [`CallError`] that names where it happened
//! and why, and answers whether a retry can help. The store the call ran in
//! is thrown away, so no failure can leak into the next call.

use std::fmt;

use crate::contract::ConnectorError;
use crate::grant::InstallScope;

/// The export of the connector world a call entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Manifest,
    SelfTest,
    Validate,
    ListOptions,
    RunAction,
    PollEvents,
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Export::Manifest => "describe.manifest",
            Export::SelfTest => "describe.self-test",
            Export::Validate => "setup.validate",
            Export::ListOptions => "setup.list-options",
            Export::RunAction => "actions.run",
            Export::PollEvents => "events.poll",
        })
    }
}

/// Where a call ran: for whom, in which plugin version, through which export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSite {
    pub scope: InstallScope,
    pub plugin_id: String,
    /// `None` when the call failed before a version was chosen.
    pub version: Option<semver::Version>,
    pub export: Export,
}

impl fmt::Display for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {}@", self.export, self.plugin_id)?;
        match &self.version {
            Some(version) => write!(f, "{version}")?,
            None => f.write_str("(no version)")?,
        }
        write!(f, " for install {}", self.scope)
    }
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Cause {
    /// The connector returned its own typed error.
    #[error("connector error: {0}")]
    Connector(ConnectorError),
    #[error("cpu deadline exceeded")]
    CpuDeadline,
    #[error("wall-clock timeout")]
    WallClockTimeout,
    #[error("memory limit of {limit} bytes exceeded")]
    MemoryLimit { limit: u64 },
    #[error("wasm stack overflow")]
    StackOverflow,
    /// Any other trap: a panic, `unreachable`, an out-of-bounds access, ...
    #[error("trap: {0}")]
    Trap(String),
    #[error("concurrency limit of {limit} calls reached")]
    ConcurrencyLimit { limit: u32 },
    /// An argument of the call (configuration, parameters) exceeds the cap.
    #[error("payload of {size} bytes exceeds the cap of {limit} bytes")]
    PayloadTooLarge { size: u64, limit: u64 },
    /// The plugin has no loaded version, or none is active.
    #[error("no active version")]
    NoActiveVersion,
    /// The host itself failed (instantiation, storage); not the connector's doing.
    #[error("host failure: {0}")]
    Host(String),
}

/// A failed call, naming tenant, install, plugin, version, export and cause.
/// The site is boxed: every call returns `Result<_, CallError>`, and the
/// success path should not carry the size of five names.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{site}: {cause}")]
pub struct CallError {
    pub site: Box<CallSite>,
    pub cause: Cause,
}

impl CallError {
    pub fn new(site: CallSite, cause: Cause) -> Self {
        CallError { site: Box::new(site), cause }
    }

    /// Whether the same call may succeed later without anyone acting:
    /// passing faults yes, traps, limits and configuration mistakes no.
    pub fn retryable(&self) -> bool {
        match &self.cause {
            Cause::Connector(error) => error.kind.retryable(),
            Cause::WallClockTimeout | Cause::ConcurrencyLimit { .. } | Cause::Host(_) => true,
            Cause::CpuDeadline
            | Cause::MemoryLimit { .. }
            | Cause::StackOverflow
            | Cause::Trap(_)
            | Cause::PayloadTooLarge { .. }
            | Cause::NoActiveVersion => false,
        }
    }

    /// The connector's own error, when that is what failed.
    pub fn connector_error(&self) -> Option<&ConnectorError> {
        match &self.cause {
            Cause::Connector(error) => Some(error),
            _ => None,
        }
    }
}

/// Why a component could not be loaded into the registry.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("not a valid component: {0}")]
    Compile(String),
    #[error("the component imports `{0}`, which this host does not provide")]
    UnsupportedImport(String),
    #[error("the component does not implement the gatehouse:connector world: {0}")]
    WorldMismatch(String),
    #[error("describe.manifest failed: {0}")]
    Manifest(#[source] CallError),
    #[error("the manifest is invalid: {0}")]
    InvalidManifest(String),
    #[error("describe.self-test of {plugin_id}@{version} failed: {message}")]
    SelfTest { plugin_id: String, version: semver::Version, message: String },
    #[error("{plugin_id}@{version} is already loaded with different content")]
    VersionConflict { plugin_id: String, version: semver::Version },
    #[error("artifact cache: {0}")]
    Cache(#[from] std::io::Error),
}

/// Why a registry operation (activate, rollback, canary) was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("plugin `{0}` is not loaded")]
    UnknownPlugin(String),
    #[error("{plugin_id}@{version} is not loaded")]
    UnknownVersion { plugin_id: String, version: semver::Version },
    #[error("plugin `{0}` has no previous version to roll back to")]
    NoPreviousVersion(String),
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("engine configuration: {0}")]
    Engine(String),
    #[error("artifact cache directory: {0}")]
    Cache(#[source] std::io::Error),
    #[error("epoch ticker thread: {0}")]
    Ticker(#[source] std::io::Error),
}

/// A failure of the host's own machinery during a host call (the state store
/// is down, the master key is wrong). It aborts the call as [`Cause::Host`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HostFault(pub(crate) String);
