//! The Gatehouse component host.
//!
//! Loads connector components (the `gatehouse:connector` world), keeps
//! several versions of each plugin, and runs their exports for an install
//! under that install's grant and limits. Start at [`Runtime`].
//!
//! Codemap: `engine` (wasmtime, artifact cache, linker), `registry`
//! (versions), `call` (one call under limits), `capabilities/` (one module
//! per WIT import), `persistence/` (kv and sealed secrets storage),
//! `sealing` (secret encryption), `drivers/` (SQL engines), `errors`,
//! `grant`, `limits`, `contract` (the WIT types).

mod call;
pub mod capabilities;
pub mod contract;
pub mod drivers;
mod engine;
mod errors;
mod grant;
mod limits;
pub mod persistence;
mod registry;
mod runtime;
mod sealing;
mod state;

pub use capabilities::log::{LogLevel, LogSource, MemoryLog, PluginLog, PluginLogLine, TracingLog};
pub use capabilities::sql::{SqlConnection, SqlDriver};
pub use engine::{CacheStats, RuntimeConfig};
pub use errors::{CallError, CallSite, Cause, Export, LoadError, RegistryError, StartError};
pub use gatehouse_core::{Clock, ManualClock, MasterKey, SystemClock};
pub use grant::{EncryptMode, HttpGrant, InstallGrant, InstallScope, SqlDsn, TlsOptions};
pub use limits::CallLimits;
pub use registry::Routing;
pub use runtime::{Backends, LoadedVersion, Ran, Runtime};
pub use sealing::{is_valid_secret_name, SecretError, SecretStore};
pub use semver::Version;
