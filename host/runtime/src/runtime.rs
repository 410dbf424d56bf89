//! The public face of the host: load components, choose versions, call them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use semver::Version;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::component::Linker;
use wasmtime::Engine;

use crate::call::{CallHost, Callee, ExportCall};
use crate::capabilities::http_policy::HttpClients;
use crate::capabilities::log::{PluginLog, TracingLog};
use crate::capabilities::sql::SqlDriver;
use crate::contract::bindings::ConnectorPre;
use crate::contract::{Action, Batch, CallContext, Check, Manifest, OptionItem, Outcome};
use crate::drivers::TdsDriver;
use crate::engine::{build_engine, build_linker, check_imports, ArtifactCache, CacheStats, RuntimeConfig};
use crate::errors::{CallError, CallSite, Cause, Export, LoadError, RegistryError, StartError};
use crate::grant::{InstallGrant, InstallScope};
use crate::limits::EpochTicker;
use crate::persistence::{KvStore, SqliteState};
use crate::registry::{Added, PluginVersion, Registry, Routing};
use crate::sealing::SecretStore;
use crate::state::{HostState, Services};
use gatehouse_core::{Clock, MasterKey, SystemClock};

/// What the capabilities are backed by.
pub struct Backends {
    pub kv: Arc<dyn KvStore>,
    pub secrets: SecretStore,
    pub sql: Arc<dyn SqlDriver>,
    pub clock: Arc<dyn Clock>,
    pub log: Arc<dyn PluginLog>,
}

impl Backends {
    /// The production set: kv and secrets in `state`, SQL Server through
    /// tiberius, the system clock, and `tracing` for plugin logs.
    pub fn new(state: SqliteState, key: &MasterKey) -> Self {
        let state = Arc::new(state);
        Self {
            secrets: SecretStore::new(state.clone(), key),
            kv: state,
            sql: Arc::new(TdsDriver),
            clock: Arc::new(SystemClock),
            log: Arc::new(TracingLog),
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_log(mut self, log: Arc<dyn PluginLog>) -> Self {
        self.log = log;
        self
    }

    pub fn with_sql(mut self, sql: Arc<dyn SqlDriver>) -> Self {
        self.sql = sql;
        self
    }
}

/// A component that passed loading: its identity and manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedVersion {
    pub plugin_id: String,
    pub version: Version,
    pub manifest: Manifest,
    /// sha256 of the component bytes, hex.
    pub content_hash: String,
}

impl LoadedVersion {
    fn of(loaded: &PluginVersion) -> Self {
        Self {
            plugin_id: loaded.plugin_id.clone(),
            version: loaded.version.clone(),
            manifest: loaded.manifest.clone(),
            content_hash: loaded.content_hash.clone(),
        }
    }
}

/// What an export returned, and the plugin version that returned it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ran<T> {
    pub value: T,
    pub version: Version,
}

/// The component host. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    linker: Linker<HostState>,
    cache: ArtifactCache,
    registry: Registry,
    services: Arc<Services>,
    config: RuntimeConfig,
    concurrency: Mutex<HashMap<InstallScope, (u32, Arc<Semaphore>)>>,
    _ticker: EpochTicker,
}

