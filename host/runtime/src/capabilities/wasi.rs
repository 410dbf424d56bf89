//! A deny-all WASI 0.2 for components built the common way (`wasm32-wasip2`,
//! or wasip1 plus the adapter).
//!
//! Such components import WASI even when they never use it. They get a
//! context with no files, no sockets, no environment and no arguments; their
//! stdout and stderr go to the plugin log, and their wall clock is the
//! one `Clock`, so time stays controllable.

use std::sync::Arc;
use std::time::Duration;

use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::log::CallLogger;
use crate::state::HostState;
use gatehouse_core::Clock;

/// Builds the WASI context of one call.
fn deny_all_context(clock: Arc<dyn Clock>, logger: &CallLogger) -> WasiCtx {
    let mut builder = WasiCtx::builder();
    // No preopens, env or args are added; sockets stay denied by the
    // builder's default address check and name lookup stays off.
    builder
        .stdout(logger.stdout())
        .stderr(logger.stderr())
        .wall_clock(RuntimeWallClock(clock))
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false);
    builder.build()
}

/// WASI's wall clock, read from the runtime's clock.
struct RuntimeWallClock(Arc<dyn Clock>);

impl wasmtime_wasi::HostWallClock for RuntimeWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }

    fn now(&self) -> Duration {
        let millis = self.0.now().timestamp_millis();
        // Times before 1970 cannot be expressed; they read as the epoch.
        Duration::from_millis(u64::try_from(millis).unwrap_or(0))
    }
}

impl WasiView for HostState {
    /// Built on first use: components without WASI imports never pay for it.
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let env = &self.env;
        let ctx = self.wasi.get_or_insert_with(|| deny_all_context(env.services.clock.clone(), &env.logger));
        WasiCtxView { ctx, table: &mut self.table }
    }
}
