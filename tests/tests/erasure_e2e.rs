//! Erasure end to end: a visitor provisioned through the service, the job engine and the
//! `RuntimeGateway` by the real genetec.wasm and symmetry.wasm components into both running
//! simulators, then erased by e-mail: gone from the Genetec directory, stripped from the
//! Symmetry card, gone from Gatehouse's store, and the outcome recorded per install.

mod symmetry_support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gatehouse::domain::{CardPool, InstallId, LocationId, PersonDetails, SignIn, TenantId, VisitId, VisitorEvent};
use gatehouse::gateway::RuntimeGateway;
use gatehouse::jobs::{Engine, EngineConfig};
use gatehouse::service::{ErasureOutcome, EventSource, IncomingEvent, InstallSpec, PersonSelector, Service, Target};
use gatehouse::store::Store;
use gatehouse_core::ManualClock;
use gatehouse_core::Sealer;
use gatehouse_runtime::persistence::SqliteState;
use gatehouse_runtime::{Backends, EncryptMode, HttpGrant, InstallScope, MasterKey, Runtime, RuntimeConfig};
use gatehouse_sim_genetec::well_known::default_fixture as genetec_fixture;
use gatehouse_sim_genetec::{GenetecSim, RunningSim as GenetecRunning, SimConfig as GenetecConfig};
use serde_json::json;

const TENANT: &str = "acme";
const GENETEC: &str = "hq-genetec";
const SYMMETRY: &str = "hq-symmetry";

const GENETEC_POLICY: &str = r#"
[visitors]
access_duration_minutes = 240
[visitors.types.Visitor]
"#;

const SYMMETRY_POLICY: &str = r#"
[visitors]
access_duration_minutes = 240
[visitors.types.Visitor]
groups = { access_codes = [20] }
card = { facility_code = 100 }
"#;

fn genetec_component() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/components/genetec.wasm")
}

fn genetec_config(sim: &GenetecRunning) -> serde_json::Value {
    json!({
        "web_sdk_url": sim.base_url(),
        "username": genetec_fixture::ENVOY_USER,
        "application_id": genetec_fixture::ENVOY_APP_ID,
        "cards": {"format": "wiegand-standard-26", "facility_code": 101, "min": 5000, "max": 5999},
    })
}

/// Live Genetec visitors carrying `visit` in their Description stamp.
fn genetec_visitors(sim: &GenetecRunning, visit: &str) -> usize {
    let stamp = format!("gatehouse:{visit}");
    sim.state().visitors.into_values().filter(|v| v.header.description == stamp).count()
}

/// The real components in one runtime whose clock is `now`, with each install's secret.
async fn runtime(now: DateTime<Utc>) -> Runtime {
    let backends = Backends::new(SqliteState::in_memory().await.unwrap(), &MasterKey::generate())
        .with_clock(Arc::new(ManualClock::new(now)));
    let runtime =
        Runtime::new(RuntimeConfig::new(std::env::temp_dir().join("gatehouse-erasure-e2e-artifacts")), backends)
            .unwrap();
    for component in [genetec_component(), symmetry_support::component()] {
        let bytes = std::fs::read(&component).expect("the components are built (cargo xtask build-plugins)");
        let loaded = runtime.load_component(bytes).await.unwrap();
        runtime.activate(&loaded.plugin_id, &loaded.version).unwrap();
    }
    let secrets = runtime.secrets();
    secrets.set(&InstallScope::new(TENANT, GENETEC), "password", genetec_fixture::ENVOY_PASSWORD).await.unwrap();
    secrets.set(&InstallScope::new(TENANT, SYMMETRY), "sql-password", symmetry_support::PASSWORD).await.unwrap();
    runtime
}

fn ada(visit: &str, at: DateTime<Utc>) -> VisitorEvent {
    VisitorEvent::VisitorSignedIn(SignIn {
        visit_id: VisitId::new(visit),
        visitor_type: "Visitor".into(),
        person: PersonDetails {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: Some("Ada@Example.com".into()),
            ..Default::default()
        },
        invited: false,
        occurred_at: at,
    })
}