impl Runtime {
    pub fn new(config: RuntimeConfig, backends: Backends) -> Result<Self, StartError> {
        let engine = build_engine(&config)?;
        let linker = build_linker(&engine).map_err(|error| StartError::Engine(format!("{error:#}")))?;
        let cache = ArtifactCache::open(&config.artifact_dir, &engine)?;
        let ticker = EpochTicker::start(engine.clone(), config.epoch_tick).map_err(StartError::Ticker)?;
        let services = Arc::new(Services {
            kv: backends.kv,
            secrets: backends.secrets,
            sql: backends.sql,
            clock: backends.clock,
            log: backends.log,
            http: HttpClients::default(),
        });
        let inner = Inner {
            engine,
            linker,
            cache,
            registry: Registry::default(),
            services,
            config,
            concurrency: Mutex::default(),
            _ticker: ticker,
        };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The secret store, for setting and listing install secrets.
    pub fn secrets(&self) -> &SecretStore {
        &self.inner.services.secrets
    }

    /// How many components were compiled versus loaded from the artifact cache.
    pub fn cache_stats(&self) -> CacheStats {
        self.inner.cache.stats()
    }

    /// Compiles (or loads from the artifact cache) and links a component,
    /// checks its imports and exports, runs `describe.manifest` and
    /// `describe.self-test`, and adds it to the registry. It does not become
    /// active until [`Runtime::activate`]. Loading the same bytes twice is a
    /// no-op.
    pub async fn load_component(&self, bytes: Vec<u8>) -> Result<LoadedVersion, LoadError> {
        let inner = self.inner.clone();
        // Compiling takes seconds of CPU: keep it off the async workers.
        let (component, content_hash) =
            tokio::task::spawn_blocking(move || inner.cache.component(&inner.engine, &bytes))
                .await
                .map_err(|error| LoadError::Compile(format!("compiler task failed: {error}")))??;
        check_imports(&self.inner.engine, &component)?;
        let instance_pre = self
            .inner
            .linker
            .instantiate_pre(&component)
            .map_err(|error| LoadError::WorldMismatch(format!("{error:#}")))?;
        let pre = ConnectorPre::new(instance_pre).map_err(|error| LoadError::WorldMismatch(format!("{error:#}")))?;

        let grant = InstallGrant::new(InstallScope::new("gatehouse", "upload"), "(loading)");
        let callee = Callee { pre: &pre, plugin_id: "(loading)", version: None };
        let manifest = self
            .call_host()
            .run(
                &grant,
                callee,
                Export::Manifest,
                Box::new(|connector, store| Box::pin(connector.gatehouse_connector_describe().call_manifest(store))),
            )
            .await
            .map_err(LoadError::Manifest)?;
        let (plugin_id, version) = checked_identity(&manifest)?;

        let callee = Callee { pre: &pre, plugin_id: &plugin_id, version: Some(&version) };
        let self_test = self
            .call_host()
            .run(
                &grant,
                callee,
                Export::SelfTest,
                Box::new(|connector, store| Box::pin(connector.gatehouse_connector_describe().call_self_test(store))),
            )
            .await
            .map_err(|error| LoadError::SelfTest {
                plugin_id: plugin_id.clone(),
                version: version.clone(),
                message: error.to_string(),
            })?;
        if let Err(message) = self_test {
            return Err(LoadError::SelfTest { plugin_id, version, message });
        }

        let identity = (plugin_id.clone(), version.clone());
        let candidate = PluginVersion { plugin_id, version, manifest, content_hash, pre };
        let loaded = match self.inner.registry.add(candidate) {
            Added::New(loaded) | Added::AlreadyLoaded(loaded) => loaded,
            Added::Conflict => return Err(LoadError::VersionConflict { plugin_id: identity.0, version: identity.1 }),
        };
        Ok(LoadedVersion::of(&loaded))
    }

    /// Makes `version` the one new calls of the plugin go to.
    pub fn activate(&self, plugin_id: &str, version: &Version) -> Result<(), RegistryError> {
        self.inner.registry.activate(plugin_id, version)
    }

    /// Makes the previously active version active again; returns it.
    pub fn rollback(&self, plugin_id: &str) -> Result<Version, RegistryError> {
        self.inner.registry.rollback(plugin_id)
    }

    pub fn active_version(&self, plugin_id: &str) -> Option<Version> {
        self.inner.registry.active_version(plugin_id)
    }

    /// Every loaded version of the plugin, oldest first.
    pub fn versions(&self, plugin_id: &str) -> Vec<Version> {
        self.inner.registry.versions(plugin_id)
    }

    pub fn manifest(&self, plugin_id: &str, version: &Version) -> Option<Manifest> {
        self.inner.registry.manifest(plugin_id, version)
    }

    /// Every plugin with a loaded version, by id.
    pub fn plugin_ids(&self) -> Vec<String> {
        self.inner.registry.plugin_ids()
    }

    /// Every loaded version of the plugin with its manifest, oldest first.
    pub fn loaded_versions(&self, plugin_id: &str) -> Vec<LoadedVersion> {
        self.inner.registry.loaded(plugin_id).iter().map(|loaded| LoadedVersion::of(loaded)).collect()
    }

    /// The plugin's active, previous and canary versions; `None` when no
    /// version of it is loaded.
    pub fn routing(&self, plugin_id: &str) -> Option<Routing> {
        self.inner.registry.routing(plugin_id)
    }

    /// Puts back a routing read with [`Runtime::routing`] (after a restart, or
    /// to undo a change that could not be persisted). Every version it names
    /// must be loaded; on error nothing changes.
    pub fn restore_routing(&self, plugin_id: &str, routing: &Routing) -> Result<(), RegistryError> {
        self.inner.registry.restore(plugin_id, routing)
    }

    /// Routes one install to `version` instead of the active one (a canary);
    /// `None` returns it to the active version.
    pub fn set_canary(
        &self,
        plugin_id: &str,
        scope: &InstallScope,
        version: Option<&Version>,
    ) -> Result<(), RegistryError> {
        self.inner.registry.set_canary(plugin_id, scope, version)
    }

    /// `setup.validate`: checks an install configuration, live.
    pub async fn validate(&self, grant: &InstallGrant, config: &str) -> Result<Vec<Check>, CallError> {
        let config = config.to_owned();
        self.call_install(
            grant,
            Export::Validate,
            config.len(),
            Box::new(move |connector, store| {
                Box::pin(async move { connector.gatehouse_connector_setup().call_validate(store, &config).await })
            }),
        )
        .await
        .map(|ran| ran.value)
    }

    /// `setup.list-options`: the choices of one set-up picker.
    pub async fn list_options(
        &self,
        grant: &InstallGrant,
        config: &str,
        picker: &str,
    ) -> Result<Vec<OptionItem>, CallError> {
        let (config, picker) = (config.to_owned(), picker.to_owned());
        let size = config.len() + picker.len();
        self.call_install(
            grant,
            Export::ListOptions,
            size,
            Box::new(move |connector, store| {
                Box::pin(async move {
                    connector.gatehouse_connector_setup().call_list_options(store, &config, &picker).await
                })
            }),
        )
        .await
        .map(|ran| ran.value)
    }

    /// `actions.run`: one PACS operation.
    pub async fn run_action(
        &self,
        grant: &InstallGrant,
        context: &CallContext,
        action: &Action,
    ) -> Result<Outcome, CallError> {
        self.run_action_versioned(grant, context, action).await.map(|ran| ran.value)
    }

    /// [`Runtime::run_action`], also telling which version ran it (for a job trail).
    pub async fn run_action_versioned(
        &self,
        grant: &InstallGrant,
        context: &CallContext,
        action: &Action,
    ) -> Result<Ran<Outcome>, CallError> {
        let (context, action) = (context.clone(), action.clone());
        // A photo is the one action argument that can be large.
        let photo = match &action {
            Action::SetPhoto(update) => update.data.len(),
            _ => 0,
        };
        let size = context.config.len() + context.params.len() + context.idempotency_key.len() + photo;
        self.call_install(
            grant,
            Export::RunAction,
            size,
            Box::new(move |connector, store| {
                Box::pin(
                    async move { connector.gatehouse_connector_actions().call_run(store, &context, &action).await },
                )
            }),
        )
        .await
    }

    /// `events.poll`: badge events after `cursor`, at most `max`.
    pub async fn poll_events(
        &self,
        grant: &InstallGrant,
        config: &str,
        cursor: Option<&str>,
        max: u32,
    ) -> Result<Batch, CallError> {
        let (config, cursor) = (config.to_owned(), cursor.map(str::to_owned));
        let size = config.len() + cursor.as_ref().map_or(0, String::len);
        self.call_install(
            grant,
            Export::PollEvents,
            size,
            Box::new(move |connector, store| {
                Box::pin(async move {
                    connector.gatehouse_connector_events().call_poll(store, &config, cursor.as_deref(), max).await
                })
            }),
        )
        .await
        .map(|ran| ran.value)
    }

    fn call_host(&self) -> CallHost<'_> {
        CallHost {
            engine: &self.inner.engine,
            services: &self.inner.services,
            max_instance_memory: self.inner.config.max_instance_memory,
            epoch_tick: self.inner.config.epoch_tick,
        }
    }

