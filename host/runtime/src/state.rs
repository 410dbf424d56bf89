//! What a call's host functions can reach.
//!
//! [`Services`] live as long as the runtime and are shared by all calls;
//! a [`CallEnv`] is made for one call (its grant, deadline and log); a
//! [`HostState`] is the data of the call's fresh store, dropped with it.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::WasiCtx;

use crate::capabilities::http_policy::HttpClients;
use crate::capabilities::log::{CallLogger, PluginLog};
use crate::capabilities::sql::SqlDriver;
use crate::grant::InstallGrant;
use crate::limits::InstanceLimiter;
use crate::persistence::KvStore;
use crate::sealing::SecretStore;
use gatehouse_core::Clock;

/// The backends behind the capabilities, shared by every call.
pub(crate) struct Services {
    pub(crate) kv: Arc<dyn KvStore>,
    pub(crate) secrets: SecretStore,
    pub(crate) sql: Arc<dyn SqlDriver>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) log: Arc<dyn PluginLog>,
    pub(crate) http: HttpClients,
}

/// One call: for whom, until when, and where its log lines go.
pub(crate) struct CallEnv {
    pub(crate) grant: InstallGrant,
    pub(crate) services: Arc<Services>,
    pub(crate) deadline: Instant,
    pub(crate) logger: CallLogger,
}

impl CallEnv {
    /// Time left before the call's wall-clock timeout; host calls that wait
    /// (HTTP, SQL) wait no longer than this.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// The data of one call's store.
pub(crate) struct HostState {
    pub(crate) env: Arc<CallEnv>,
    pub(crate) table: ResourceTable,
    /// Made on the first WASI call (see `capabilities/wasi.rs`).
    pub(crate) wasi: Option<WasiCtx>,
    pub(crate) limiter: InstanceLimiter,
}
