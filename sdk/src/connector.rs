//! The [`Connector`] trait and the glue that exports it as the component's world.
//!
//! The generated `Guest` traits take raw JSON strings; every connector would otherwise repeat the
//! same config parsing and error mapping. The blanket impls below do it once: a connector sees
//! its typed configuration, and a configuration that does not parse becomes a `config` error
//! (or, for `validate`, a failed check an operator can read).

use serde::de::DeserializeOwned;

use crate::bindings::exports::gatehouse::connector::{actions, describe, events, setup};
use crate::{Action, ActionDescriptor, ActionKind, Batch, Check, ConnectorError, Manifest, OptionItem, Outcome};

/// One connector: implement this for a unit struct and hand it to [`export_connector!`].
///
/// Every method is a separate call into a fresh instance, so a connector keeps no state between
/// calls: what must survive goes to the `kv` capability.
pub trait Connector {
    /// The install configuration, deserialised from the JSON matching the manifest's
    /// `config-schema`. Use `serde_json::Value` for a connector without configuration.
    type Config: DeserializeOwned;

    /// What the connector is. Called at upload, before any install exists.
    fn manifest() -> Manifest;

    /// Checks the connector's own logic without touching any vendor.
    fn self_test() -> Result<(), String> {
        Ok(())
    }

    /// Validates an install, including a live connection test; returns the checks that ran.
    fn validate(config: Self::Config) -> Result<Vec<Check>, ConnectorError>;

    /// Lists the choices for one set-up picker. The default knows no pickers.
    fn list_options(config: Self::Config, picker: &str) -> Result<Vec<OptionItem>, ConnectorError> {
        let _ = config;
        Err(ConnectorError::permanent(format!("this connector has no picker named {picker:?}")))
    }

    /// Performs one PACS action. Must be idempotent per `call.idempotency_key`.
    fn run(config: Self::Config, call: Call, action: Action) -> Result<Outcome, ConnectorError>;

    /// Returns badge events after `cursor`. The default emits none (set `emits_events: false`).
    fn poll(config: Self::Config, cursor: Option<String>, max: u32) -> Result<Batch, ConnectorError> {
        let _ = (config, max);
        Ok(Batch { events: Vec::new(), next_cursor: cursor.unwrap_or_default() })
    }
}

impl ActionDescriptor {
    /// One entry of the manifest's `actions`: what the action does here, in the words an operator
    /// reads when writing a policy, and the JSON Schema of its `params`.
    pub fn new(kind: ActionKind, description: &str, params_schema: &str) -> Self {
        ActionDescriptor { kind, description: description.into(), params_schema: params_schema.into() }
    }
}

/// The per-call part of an action: its policy parameters and idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Policy parameters, JSON matching the action's `params-schema`.
    pub params: String,
    /// Same key, same effect: a retried call must not act twice.
    pub idempotency_key: String,
}

impl Call {
    /// Parses the policy parameters. Parameters come from the operator's policy, so a mismatch is
    /// a `config` error.
    pub fn params<P: DeserializeOwned>(&self) -> Result<P, ConnectorError> {
        serde_json::from_str(&self.params)
            .map_err(|e| ConnectorError::config(format!("action parameters are invalid: {e}")))
    }
}

/// Parses the install configuration JSON into the connector's typed configuration.
pub fn parse_config<C: DeserializeOwned>(config: &str) -> Result<C, ConnectorError> {
    serde_json::from_str(config).map_err(|e| ConnectorError::config(format!("install configuration is invalid: {e}")))
}

/// Exports a [`Connector`] as the component's `gatehouse:connector/connector` world.
///
/// ```text
/// struct Example;
/// impl gatehouse_sdk::Connector for Example { /* see plugins/example */ }
/// gatehouse_sdk::export_connector!(Example);
/// ```
#[macro_export]
macro_rules! export_connector {
    ($connector:ident) => {
        $crate::bindings::export_world!($connector with_types_in $crate::bindings);
    };
}

/// Makes a panic visible in the install's log before the instance traps: without it an operator
/// sees only "wasm trap: unreachable".
fn install_panic_logger() {
    #[cfg(target_arch = "wasm32")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                crate::log::emit(crate::log::Level::Error, &format!("connector panicked: {info}"), &[]);
            }));
        });
    }
}

impl<C: Connector> describe::Guest for C {
    fn manifest() -> Manifest {
        install_panic_logger();
        C::manifest()
    }

    fn self_test() -> Result<(), String> {
        install_panic_logger();
        C::self_test()
    }
}

impl<C: Connector> setup::Guest for C {
    fn validate(config: String) -> Result<Vec<Check>, ConnectorError> {
        install_panic_logger();
        match parse_config(&config) {
            Ok(config) => C::validate(config),
            Err(error) => Ok(vec![Check { name: "configuration".into(), ok: false, detail: error.message }]),
        }
    }

    fn list_options(config: String, picker: String) -> Result<Vec<OptionItem>, ConnectorError> {
        install_panic_logger();
        C::list_options(parse_config(&config)?, &picker)
    }
}

impl<C: Connector> actions::Guest for C {
    fn run(ctx: actions::CallContext, action: Action) -> Result<Outcome, ConnectorError> {
        install_panic_logger();
        let config = parse_config(&ctx.config)?;
        let call = Call { params: ctx.params, idempotency_key: ctx.idempotency_key };
        C::run(config, call, action)
    }
}

impl<C: Connector> events::Guest for C {
    fn poll(config: String, cursor: Option<String>, max: u32) -> Result<Batch, ConnectorError> {
        install_panic_logger();
        C::poll(parse_config(&config)?, cursor, max)
    }
}