    /// Runs an export for an install: picks the version, takes a slot of the
    /// install's concurrency cap, checks the argument size, and passes a
    /// connector error through as [`Cause::Connector`].
    async fn call_install<T: Send>(
        &self,
        grant: &InstallGrant,
        export: Export,
        argument_bytes: usize,
        call: ExportCall<Result<T, crate::contract::ConnectorError>>,
    ) -> Result<Ran<T>, CallError> {
        // The call holds this version until it ends, whatever is activated
        // meanwhile.
        let Some(target) = self.inner.registry.resolve(&grant.plugin_id, &grant.scope) else {
            let site =
                CallSite { scope: grant.scope.clone(), plugin_id: grant.plugin_id.clone(), version: None, export };
            return Err(CallError::new(site, Cause::NoActiveVersion));
        };
        let value = self.call_version(&target, grant, export, argument_bytes, call).await?;
        Ok(Ran { value, version: target.version.clone() })
    }

    async fn call_version<T: Send>(
        &self,
        target: &PluginVersion,
        grant: &InstallGrant,
        export: Export,
        argument_bytes: usize,
        call: ExportCall<Result<T, crate::contract::ConnectorError>>,
    ) -> Result<T, CallError> {
        let site = || CallSite {
            scope: grant.scope.clone(),
            plugin_id: target.plugin_id.clone(),
            version: Some(target.version.clone()),
            export,
        };
        let limit = grant.limits.payload_bytes;
        if argument_bytes as u64 > limit {
            let cause = Cause::PayloadTooLarge { size: argument_bytes as u64, limit };
            return Err(CallError::new(site(), cause));
        }
        let Some(_permit) = self.concurrency_permit(grant) else {
            let cause = Cause::ConcurrencyLimit { limit: grant.limits.max_concurrency };
            return Err(CallError::new(site(), cause));
        };
        let callee = Callee { pre: &target.pre, plugin_id: &target.plugin_id, version: Some(&target.version) };
        match self.call_host().run(grant, callee, export, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(CallError::new(site(), Cause::Connector(error))),
            Err(contained) => {
                tracing::warn!(
                    tenant = %grant.scope.tenant_id,
                    install = %grant.scope.install_id,
                    plugin = %target.plugin_id,
                    version = %target.version,
                    export = %export,
                    cause = %contained.cause,
                    "connector call contained"
                );
                Err(contained)
            }
        }
    }

