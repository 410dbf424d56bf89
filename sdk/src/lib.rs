//! The Gatehouse plugin SDK.
//!
//! A connector is a WebAssembly component built against `wit/connector.wit`. Writing the generated
//! bindings by hand is tedious and easy to get subtly wrong (resource handles, JSON config, error
//! kinds), so this crate turns a connector into one small typed impl of [`Connector`] plus
//! [`export_connector!`], and gives every host capability a thin wrapper.
//!
//! The wrappers call the real host imports when compiled for `wasm32`, and in-memory fakes
//! ([`testing`]) everywhere else, so plugin logic is unit-tested with plain `cargo test`.

pub mod bindings {
    //! The raw wit-bindgen output for the `gatehouse:connector/connector` world. Prefer the
    //! re-exports at the crate root; this module is public because the export macro needs it.
    wit_bindgen::generate!({
        path: "../wit",
        world: "gatehouse:connector/connector",
        pub_export_macro: true,
        export_macro_name: "export_world",
        default_bindings_module: "gatehouse_sdk::bindings",
        additional_derives: [PartialEq],
    });
}

mod connector;
mod error;

pub mod clock;
pub mod http;
pub mod kv;
pub mod log;
pub mod secrets;
pub mod sql;

#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

pub use connector::{parse_config, Call, Connector};

/// `actions`: the typed PACS operations.
pub use bindings::exports::gatehouse::connector::actions::{
    AccessWindow, Action, CardCredential, Credential, Outcome, Person, PersonKind, PersonRef, PhotoUpdate, Windowed,
};
/// `describe`: what the connector is.
pub use bindings::exports::gatehouse::connector::describe::{ActionDescriptor, ActionKind, PluginManifest as Manifest};
/// `events`: badge events.
pub use bindings::exports::gatehouse::connector::events::{BadgeEvent, BadgeResult, Batch};
/// `setup`: validation checks.
pub use bindings::exports::gatehouse::connector::setup::Check;
/// Shared types of the contract.
pub use bindings::gatehouse::connector::types::{ConnectorError, ErrorKind, OptionItem, UtcMillis};
