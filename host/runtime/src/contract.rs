//! The WIT contract as Rust types.
//!
//! `bindgen!` turns `wit/connector.wit` into host traits (implemented in
//! `capabilities/`) and plain data types. Callers of the runtime use the data
//! types re-exported here, so nobody outside this crate needs to know the
//! generated module paths, and a change of contract shows up in one file.

pub(crate) mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "gatehouse:connector/connector",
        imports: { default: async | trappable },
        exports: { default: async },
        with: {
            "gatehouse:connector/sql.connection": crate::capabilities::sql::OpenConnection,
            "gatehouse:connector/secrets.secret": crate::capabilities::secrets::SecretHandle,
        },
        additional_derives: [PartialEq, serde::Serialize, serde::Deserialize],
    });
}

use bindings::exports::gatehouse::connector as exports;
use bindings::gatehouse::connector as imports;

pub use exports::actions::{
    AccessWindow, Action, CallContext, CardCredential, Credential, Outcome, Person, PersonKind, PersonRef, PhotoUpdate,
    Windowed,
};
pub use exports::describe::{ActionDescriptor, ActionKind, PluginManifest as Manifest};
pub use exports::events::{BadgeEvent, BadgeResult, Batch};
pub use exports::setup::Check;
pub use imports::sql::{Rows as SqlRows, ServerError as SqlServerError, SqlError, Value as SqlValue};
pub use imports::types::{ConnectorError, ErrorKind, OptionItem, UtcMillis};

impl ErrorKind {
    /// Whether the host may retry a call that failed with this kind: a passing
    /// fault, or a conflict that a re-read can resolve.
    pub fn retryable(self) -> bool {
        matches!(self, ErrorKind::Transient | ErrorKind::Conflict)
    }
}
