//! Run a *built* connector component inside the real Gatehouse host.
//!
//! The SDK's native fakes test a connector's logic; this harness tests the
//! component you ship: the same runtime, limits and capability checks as
//! production, with in-memory state, a controllable clock, a recording log,
//! and exactly the grants your test gives.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gatehouse_sdk_harness::HarnessError> {
//! use gatehouse_sdk_harness::{contract::{Action, PersonKind, PersonRef}, Harness};
//!
//! let connector = Harness::load("target/components/example.wasm")?
//!     .allow_http("http://127.0.0.1:8080/api")
//!     .secret("password", "s3cret")
//!     .config(serde_json::json!({"base_url": "http://127.0.0.1:8080/api"}))
//!     .start()
//!     .await?;
//! let checks = connector.validate().await?;
//! let who = PersonRef { kind: PersonKind::Visitor, external_id: "v-1".into(), pacs_id: None, email: None };
//! let outcome = connector.run(Action::Activate(who), serde_json::json!({})).await?;
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
pub use gatehouse_runtime::contract;
use gatehouse_runtime::contract::{Action, Batch, CallContext, Check, Manifest, OptionItem, Outcome};
use gatehouse_runtime::persistence::{SqliteState, StoreError};
use gatehouse_runtime::{
    Backends, InstallGrant, InstallScope, LoadError, MasterKey, MemoryLog, RegistryError, Runtime, RuntimeConfig,
    SecretError, StartError,
};
pub use gatehouse_runtime::{CallError, CallLimits, Cause, ManualClock, PluginLogLine, SqlDsn};

/// Why the harness could not start the component.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("reading {path}: {source} (is the component built? `cargo xtask build-plugins`)")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("`{0}` is not a valid base URL")]
    BadUrl(String),
    #[error(transparent)]
    State(#[from] StoreError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Call(#[from] CallError),
}

/// What the component will be allowed to do; build it up, then [`Harness::start`].
pub struct Harness {
    component: Vec<u8>,
    grant: InstallGrant,
    secrets: Vec<(String, String)>,
    config: serde_json::Value,
    now: DateTime<Utc>,
    bad_urls: Vec<String>,
}

impl Harness {
    /// Reads a built component (`.wasm`).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, HarnessError> {
        let path = path.as_ref();
        let component = std::fs::read(path).map_err(|source| HarnessError::Read { path: path.to_owned(), source })?;
        Ok(Self::from_bytes(component))
    }

    pub fn from_bytes(component: Vec<u8>) -> Self {
        Self {
            component,
            // The plugin id is taken from the manifest on start.
            grant: InstallGrant::new(InstallScope::new("harness-tenant", "harness-install"), ""),
            secrets: Vec::new(),
            config: serde_json::json!({}),
            now: Utc.with_ymd_and_hms(2025, 1, 1, 12, 0, 0).single().expect("a valid date"),
            bad_urls: Vec::new(),
        }
    }

    /// Grants a base URL. A loopback base URL (a local test server) also
    /// allows loopback addresses, which production installs deny by default.
    pub fn allow_http(mut self, base_url: &str) -> Self {
        match url::Url::parse(base_url) {
            Ok(url) => {
                let loopback = match url.host() {
                    Some(url::Host::Domain(domain)) => domain == "localhost",
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    None => false,
                };
                self.grant.http.allow_loopback |= loopback;
                self.grant.http.base_urls.push(url);
            }
            // Reported by `start`, so the builder chain stays simple.
            Err(_) => self.bad_urls.push(base_url.to_owned()),
        }
        self
    }

    /// Maps a SQL label the connector opens to a DSN.
    pub fn sql(mut self, label: &str, dsn: SqlDsn) -> Self {
        self.grant.sql.insert(label.to_owned(), dsn);
        self
    }

    /// Sets a secret of the install.
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The install configuration passed to every call.
    pub fn config(mut self, config: serde_json::Value) -> Self {
        self.config = config;
        self
    }

    /// The time the connector's clock starts at.
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = now;
        self
    }

    pub fn limits(mut self, limits: CallLimits) -> Self {
        self.grant.limits = limits;
        self
    }

    /// Starts a runtime, loads the component (running its manifest and
    /// self-test) and makes it the active version.
    pub async fn start(mut self) -> Result<Connector, HarnessError> {
        if let Some(bad) = self.bad_urls.pop() {
            return Err(HarnessError::BadUrl(bad));
        }
        let state = SqliteState::in_memory().await?;
        let log = MemoryLog::default();
        let clock = ManualClock::new(self.now);
        let backends = Backends::new(state, &MasterKey::generate())
            .with_log(Arc::new(log.clone()))
            .with_clock(Arc::new(clock.clone()));
        // Artifacts are keyed by content hash, so sharing them across runs
        // only saves compile time.
        let artifacts = std::env::temp_dir().join("gatehouse-harness-artifacts");
        let runtime = Runtime::new(RuntimeConfig::new(artifacts), backends)?;
        let loaded = runtime.load_component(std::mem::take(&mut self.component)).await?;
        runtime.activate(&loaded.plugin_id, &loaded.version)?;
        self.grant.plugin_id = loaded.plugin_id.clone();
        for (name, value) in &self.secrets {
            runtime.secrets().set(&self.grant.scope, name, value).await?;
        }
        Ok(Connector {
            runtime,
            grant: self.grant,
            config: self.config.to_string(),
            manifest: loaded.manifest,
            log,
            clock,
            calls: AtomicU64::new(0),
        })
    }
}

/// A started component: call its exports and inspect what it logged.
pub struct Connector {
    runtime: Runtime,
    grant: InstallGrant,
    config: String,
    manifest: Manifest,
    log: MemoryLog,
    clock: ManualClock,
    calls: AtomicU64,
}

impl Connector {
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// `setup.validate` with the harness configuration.
    pub async fn validate(&self) -> Result<Vec<Check>, CallError> {
        self.runtime.validate(&self.grant, &self.config).await
    }

    /// `setup.list-options` for one picker.
    pub async fn list_options(&self, picker: &str) -> Result<Vec<OptionItem>, CallError> {
        self.runtime.list_options(&self.grant, &self.config, picker).await
    }

    /// `actions.run` with the given policy parameters and a fresh idempotency key.
    pub async fn run(&self, action: Action, params: serde_json::Value) -> Result<Outcome, CallError> {
        let key = format!("harness-call-{}", self.calls.fetch_add(1, Ordering::Relaxed));
        self.run_with_key(action, params, &key).await
    }

    /// `actions.run` with an explicit idempotency key, to test retries.
    pub async fn run_with_key(
        &self,
        action: Action,
        params: serde_json::Value,
        idempotency_key: &str,
    ) -> Result<Outcome, CallError> {
        let context = CallContext {
            config: self.config.clone(),
            params: params.to_string(),
            idempotency_key: idempotency_key.to_owned(),
        };
        self.runtime.run_action(&self.grant, &context, &action).await
    }

    /// `events.poll`.
    pub async fn poll_events(&self, cursor: Option<&str>, max: u32) -> Result<Batch, CallError> {
        self.runtime.poll_events(&self.grant, &self.config, cursor, max).await
    }

    /// Every line the component logged so far (secrets redacted).
    pub fn logs(&self) -> Vec<PluginLogLine> {
        self.log.lines()
    }

    /// The connector's clock; move it to test time-dependent behaviour.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }
}
