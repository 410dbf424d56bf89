//! A service over the real runtime running the built `versioned` test plugin
//! (1.0.0 and 2.0.0, which report their version and count their runs per
//! idempotency key in `kv`), with the job engine and the HTTP API running:
//! the fixture of the plugin lifecycle tests. It uses the system clock: those
//! tests check the order of real instants.

use chrono::{DateTime, Utc};
use gatehouse::domain::{InstallId, JobId, JobStatus, LocationId, StepStatus, TenantId, TokenAccess, TokenScope};
use gatehouse::gateway::RuntimeGateway;
use gatehouse::jobs::Engine;
use gatehouse::service::{InstallSpec, Service};
use gatehouse::store::Store;
use gatehouse_core::Sealer;
use gatehouse_core::SystemClock;
use gatehouse_runtime::persistence::SqliteState;
use gatehouse_runtime::{Backends, MasterKey, Runtime, RuntimeConfig, Version};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const POLICY: &str = r#"
[visitors.types.Guest]
access_duration_minutes = 240
"#;

/// A test fixture built by `cargo xtask build-plugins` (`plugins/testing/<name>`).
pub fn component(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/components/testing/{name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask build-plugins`", path.display()))
}

pub fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

/// A service whose connectors and plugin catalog are the real runtime, over
/// the database and component files in `dir` (open it again to restart).
pub async fn open_service(dir: &Path) -> Service {
    let state = SqliteState::open(&dir.join("runtime.db")).await.unwrap();
    let key = MasterKey::from_file(&dir.join("master.key")).unwrap();
    let runtime = Runtime::new(RuntimeConfig::new(dir.join("artifacts")), Backends::new(state, &key)).unwrap();
    let gateway = Arc::new(RuntimeGateway::new(runtime).with_component_dir(dir.join("plugins")));
    let store = Store::open(&dir.join("gatehouse.db")).await.unwrap();
    let service =
        Service::new(store, Arc::new(SystemClock), gateway.clone(), Sealer::ephemeral()).with_plugin_catalog(gateway);
    let restored = service.restore_plugins().await.unwrap();
    assert!(restored.failures.is_empty(), "{:?}", restored.failures);
    service
}

pub struct World {
    pub dir: tempfile::TempDir,
    pub service: Service,
    /// The service's database opened a second time, to read back what it recorded.
    pub store: Store,
    pub tenant: TenantId,
    pub base: String,
    /// A read-write token of the tenant, for the intake.
    pub token: String,
    stop: tokio::sync::watch::Sender<bool>,
}

impl World {
    /// Tenant `acme` with installs of `versioned` named `installs`, v1 and v2
    /// uploaded, v1 active; the engine and the intake running.
    pub async fn start(installs: &[&str]) -> World {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("master.key"), MasterKey::generate().to_base64()).unwrap();
        let service = open_service(dir.path()).await;
        for name in ["versioned-v1", "versioned-v2"] {
            service.upload_plugin("test", component(name)).await.unwrap();
        }
        service.activate_plugin("test", "versioned", &v("1.0.0")).await.unwrap();

        let (tenant, location) = (TenantId::new("acme"), LocationId::new("hq"));
        service.put_tenant("test", &tenant, "Acme").await.unwrap();
        service.put_location("test", &tenant, &location, "HQ", "Europe/Paris").await.unwrap();
        for install in installs {
            let spec = InstallSpec {
                id: InstallId::new(*install),
                location_id: location.clone(),
                plugin_id: "versioned".into(),
                config: json!({}),
                grants: json!({}),
                enabled: true,
                card_pools: vec![],
                webhook_secret: None,
            };
            service.put_install("test", &tenant, spec).await.unwrap();
            service.put_policy("test", &tenant, &InstallId::new(*install), POLICY).await.unwrap();
        }

        let engine = Engine::new(service.clone(), super::test_engine_config());
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(engine.run(Duration::from_millis(200), async move {
            stopped.changed().await.ok();
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = gatehouse::api::router(gatehouse::api::ApiState { service: service.clone(), body_limit: 64 * 1024 });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let scope = TokenScope::Tenant(tenant.clone());
        let token = service.create_token("test", scope, TokenAccess::ReadWrite, "hot swap").await.unwrap().secret;
        let store = Store::open(&dir.path().join("gatehouse.db")).await.unwrap();
        World { dir, service, store, tenant, base, token, stop }
    }

    /// Posts a walk-in sign-in of a new visitor; returns its job.
    pub async fn sign_in(&self, install: &str, n: usize) -> JobId {
        let event = json!({ "event_id": format!("e-{install}-{n}"), "install_id": install, "type": "visitor.signed_in",
            "visit": { "id": format!("visit-{install}-{n}"), "visitor_type": "Guest", "invited": false },
            "person": { "first_name": "Ada", "last_name": format!("Visitor {n}"), "email": format!("v{n}@example.com") } });
        let receipt = super::post_event(&self.base, &self.token, event).await;
        receipt.events[0].job.as_ref().expect("a sign-in creates a job").job_id.clone()
    }

    /// Waits until `count` jobs were posted and the `count`th has finished.
    pub async fn wait_for_jobs(&self, posted: &std::sync::Mutex<Vec<JobId>>, count: usize) {
        loop {
            let job = posted.lock().unwrap().get(count - 1).cloned();
            if let Some(job) = job {
                let view = self.service.job_view(&self.tenant, &job).await.unwrap();
                if view.job.status == JobStatus::Done {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits for the jobs to finish; returns each job's steps' outcomes.
    pub async fn finished_steps(&self, jobs: &[JobId]) -> Vec<(JobId, Vec<Step>)> {
        let mut finished = Vec::new();
        for job in jobs {
            for _ in 0..600 {
                let view = self.service.job_view(&self.tenant, job).await.unwrap();
                if view.steps.iter().all(|s| s.status != StepStatus::Pending && s.status != StepStatus::Running) {
                    let steps = view.steps.iter().map(|s| Step::of(s.status, s.attempts, s.outcome.clone())).collect();
                    finished.push((job.clone(), steps));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert_eq!(finished.len(), jobs.len(), "some jobs never finished");
        finished
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop.send(true).ok();
    }
}

/// What the trail says about one step.
#[derive(Debug)]
pub struct Step {
    pub status: StepStatus,
    pub attempts: u32,
    /// The version the host recorded and the one the plugin reported.
    pub recorded_version: String,
    pub reported_version: String,
    /// How many times the plugin saw this step's idempotency key.
    pub runs: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

impl Step {
    fn of(status: StepStatus, attempts: u32, outcome: Option<Value>) -> Step {
        let outcome = outcome.unwrap_or_default();
        let instant = |key: &str| {
            serde_json::from_value(outcome[key].clone()).unwrap_or_else(|e| panic!("{key}: {e}: {outcome}"))
        };
        Step {
            status,
            attempts,
            recorded_version: outcome["plugin_version"].as_str().unwrap_or_default().into(),
            reported_version: outcome["detail"]["version"].as_str().unwrap_or_default().into(),
            runs: outcome["detail"]["runs"].as_u64().unwrap_or_default(),
            started_at: instant("started_at"),
            finished_at: instant("finished_at"),
        }
    }
}
