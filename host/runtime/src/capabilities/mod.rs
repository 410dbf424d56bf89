//! The host side of the contract's imports, one module per WIT interface.
//! Each implements its interface's generated `Host` trait on `HostState`,
//! checking the call's grant before touching the outside world.

pub mod clock;
pub mod http;
pub(crate) mod http_policy;
pub mod kv;
pub mod log;
pub mod secrets;
pub mod sql;
pub(crate) mod wasi;

use crate::contract::bindings::gatehouse::connector::types;
use crate::state::HostState;

/// The `types` interface has no functions; its (empty) host trait still
/// needs an implementation for the linker.
impl types::Host for HostState {}