    /// A slot of the install's concurrency cap, or `None` when all are taken.
    fn concurrency_permit(&self, grant: &InstallGrant) -> Option<OwnedSemaphorePermit> {
        let limit = grant.limits.max_concurrency;
        let semaphore = {
            let mut caps = self.inner.concurrency.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let slot =
                caps.entry(grant.scope.clone()).or_insert_with(|| (limit, Arc::new(Semaphore::new(limit as usize))));
            // A changed limit takes effect for new calls; calls in flight
            // keep their permits of the old semaphore.
            if slot.0 != limit {
                *slot = (limit, Arc::new(Semaphore::new(limit as usize)));
            }
            slot.1.clone()
        };
        semaphore.try_acquire_owned().ok()
    }
}

/// The plugin id and version a manifest claims, checked.
fn checked_identity(manifest: &Manifest) -> Result<(String, Version), LoadError> {
    let id = &manifest.plugin_id;
    let well_formed = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed {
        return Err(LoadError::InvalidManifest(format!(
            "plugin id `{id}` must be 1-64 characters of a-z, 0-9 and '-'"
        )));
    }
    let version = Version::parse(&manifest.version).map_err(|error| {
        LoadError::InvalidManifest(format!("version `{}` is not semver: {error}", manifest.version))
    })?;
    Ok((id.clone(), version))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::contract::{PersonKind, PersonRef};

    fn component(name: &str) -> Vec<u8> {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/components/testing/{name}.wasm"));
        std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; build the plugins first: `cargo xtask build-plugins`", path.display()))
    }

    #[tokio::test]
    async fn a_call_in_flight_finishes_on_the_version_it_started_on() {
        let artifacts = tempfile::tempdir().unwrap();
        let state = SqliteState::in_memory().await.unwrap();
        let runtime =
            Runtime::new(RuntimeConfig::new(artifacts.path()), Backends::new(state, &MasterKey::generate())).unwrap();
        let v1 = runtime.load_component(component("versioned-v1")).await.unwrap().version;
        let v2 = runtime.load_component(component("versioned-v2")).await.unwrap().version;
        runtime.activate("versioned", &v1).unwrap();
        let grant = InstallGrant::new(InstallScope::new("t", "i"), "versioned");

        // A call resolves its version when it starts and holds it...
        let started_on = runtime.inner.registry.resolve("versioned", &grant.scope).unwrap();
        // ...while the active version switches under it.
        runtime.activate("versioned", &v2).unwrap();

        let context = CallContext { config: "{}".into(), params: "{}".into(), idempotency_key: "k".into() };
        let action = Action::Activate(PersonRef {
            kind: PersonKind::Employee,
            external_id: "e1".into(),
            pacs_id: None,
            email: None,
        });
        let run = |context: CallContext, action: Action| -> ExportCall<_> {
            Box::new(move |connector, store| {
                Box::pin(
                    async move { connector.gatehouse_connector_actions().call_run(store, &context, &action).await },
                )
            })
        };
        let in_flight = runtime
            .call_version(&started_on, &grant, Export::RunAction, 0, run(context.clone(), action.clone()))
            .await
            .unwrap();
        let detail = |outcome: &Outcome| serde_json::from_str::<serde_json::Value>(&outcome.detail).unwrap();
        assert_eq!(detail(&in_flight)["version"], "1.0.0");

        let new_call = runtime.run_action_versioned(&grant, &context, &action).await.unwrap();
        assert_eq!(detail(&new_call.value)["version"], "2.0.0");
        assert_eq!(new_call.version, v2);
    }
}
