//! The demo (`cargo xtask demo`, the `gatehouse-demo` binary): a whole day at one building, end to
//! end, in one process. It lives outside the product crate, which so depends on no simulator.
//!
//! The demo is the product running for real, minus the real buildings: both
//! vendor simulators, the built Genetec and Symmetry components in the
//! sandboxed runtime, the service on a throw-away database, and the intake on
//! a loopback socket. A scripted day ([`script`]) is posted over HTTP on a
//! manual clock that the service, the components and both simulators share,
//! so timers (early access, window ends) fire exactly when they are due; then
//! each PACS is read back into a [`Summary`].
//!
//! [`Stack`] is the set-up alone; the end-to-end pipeline tests build on it.

mod pacs;
mod script;
mod summary;

pub use script::day_start;
pub use summary::{EmployeeSummary, InstallSummary, Summary, VisitorSummary};

use chrono::{DateTime, Utc};
use gatehouse::domain::{CardPool, InstallId, LocationId, TenantId};
use gatehouse::gateway::RuntimeGateway;
use gatehouse::jobs::BadgePoller;
use gatehouse::jobs::{Engine, EngineConfig};
use gatehouse::service::{IngestReceipt, InstallSpec, Service, ServiceError};
use gatehouse::store::Store;
use gatehouse_core::Sealer;
use gatehouse_core::{Clock, ManualClock};
use gatehouse_runtime::{Backends, EncryptMode, HttpGrant, InstallScope, MasterKey, Runtime, RuntimeConfig, SqlDsn};
use gatehouse_sim_genetec::well_known::default_fixture as genetec_fixture;
use gatehouse_sim_genetec::GenetecSim;
use gatehouse_sim_symmetry::SymmetrySim;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const TENANT: &str = "demo";
pub const LOCATION: &str = "new-york-hq";
pub const TIME_ZONE: chrono_tz::Tz = chrono_tz::America::New_York;
pub const GENETEC_INSTALL: &str = "hq-genetec";
pub const SYMMETRY_INSTALL: &str = "hq-symmetry";
/// The HMAC key of both installs' Envoy webhooks (Envoy's client secret).
pub const WEBHOOK_SECRET: &str = "demo-envoy-client-secret";

/// Symmetry's integration login in the simulator's default fixture.
const SYMMETRY_USER: &str = "gatehouse";
const SYMMETRY_PASSWORD: &str = "Gatehouse-Sim-2024!";

/// Guests join the "Visitors" group, contractors "Contractors"; both get a
/// keypad PIN. No cards: genetec.wasm's `issue-card` allocates from its own
/// range and refuses a host-allocated number, which the policy would pass.
/// Badges at Genetec doors sign employees in (occupancy).
fn genetec_policy() -> String {
    let visitors = gatehouse_sim_genetec::well_known::VISITORS_GROUP;
    let contractors = genetec_fixture::CONTRACTORS_GROUP;
    format!(
        r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240
on_sign_out = "expire"

[visitors.types.Guest]
groups = {{ groups = ["{visitors}"] }}
pin = {{}}

[visitors.types.Contractor]
groups = {{ groups = ["{contractors}"] }}
pin = {{}}

[employees]
mode = "auto-check-in"
"#
    )
}

/// Access code 20 is "Visitor Lobby", 21 "Visitor Meeting Rooms". Employees'
/// cards work only while they are signed in.
const SYMMETRY_POLICY: &str = r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240
on_sign_out = "expire"

[visitors.types.Guest]
groups = { access_codes = [20] }
card = { facility_code = 100 }

[visitors.types.Contractor]
groups = { access_codes = [20, 21] }
card = { facility_code = 100 }
pin = { digits = 6 }