#[tokio::test]
async fn an_erased_visitor_is_gone_from_both_pacs_and_from_gatehouse() {
    let genetec = GenetecSim::start(GenetecConfig::default()).await.unwrap();
    let symmetry = symmetry_support::sim().await;
    let now = genetec.now();
    let dir = tempfile_dir();
    let store = Store::open(&dir.join("gatehouse.db")).await.unwrap();
    let gateway = Arc::new(RuntimeGateway::new(runtime(now).await));
    let service = Service::new(store, Arc::new(ManualClock::new(now)), gateway, Sealer::ephemeral());
    // The same database, read back outside the service's rules.
    let store = Store::open(&dir.join("gatehouse.db")).await.unwrap();
    let engine = Engine::new(service.clone(), EngineConfig::default());

    let (tenant, location) = (TenantId::new(TENANT), LocationId::new("hq"));
    service.put_tenant("test", &tenant, "Acme").await.unwrap();
    service.put_location("test", &tenant, &location, "HQ", "America/New_York").await.unwrap();
    let http = HttpGrant {
        base_urls: vec![genetec.base_url().parse().unwrap()],
        allow_loopback: true,
        ..HttpGrant::default()
    };
    let dsn = |database| {
        serde_json::to_value(symmetry_support::dsn(&symmetry, database, symmetry_support::USER, EncryptMode::Off))
            .unwrap()
    };
    let installs = [
        (GENETEC, "genetec", genetec_config(&genetec), json!({ "http": http }), vec![], GENETEC_POLICY),
        (
            SYMMETRY,
            "symmetry",
            symmetry_support::config(json!({})),
            json!({ "sql": { "multimax": dsn("multiMAX"), "import": dsn("multiMAXImport") } }),
            vec![CardPool { facility_code: 100, format: "4".into(), min: 1000, max: 1099 }],
            SYMMETRY_POLICY,
        ),
    ];
    for (id, plugin, config, grants, card_pools, policy) in installs {
        let spec = InstallSpec {
            id: InstallId::new(id),
            location_id: location.clone(),
            plugin_id: plugin.into(),
            config,
            grants,
            enabled: true,
            card_pools,
            webhook_secret: None,
        };
        service.put_install("test", &tenant, spec).await.unwrap();
        service.put_policy("test", &tenant, &InstallId::new(id), policy).await.unwrap();
    }

    // A walk-in signs in at the location: both installs provision the visitor.
    let (place, targets) = service.resolve_target(&Target::Location(location.clone())).await.unwrap();
    let incoming = IncomingEvent {
        source: EventSource::Gatehouse,
        name: "visitor.signed_in".into(),
        dedup_key: "sign-in-1".into(),
        raw: r#"{"person": {"first_name": "Ada", "email": "Ada@Example.com"}}"#.into(),
        event: Ok(ada("visit-1", now)),
    };
    service.ingest(&place, &targets, incoming).await.unwrap();
    engine.tick().await.unwrap();
    assert_eq!(genetec_visitors(&genetec, "visit-1"), 1, "the visitor is in the Genetec directory");
    let card = symmetry_support::card(&symmetry, 1001).await.expect("the visitor's Symmetry card");
    assert_eq!((card.first_name.as_deref(), card.last_name.as_deref()), (Some("Ada"), Some("Lovelace")));

    let nobody = service.erase_person("operator", &tenant, &PersonSelector::Email("nobody@example.com".into())).await;
    assert!(matches!(nobody, Err(gatehouse::service::ServiceError::NotFound { .. })), "{nobody:?}");
    let requested =
        service.erase_person("operator", &tenant, &PersonSelector::Email("ada@example.com".into())).await.unwrap();
    assert_eq!(requested.targets.len(), 2);
    assert!(
        requested.targets.iter().all(|t| t.outcome == ErasureOutcome::Pending && t.subject == "visit:visit-1"),
        "{requested:?}"
    );
    let person = store.person(&tenant, &InstallId::new(GENETEC), "visit-1").await.unwrap().unwrap();
    assert_eq!(person.details, PersonDetails::default(), "Gatehouse's own copy goes at once");

    engine.tick().await.unwrap();
    let erased = service.erasure(&tenant, &requested.id).await.unwrap();
    let outcomes: Vec<_> = erased.targets.iter().map(|t| (t.install_id.as_str(), t.outcome.clone())).collect();
    assert_eq!(outcomes, [(GENETEC, ErasureOutcome::Done), (SYMMETRY, ErasureOutcome::Done)]);
    assert_eq!(genetec_visitors(&genetec, "visit-1"), 0, "gone from the Genetec directory");
    let card = symmetry_support::card(&symmetry, 1001).await.expect("Symmetry keeps the stripped card");
    assert_eq!((card.first_name.as_deref(), card.last_name.as_deref()), (Some("Visitor"), Some("Erased")));
    assert!(card.inactive);
    assert!(symmetry_support::access_rights(&symmetry, card.card_id).await.is_empty());
    for install in [GENETEC, SYMMETRY] {
        let jobs = service.visit_jobs(&tenant, &InstallId::new(install), &VisitId::new("visit-1")).await.unwrap();
        let event = store.event(&tenant, jobs[0].event_id.as_ref().unwrap()).await.unwrap().unwrap();
        assert!(event.normalised.is_none(), "the stored event no longer names the visitor");
    }
    let audit = store
        .audit_entries(&tenant, &gatehouse::store::AuditFilter { limit: 1000, ..Default::default() })
        .await
        .unwrap();
    let entry = audit.iter().find(|e| e.action == "person.erase").unwrap();
    assert_eq!(entry.detail["jobs"], 2);
    assert!(
        !entry.detail.to_string().to_lowercase().contains("ada"),
        "the audit trail does not name the erased person"
    );
    std::fs::remove_dir_all(&dir).ok();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gatehouse-erasure-e2e-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
