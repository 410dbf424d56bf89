//! Shared test fixtures: a service on a temporary database with a manual
//! clock, a fault-injecting connector gateway standing in for the runtime,
//! and the intake served on a real loopback socket.
#![allow(dead_code)]

pub mod api;
pub mod fake_pacs;
pub mod plugin_host;
pub mod smtp_sink;

use chrono::{DateTime, TimeZone, Utc};
use gatehouse::domain::{CardPool, InstallId, LocationId, TenantId};
use gatehouse::service::{InstallSpec, Service};
use gatehouse::store::Store;
use gatehouse_core::ManualClock;
use gatehouse_core::Sealer;
use std::sync::Arc;

pub use fake_pacs::FakePacs;

pub const WEBHOOK_SECRET: &str = "envoy-client-secret";

pub const POLICY: &str = r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240
on_sign_out = "expire"

[visitors.types.Guest]
groups = { groups = ["visitors-lobby"] }
card = { facility_code = 100 }
qr_email = true

[visitors.types.Contractor]
groups = { groups = ["contractors"] }
pin = { length = 6 }

[employees]
mode = "check-in-required"
method = "toggle-groups"
groups = { groups = ["staff"] }
access_duration_minutes = 600
excluded = ["ceo@example.com"]
"#;

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub service: Service,
    /// The database the service writes, for tests to inspect.
    pub store: Store,
    pub clock: ManualClock,
    pub pacs: Arc<FakePacs>,
    pub sealer: Sealer,
    pub tenant: TenantId,
    pub install: InstallId,
    pub location: LocationId,
    /// A read-write token of the tenant, for the intake and the API.
    pub token: String,
}

/// 2025-03-03 08:00 UTC (09:00 in Paris), a Monday.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 8, 0, 0).unwrap()
}

impl Harness {
    /// A tenant with one location in Paris and one install with `POLICY`.
    pub async fn new() -> Self {
        Self::with_policy(POLICY).await
    }

    pub async fn with_policy(policy: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(monday_morning());
        let pacs = Arc::new(FakePacs::default());
        let sealer = Sealer::ephemeral();
        let service = Self::open(&dir, &clock, &pacs, &sealer).await;
        let store = Store::open(&dir.path().join("gatehouse.db")).await.unwrap();
        let tenant = TenantId::new("acme");
        let location = LocationId::new("paris-hq");
        let install = InstallId::new("paris-pacs");
        service.put_tenant("test", &tenant, "Acme").await.unwrap();
        service.put_location("test", &tenant, &location, "Paris HQ", "Europe/Paris").await.unwrap();
        let spec = InstallSpec {
            id: install.clone(),
            location_id: location.clone(),
            plugin_id: "fake".into(),
            config: serde_json::json!({}),
            grants: serde_json::json!({}),
            enabled: true,
            card_pools: vec![CardPool {
                facility_code: 100,
                format: "wiegand-standard-26".into(),
                min: 5000,
                max: 5009,
            }],
            webhook_secret: Some(WEBHOOK_SECRET.into()),
        };
        service.put_install("test", &tenant, spec).await.unwrap();
        if !policy.is_empty() {
            service.put_policy("test", &tenant, &install, policy).await.unwrap();
        }
        let access = gatehouse::domain::TokenAccess::ReadWrite;
        let scope = gatehouse::domain::TokenScope::Tenant(tenant.clone());
        let token = service.create_token("test", scope, access, "harness").await.unwrap().secret;
        Harness { dir, service, store, clock, pacs, sealer, tenant, install, location, token }
    }

    /// A service over the same database, as after a restart.
    pub async fn open(dir: &tempfile::TempDir, clock: &ManualClock, pacs: &Arc<FakePacs>, sealer: &Sealer) -> Service {
        let store = Store::open(&dir.path().join("gatehouse.db")).await.unwrap();
        Service::new(store, Arc::new(clock.clone()), pacs.clone(), sealer.clone())
    }

    /// Serves the API and the intake on a loopback port; returns its base URL.
    pub async fn serve(&self, body_limit: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = gatehouse::api::router(gatehouse::api::ApiState { service: self.service.clone(), body_limit });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }
}

/// base64(HMAC-SHA256(body, secret)), as Envoy signs.
pub fn envoy_signature(secret: &str, body: &[u8]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Posts one event of our JSON to the intake and returns the receipt.
pub async fn post_event(base: &str, token: &str, event: serde_json::Value) -> gatehouse::service::IngestReceipt {
    let response =
        reqwest::Client::new().post(format!("{base}/v1/events")).bearer_auth(token).json(&event).send().await.unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 202, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// An invite in our JSON for the test install.
pub fn invite(event_id: &str, visit: &str, visitor_type: &str, arrival: &str) -> serde_json::Value {
    serde_json::json!({ "event_id": event_id, "install_id": "paris-pacs", "type": "visit.invited",
        "visit": { "id": visit, "visitor_type": visitor_type, "expected_arrival": arrival },
        "person": { "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" } })
}

pub fn visit_event(event_id: &str, kind: &str, visit: &str) -> serde_json::Value {
    serde_json::json!({ "event_id": event_id, "install_id": "paris-pacs", "type": kind, "visit": { "id": visit } })
}

pub fn sign_in(event_id: &str, visit: &str, visitor_type: &str, invited: bool) -> serde_json::Value {
    serde_json::json!({ "event_id": event_id, "install_id": "paris-pacs", "type": "visitor.signed_in",
        "visit": { "id": visit, "visitor_type": visitor_type, "invited": invited },
        "person": { "first_name": "Alan", "last_name": "Turing", "email": "alan@example.com" } })
}

pub fn employee(event_id: &str, kind: &str, email: &str) -> serde_json::Value {
    serde_json::json!({ "event_id": event_id, "install_id": "paris-pacs", "type": kind, "employee": { "email": email } })
}

impl Harness {
    /// A job engine over the harness's service: 3 attempts, breaker at 3 failures.
    pub fn engine(&self) -> gatehouse::jobs::Engine {
        gatehouse::jobs::Engine::new(self.service.clone(), test_engine_config())
    }

    /// The job statuses of a visit, oldest first, as `status` or `status: reason`.
    pub async fn visit_job_statuses(&self, visit: &str) -> Vec<String> {
        let jobs = self
            .service
            .visit_jobs(&self.tenant, &self.install, &gatehouse::domain::VisitId::new(visit))
            .await
            .unwrap();
        jobs.iter()
            .map(|j| match j.status.reason() {
                Some(reason) => format!("{}: {reason}", j.status.name()),
                None => j.status.name().to_string(),
            })
            .collect()
    }
}

pub fn test_engine_config() -> gatehouse::jobs::EngineConfig {
    gatehouse::jobs::EngineConfig {
        retry: gatehouse::jobs::RetryPolicy {
            max_attempts: 3,
            base_delay: chrono::Duration::seconds(10),
            max_delay: chrono::Duration::minutes(5),
        },
        breaker: gatehouse::jobs::BreakerPolicy { failure_threshold: 3, cool_down: chrono::Duration::minutes(1) },
        batch: 16,
    }
}

impl Harness {
    pub fn clock_now(&self) -> DateTime<Utc> {
        use gatehouse_core::Clock;
        self.clock.now()
    }
}