[employees]
mode = "check-in-required"
method = "toggle-status"
access_duration_minutes = 600
"#;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path} is missing; build the connectors first with `cargo xtask build-plugins`")]
    ComponentMissing { path: PathBuf },
    #[error("a simulator did not start: {0}")]
    Simulator(String),
    #[error("the component host did not start: {0}")]
    Runtime(String),
    #[error("the service failed: {0}")]
    Service(#[from] ServiceError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the intake answered {status} to {what}: {body}")]
    Rejected { what: String, status: u16, body: String },
    #[error("posting {what} to the intake: {source}")]
    Http { what: String, source: reqwest::Error },
}

/// The demo's running product: simulators, runtime, service and intake, on one manual clock.
pub struct Stack {
    pub clock: ManualClock,
    pub service: Service,
    /// The service's database, opened a second time: what tests and the summary read back,
    /// outside the service's rules.
    pub store: Store,
    /// The gateway the service calls, for the summary's plugin versions.
    gateway: Arc<RuntimeGateway>,
    pub engine: Engine,
    pub poller: BadgePoller,
    pub genetec: gatehouse_sim_genetec::RunningSim,
    pub symmetry: gatehouse_sim_symmetry::RunningSim,
    pub tenant: TenantId,
    pub location: LocationId,
    /// `http://127.0.0.1:<port>`, the intake.
    pub intake_url: String,
    http: reqwest::Client,
    /// The bearer token the demo posts its native events with (admin: it also plays the operator).
    token: String,
    _data: tempfile::TempDir,
}

impl Stack {
    /// Starts everything with the components `genetec.wasm` and `symmetry.wasm` from `plugins_dir`,
    /// the clock at `start`, and the demo tenant, location, installs and policies in place.
    pub async fn start(plugins_dir: &Path, start: DateTime<Utc>) -> Result<Stack, DemoError> {
        let components = ["genetec.wasm", "symmetry.wasm"].map(|name| plugins_dir.join(name));
        if let Some(path) = components.iter().find(|p| !p.is_file()) {
            return Err(DemoError::ComponentMissing { path: path.clone() });
        }
        let clock = ManualClock::new(start);
        let genetec = GenetecSim::start(gatehouse_sim_genetec::SimConfig::default())
            .await
            .map_err(|e| DemoError::Simulator(e.to_string()))?;
        let symmetry_config = gatehouse_sim_symmetry::SimConfig {
            process_interval: std::time::Duration::from_millis(5),
            time_zone: TIME_ZONE,
            control_addr: None,
            ..Default::default()
        };
        let symmetry = SymmetrySim::start(symmetry_config).await.map_err(|e| DemoError::Simulator(e.to_string()))?;

        let data = tempfile::tempdir()?;
        let runtime = start_runtime(&clock, &data.path().join("artifacts"), &components).await?;
        let tenant = TenantId::new(TENANT);
        let secrets = [
            (GENETEC_INSTALL, "password", genetec_fixture::ENVOY_PASSWORD),
            (SYMMETRY_INSTALL, "sql-password", SYMMETRY_PASSWORD),
        ];
        for (install, name, value) in secrets {
            let scope = InstallScope::new(TENANT, install);
            runtime.secrets().set(&scope, name, value).await.map_err(|e| DemoError::Runtime(e.to_string()))?;
        }
        let db = data.path().join("gatehouse.db");
        let store = Store::open(&db).await.map_err(ServiceError::from)?;
        let gateway = Arc::new(RuntimeGateway::new(runtime));
        let service = Service::new(store, Arc::new(clock.clone()), gateway.clone(), Sealer::ephemeral());
        let store = Store::open(&db).await.map_err(ServiceError::from)?;
        let token = service.bootstrap_admin_token(gatehouse::domain::TokenAccess::ReadWrite, "demo").await?.secret;
        let stack = Stack {
            store,
            gateway,
            engine: Engine::new(service.clone(), EngineConfig::default()),
            poller: BadgePoller::new(service.clone()),
            intake_url: serve_intake(service.clone()).await?,
            clock,
            service,
            genetec,
            symmetry,
            tenant,
            location: LocationId::new(LOCATION),
            http: reqwest::Client::new(),
            token,
            _data: data,
        };
        stack.sync_simulator_clocks();
        stack.set_up_tenant().await?;
        // The first poll sets each badge cursor at "now": older door events are not occupancy.
        stack.poller.poll_all().await?;
        Ok(stack)
    }

