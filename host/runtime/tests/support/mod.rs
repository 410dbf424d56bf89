//! Shared set-up of the runtime's integration tests: built components, a
//! runtime over in-memory backends, grants, and a local HTTP server.
#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use gatehouse_runtime::contract::{Action, CallContext, Outcome, PersonKind, PersonRef};
use gatehouse_runtime::persistence::SqliteState;
use gatehouse_runtime::{
    Backends, CallError, CallLimits, InstallGrant, InstallScope, ManualClock, MasterKey, MemoryLog, Runtime,
    RuntimeConfig,
};

/// The bytes of a component built by `cargo xtask build-plugins`.
pub fn component(name: &str) -> Vec<u8> {
    let file = format!("{name}.wasm");
    let fixture = components_dir().join("testing").join(&file);
    let path = if fixture.exists() { fixture } else { components_dir().join(file) };
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read the built component {}: {error}.\n\
             Build the plugins first: `cargo xtask build-plugins`",
            path.display()
        )
    })
}

fn components_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/components")
}

/// Compiled artifacts shared by all test runtimes, so each component is
/// compiled once per test run rather than once per test.
pub fn shared_artifact_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gatehouse-runtime-artifacts")
}

/// A runtime over in-memory backends with a recording log and a test clock.
pub struct TestHost {
    pub runtime: Runtime,
    pub log: MemoryLog,
    pub clock: ManualClock,
}

impl TestHost {
    pub async fn new() -> Self {
        Self::with_artifacts(shared_artifact_dir()).await
    }

    pub async fn with_artifacts(dir: PathBuf) -> Self {
        let state = SqliteState::in_memory().await.expect("in-memory state");
        let log = MemoryLog::default();
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2025, 3, 14, 9, 26, 53).unwrap());
        let backends = Backends::new(state, &MasterKey::generate())
            .with_log(Arc::new(log.clone()))
            .with_clock(Arc::new(clock.clone()));
        let mut config = RuntimeConfig::new(dir);
        config.max_instances = 16;
        config.max_instance_memory = 128 << 20;
        let runtime = Runtime::new(config, backends).expect("runtime starts");
        Self { runtime, log, clock }
    }

    /// Loads and activates a built component; returns its plugin id.
    pub async fn load_active(&self, name: &str) -> String {
        let loaded = self.runtime.load_component(component(name)).await.expect("component loads");
        self.runtime.activate(&loaded.plugin_id, &loaded.version).unwrap();
        loaded.plugin_id
    }

    /// Log lines whose message contains `text`.
    pub fn log_lines_containing(&self, text: &str) -> Vec<String> {
        self.log.lines().into_iter().map(|line| line.message).filter(|m| m.contains(text)).collect()
    }
}

/// Tight limits, so attacks are stopped within a second.
pub fn test_limits() -> CallLimits {
    CallLimits {
        cpu_time: Duration::from_millis(300),
        wall_clock: Duration::from_secs(5),
        memory_bytes: 32 << 20,
        payload_bytes: 64 << 10,
        max_concurrency: 4,
        max_log_lines: 50,
    }
}

pub fn grant(install: &str, plugin_id: &str) -> InstallGrant {
    let mut grant = InstallGrant::new(InstallScope::new("tenant-1", install), plugin_id);
    grant.limits = test_limits();
    grant
}

pub fn someone() -> Action {
    Action::Activate(PersonRef {
        kind: PersonKind::Visitor,
        external_id: "visit-42".into(),
        pacs_id: None,
        email: None,
    })
}

pub fn context(params: serde_json::Value) -> CallContext {
    CallContext { config: "{}".into(), params: params.to_string(), idempotency_key: "key-1".into() }
}

/// Runs the hostile plugin's `attack` with extra parameters.
pub async fn attack(host: &TestHost, grant: &InstallGrant, params: serde_json::Value) -> Result<Outcome, CallError> {
    host.runtime.run_action(grant, &context(params), &someone()).await
}

/// The `detail` of an outcome, parsed.
pub fn detail(outcome: &Outcome) -> serde_json::Value {
    serde_json::from_str(&outcome.detail).expect("detail is JSON")
}

/// A local HTTP server: `/ok` answers 200 "ok", `/echo` returns the
/// request body, `/hang` never answers.
pub async fn http_server() -> SocketAddr {
    use axum::routing::{get, post};
    let app = axum::Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/echo", post(|body: axum::body::Bytes| async move { body }))
        .route("/hang", get(std::future::pending::<&'static str>));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}
