//! `gatehouse:connector/clock`: the only time a connector can read.
//!
//! The host injects the one `gatehouse_core::Clock`, so tests (and the plugin harness) can set
//! the time a connector sees; the WASI wall clock of WASI components reads
//! the same clock.

use crate::contract::bindings::gatehouse::connector::clock::Host;
use crate::state::HostState;

impl Host for HostState {
    async fn now(&mut self) -> wasmtime::Result<i64> {
        Ok(self.env.services.clock.now().timestamp_millis())
    }
}