    async fn set_up_tenant(&self) -> Result<(), ServiceError> {
        let (service, tenant, actor) = (&self.service, &self.tenant, "demo");
        service.put_tenant(actor, tenant, "Demo Corp").await?;
        service.put_location(actor, tenant, &self.location, "New York HQ", TIME_ZONE.name()).await?;
        service.put_install(actor, tenant, self.genetec_install()).await?;
        service.put_install(actor, tenant, self.symmetry_install()).await?;
        service.put_policy(actor, tenant, &InstallId::new(GENETEC_INSTALL), &genetec_policy()).await?;
        service.put_policy(actor, tenant, &InstallId::new(SYMMETRY_INSTALL), SYMMETRY_POLICY).await?;
        Ok(())
    }

    fn genetec_install(&self) -> InstallSpec {
        let base_url = self.genetec.base_url();
        // The simulator listens on loopback, which a grant must allow explicitly.
        let http = HttpGrant {
            base_urls: vec![base_url.parse().expect("the simulator's URL parses")],
            allow_loopback: true,
            ..Default::default()
        };
        InstallSpec {
            id: InstallId::new(GENETEC_INSTALL),
            location_id: LocationId::new(LOCATION),
            plugin_id: "genetec".into(),
            config: json!({
                "web_sdk_url": base_url,
                "username": genetec_fixture::ENVOY_USER,
                "application_id": genetec_fixture::ENVOY_APP_ID,
                "pin_length": 6,
                "employees": { "method": "auto-checkin" },
            }),
            grants: json!({ "http": http }),
            enabled: true,
            card_pools: Vec::new(),
            webhook_secret: Some(WEBHOOK_SECRET.into()),
        }
    }

    fn symmetry_install(&self) -> InstallSpec {
        let dsn = |database: &str| SqlDsn {
            host: "127.0.0.1".into(),
            port: self.symmetry.tds_addr().port(),
            database: database.into(),
            user: SYMMETRY_USER.into(),
            password_secret: Some("sql-password".into()),
            encrypt: EncryptMode::Off,
            trust_server_cert: true,
        };
        InstallSpec {
            id: InstallId::new(SYMMETRY_INSTALL),
            location_id: LocationId::new(LOCATION),
            plugin_id: "symmetry".into(),
            config: json!({
                "company_id": 2,
                "time_zone": TIME_ZONE.name(),
                "cards": { "min": 1001, "max": 1099, "facility_code": 100, "card_format": 4 },
                "workplace": { "enabled": true, "email_field": 5, "enable_on_sign_in": true, "disable_on_sign_out": true },
                "processing": { "wait_seconds": 5, "poll_interval_ms": 20 },
            }),
            grants: json!({ "sql": { "multimax": dsn("multiMAX"), "import": dsn("multiMAXImport") } }),
            enabled: true,
            // Card 1000 belongs to a visitor of the simulator's fixture.
            card_pools: vec![CardPool { facility_code: 100, format: "4".into(), min: 1001, max: 1099 }],
            webhook_secret: Some(WEBHOOK_SECRET.into()),
        }
    }

    pub(crate) fn gateway(&self) -> &RuntimeGateway {
        &self.gateway
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves time to `to`, stopping at every timer due on the way so each
    /// fires at its own time, then runs everything due at `to`.
    pub async fn advance_to(&self, to: DateTime<Utc>) -> Result<(), ServiceError> {
        loop {
            let store = &self.store;
            let next = [store.next_entry_due_any_tenant().await?, store.next_step_due_any_tenant().await?]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(due) if due > self.now() && due <= to => self.set_time(due),
                _ => break,
            }
            self.settle().await?;
        }
        if to > self.now() {
            self.set_time(to);
        }
        self.settle().await
    }

