//! The Symmetry seed items the other `symmetry_*` suites left without a test
//! (`seed-features.md`, section B; the coverage table is in `seed_coverage.rs`): the built
//! `symmetry.wasm` in the host against running TDS simulators.

mod symmetry_support;

use std::time::Duration;

use gatehouse_runtime::EncryptMode;
use gatehouse_sdk_harness::contract::{Action, ErrorKind};
use gatehouse_sdk_harness::Harness;
use gatehouse_sim_symmetry::{RunningSim, SimConfig, SymmetrySim};
use serde_json::json;
use symmetry_support::*;

/// Connections the simulator has accepted, whatever their transport.
fn connections(sim: &RunningSim) -> u64 {
    let counts = sim.dump()["connections"].clone();
    counts.as_object().expect("the dump counts connections").values().map(|n| n.as_u64().unwrap()).sum()
}

#[tokio::test]
async fn b55_the_component_reaches_only_the_database_addresses_the_install_maps() {
    let mapped = sim().await;
    let elsewhere = sim().await;
    let connector = connector(&mapped, config(json!({}))).await;

    let checks = connector.validate().await.unwrap();
    connector.run(Action::UpsertPerson(person("visit-55", "Ada", "Lovelace")), json!({})).await.unwrap();

    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
    assert!(connections(&mapped) > 0);
    assert_eq!(connections(&elsewhere), 0, "no other SQL Server is ever contacted");
}

#[tokio::test]
async fn b55_a_database_label_the_install_did_not_map_is_refused_by_the_host_without_a_connection() {
    let sim = sim().await;
    let only_multimax = Harness::load(component())
        .expect("the symmetry component is built (cargo xtask build-plugins)")
        .sql("multimax", dsn(&sim, "multiMAX", USER, EncryptMode::Off))
        .secret("sql-password", PASSWORD)
        .config(config(json!({})))
        .at(start_time())
        .start()
        .await
        .expect("the component starts in the host");
    let before = connections(&sim);

    let checks = only_multimax.validate().await.unwrap();

    let import = checks.iter().find(|c| c.name == "import database").unwrap();
    assert!(!import.ok && import.detail.contains("map the label"), "{import:?}");
    assert_eq!(connections(&sim) - before, 1, "only the mapped multiMAX label connected");
}

/// A Symmetry site whose licence lacks Data Connect: it has no multiMAXImport database.
async fn sim_without_data_connect() -> RunningSim {
    let config = SimConfig {
        data_connect: false,
        process_interval: Duration::from_millis(5),
        time_zone: ZONE,
        ..SimConfig::default()
    };
    SymmetrySim::start(config).await.expect("the simulator starts")
}

#[tokio::test]
async fn b56_without_the_data_connect_licence_validation_says_so_and_nothing_is_written() {
    let sim = sim_without_data_connect().await;
    let connector = connector(&sim, config(json!({}))).await;
    let cards = card_count(&sim).await;

    let checks = connector.validate().await.unwrap();
    let (kind, message) =
        error_kind(connector.run(Action::UpsertPerson(person("visit-56", "Ada", "Lovelace")), json!({})).await);

    let import = checks.iter().find(|c| c.name == "import database").unwrap();
    assert!(
        !import.ok && import.detail.contains("Data Connect") && import.detail.contains("Dataconnect licence"),
        "{import:?}"
    );
    assert_eq!(kind, ErrorKind::Config, "never retried: {message}");
    assert_eq!(card_count(&sim).await, cards);
}
