//! The production gateway: connector calls through `gatehouse-runtime`, each with the install's
//! grant; every type crosses the contract through [`super::convert`].

use super::convert;
use super::{
    BadgeBatch, ConnectorCall, ConnectorError, ConnectorGateway, Manifest, SecretError, SetupCheck, SetupOption,
    StepOutcome,
};
use crate::domain::{ErrorKind, Install};
use async_trait::async_trait;
use gatehouse_runtime::{InstallGrant, Runtime};
use serde::Deserialize;
use std::path::PathBuf;

/// Runs connector exports in the sandboxed component host, and (as a
/// [`super::PluginCatalog`]) manages the versions loaded there.
#[derive(Clone)]
pub struct RuntimeGateway {
    pub(super) runtime: Runtime,
    /// Where uploaded components are kept; without it uploads are refused.
    pub(super) component_dir: Option<PathBuf>,
}

impl RuntimeGateway {
    pub fn new(runtime: Runtime) -> Self {
        Self { runtime, component_dir: None }
    }

    /// Keeps uploaded components under `dir`, as `<plugin>/<version>.wasm`.
    pub fn with_component_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.component_dir = Some(dir.into());
        self
    }

    /// Checks an install's `grants` JSON before it is stored; the message says what is wrong.
    pub fn check_grants(grants: &serde_json::Value) -> Result<(), String> {
        if !grants.is_object() {
            return Err("the grants must be a JSON object: {\"http\": {...}, \"sql\": {...}, \"limits\": {...}}".into());
        }
        serde_json::from_value::<Grants>(grants.clone()).map(drop).map_err(|e| format!("the grants are invalid: {e}"))
    }
}

/// The install's `grants` JSON: `{"http": {...}, "sql": {...}, "limits": {...}}`,
/// in the runtime's own shapes; anything left out grants nothing.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Grants {
    #[serde(default)]
    http: gatehouse_runtime::HttpGrant,
    #[serde(default)]
    sql: std::collections::BTreeMap<String, gatehouse_runtime::SqlDsn>,
    #[serde(default)]
    limits: gatehouse_runtime::CallLimits,
}

fn grant(install: &Install) -> Result<InstallGrant, ConnectorError> {
    let grants: Grants = serde_json::from_value(install.grants.clone())
        .map_err(|e| ConnectorError::new(ErrorKind::Config, format!("the install's grants are invalid: {e}")))?;
    let mut grant = InstallGrant::new(convert::scope(install), &install.plugin_id);
    (grant.http, grant.sql, grant.limits) = (grants.http, grants.sql, grants.limits);
    Ok(grant)
}

#[async_trait]
impl ConnectorGateway for RuntimeGateway {
    async fn manifest(&self, install: &Install) -> Result<Manifest, ConnectorError> {
        let plugin = &install.plugin_id;
        let no_version = || ConnectorError::new(ErrorKind::Config, format!("plugin `{plugin}` has no active version"));
        let version = self.runtime.active_version(plugin).ok_or_else(no_version)?;
        let manifest = self.runtime.manifest(plugin, &version).ok_or_else(no_version)?;
        convert::manifest_from_wit(manifest)
    }

    fn active_version(&self, install: &Install) -> Option<String> {
        self.runtime.active_version(&install.plugin_id).map(|v| v.to_string())
    }

    async fn run(&self, install: &Install, call: &ConnectorCall) -> Result<StepOutcome, ConnectorError> {
        let ran = self
            .runtime
            .run_action_versioned(
                &grant(install)?,
                &convert::context(install, call),
                &convert::action_to_wit(&call.action),
            )
            .await
            .map_err(convert::from_call_error)?;
        Ok(convert::outcome_from_wit(ran.value, ran.version))
    }

    async fn poll_events(
        &self,
        install: &Install,
        cursor: Option<&str>,
        max: u32,
    ) -> Result<BadgeBatch, ConnectorError> {
        let config = install.config.to_string();
        let batch =
            self.runtime.poll_events(&grant(install)?, &config, cursor, max).await.map_err(convert::from_call_error)?;
        Ok(convert::badges_from_wit(batch))
    }

    async fn validate(&self, install: &Install) -> Result<Vec<SetupCheck>, ConnectorError> {
        let checks = self
            .runtime
            .validate(&grant(install)?, &install.config.to_string())
            .await
            .map_err(convert::from_call_error)?;
        Ok(checks.into_iter().map(convert::check_from_wit).collect())
    }

    async fn list_options(&self, install: &Install, picker: &str) -> Result<Vec<SetupOption>, ConnectorError> {
        let items = self
            .runtime
            .list_options(&grant(install)?, &install.config.to_string(), picker)
            .await
            .map_err(convert::from_call_error)?;
        Ok(items.into_iter().map(convert::option_from_wit).collect())
    }

    async fn set_secret(&self, install: &Install, name: &str, value: &str) -> Result<(), SecretError> {
        self.runtime.secrets().set(&convert::scope(install), name, value).await.map_err(convert::secret_error)
    }

    async fn delete_secret(&self, install: &Install, name: &str) -> Result<bool, SecretError> {
        self.runtime.secrets().delete(&convert::scope(install), name).await.map_err(convert::secret_error)
    }

    async fn secret_names(&self, install: &Install) -> Result<Vec<String>, SecretError> {
        self.runtime.secrets().names(&convert::scope(install)).await.map_err(convert::secret_error)
    }
}
