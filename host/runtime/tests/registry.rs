//! Several versions of a plugin at once: activation, rollback and canaries.

mod support;

use gatehouse_runtime::{Cause, InstallScope, LoadError, RegistryError, Version};
use serde_json::json;
use support::{attack, component, detail, grant, TestHost};

/// Loads versioned 1.0.0 and 2.0.0; neither is active yet.
async fn two_versions() -> TestHost {
    let host = TestHost::new().await;
    for name in ["versioned-v1", "versioned-v2"] {
        host.runtime.load_component(component(name)).await.unwrap();
    }
    host
}

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

async fn version_that_ran(host: &TestHost, install: &str) -> String {
    let outcome = attack(host, &grant(install, "versioned"), json!({})).await.unwrap();
    detail(&outcome)["version"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn loading_reports_the_manifest_and_does_not_activate() {
    let host = TestHost::new().await;
    let loaded = host.runtime.load_component(component("versioned-v1")).await.unwrap();
    assert_eq!((loaded.plugin_id.as_str(), &loaded.version), ("versioned", &v("1.0.0")));
    assert_eq!(loaded.manifest.display_name, "Versioned test plugin");
    assert_eq!(host.runtime.active_version("versioned"), None);

    let error = attack(&host, &grant("i1", "versioned"), json!({})).await.unwrap_err();
    assert_eq!(error.cause, Cause::NoActiveVersion);
}

#[tokio::test]
async fn loading_the_same_component_twice_is_harmless() {
    let host = two_versions().await;
    let again = host.runtime.load_component(component("versioned-v1")).await.unwrap();
    assert_eq!(again.version, v("1.0.0"));
    assert_eq!(host.runtime.versions("versioned"), vec![v("1.0.0"), v("2.0.0")]);
}

#[tokio::test]
async fn new_calls_go_to_the_active_version_and_rollback_restores_the_previous() {
    let host = two_versions().await;
    host.runtime.activate("versioned", &v("1.0.0")).unwrap();
    assert_eq!(version_that_ran(&host, "i1").await, "1.0.0");

    host.runtime.activate("versioned", &v("2.0.0")).unwrap();
    assert_eq!(version_that_ran(&host, "i1").await, "2.0.0");

    assert_eq!(host.runtime.rollback("versioned").unwrap(), v("1.0.0"));
    assert_eq!(host.runtime.active_version("versioned"), Some(v("1.0.0")));
    assert_eq!(version_that_ran(&host, "i1").await, "1.0.0");

    assert_eq!(host.runtime.rollback("versioned"), Err(RegistryError::NoPreviousVersion("versioned".into())));
}

#[tokio::test]
async fn a_canary_install_runs_another_version_than_the_rest() {
    let host = two_versions().await;
    host.runtime.activate("versioned", &v("1.0.0")).unwrap();
    let canary = InstallScope::new("tenant-1", "canary");
    host.runtime.set_canary("versioned", &canary, Some(&v("2.0.0"))).unwrap();
    assert_eq!(version_that_ran(&host, "canary").await, "2.0.0");
    assert_eq!(version_that_ran(&host, "others").await, "1.0.0");

    host.runtime.set_canary("versioned", &canary, None).unwrap();
    assert_eq!(version_that_ran(&host, "canary").await, "1.0.0");
}

#[tokio::test]
async fn unknown_plugins_and_versions_are_refused() {
    let host = two_versions().await;
    assert_eq!(
        host.runtime.activate("versioned", &v("3.0.0")),
        Err(RegistryError::UnknownVersion { plugin_id: "versioned".into(), version: v("3.0.0") })
    );
    assert_eq!(host.runtime.activate("nope", &v("1.0.0")), Err(RegistryError::UnknownPlugin("nope".into())));
}

#[tokio::test]
async fn other_bytes_under_a_loaded_plugin_version_are_refused() {
    let host = two_versions().await;
    // Same plugin id and version, other bytes (an extra custom section): a
    // conflict, never a silent replacement of what is loaded.
    let mut altered = component("versioned-v1");
    altered.extend_from_slice(&[0x00, 0x05, 0x04, b'n', b'o', b't', b'e']);
    let error = host.runtime.load_component(altered).await.unwrap_err();
    assert!(matches!(error, LoadError::VersionConflict { ref plugin_id, .. } if plugin_id == "versioned"), "{error}");
}