    fn set_time(&self, to: DateTime<Utc>) {
        self.clock.set(to);
        self.sync_simulator_clocks();
    }

    /// The Genetec simulator runs on real time plus an offset; Symmetry's clock is set outright.
    fn sync_simulator_clocks(&self) {
        let now = self.now();
        self.genetec.advance_clock(now - self.genetec.now());
        self.symmetry.set_time(Some(now));
    }

    /// Runs the job engine until nothing more is due now, and polls badge events once.
    pub async fn settle(&self) -> Result<(), ServiceError> {
        self.engine.tick().await?;
        self.poller.poll_all().await?;
        self.engine.tick().await?;
        Ok(())
    }

    /// Posts one event of our JSON to `/v1/events`. Every native event goes through here.
    pub async fn post_event(&self, event: &serde_json::Value) -> Result<IngestReceipt, DemoError> {
        let what = format!("event {}", event["event_id"]);
        let request = self.http.post(format!("{}/v1/events", self.intake_url)).bearer_auth(&self.token).json(event);
        self.send(request, what).await
    }

    /// Posts an Envoy webhook body to one install, signed as Envoy signs.
    pub async fn post_envoy(&self, install: &str, body: &serde_json::Value) -> Result<IngestReceipt, DemoError> {
        let body = body.to_string();
        let signature = gatehouse::intake::envoy_signature(WEBHOOK_SECRET.as_bytes(), body.as_bytes());
        let request = self
            .http
            .post(format!("{}/v1/installs/{install}/webhooks/envoy", self.intake_url))
            .header(gatehouse::intake::SIGNATURE_HEADER, signature)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        self.send(request, format!("Envoy webhook to {install}")).await
    }

    async fn send(&self, request: reqwest::RequestBuilder, what: String) -> Result<IngestReceipt, DemoError> {
        let response = request.send().await.map_err(|source| DemoError::Http { what: what.clone(), source })?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|source| DemoError::Http { what: what.clone(), source })?;
        if status != 202 {
            return Err(DemoError::Rejected { what, status, body });
        }
        serde_json::from_str(&body).map_err(|e| DemoError::Rejected {
            what,
            status,
            body: format!("unreadable receipt ({e}): {body}"),
        })
    }

    /// Shuts both simulators down.
    pub async fn shutdown(self) {
        self.genetec.shutdown().await;
        self.symmetry.shutdown().await;
    }
}

async fn start_runtime(clock: &ManualClock, artifacts: &Path, components: &[PathBuf]) -> Result<Runtime, DemoError> {
    let runtime_error = |e: &dyn std::fmt::Display| DemoError::Runtime(e.to_string());
    let state = gatehouse_runtime::persistence::SqliteState::in_memory().await.map_err(|e| runtime_error(&e))?;
    let backends = Backends::new(state, &MasterKey::generate()).with_clock(Arc::new(clock.clone()));
    let runtime = Runtime::new(RuntimeConfig::new(artifacts.to_path_buf()), backends).map_err(|e| runtime_error(&e))?;
    for path in components {
        let loaded = runtime.load_component(std::fs::read(path)?).await.map_err(|e| runtime_error(&e))?;
        runtime.activate(&loaded.plugin_id, &loaded.version).map_err(|e| runtime_error(&e))?;
    }
    Ok(runtime)
}

/// Serves the whole API (intake included) on a loopback port.
async fn serve_intake(service: Service) -> Result<String, DemoError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app =
        gatehouse::api::router(gatehouse::api::ApiState { service, body_limit: gatehouse::intake::DEFAULT_BODY_LIMIT });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{address}"))
}

/// Runs the scripted day on a fresh stack and reads the result back.
pub async fn run(plugins_dir: &Path) -> Result<Summary, DemoError> {
    let stack = Stack::start(plugins_dir, day_start()).await?;
    let replayed = script::replay(&stack).await?;
    let summary = summary::read(&stack, replayed).await?;
    stack.shutdown().await;
    Ok(summary)
}
