//! Install secrets through the production gateway: they land in the real
//! runtime's sealed store, scoped to the install, listed by name only.

use gatehouse::domain::{Install, InstallId, LocationId, TenantId};
use gatehouse::gateway::{ConnectorGateway, RuntimeGateway, SecretError};
use gatehouse_runtime::{Backends, MasterKey, Runtime, RuntimeConfig};
use serde_json::json;

fn install(tenant: &str, id: &str) -> Install {
    Install {
        id: InstallId::new(id),
        tenant_id: TenantId::new(tenant),
        location_id: LocationId::new("hq"),
        plugin_id: "genetec".into(),
        config: json!({}),
        grants: json!({}),
        enabled: true,
    }
}

#[tokio::test]
async fn secrets_are_set_rotated_listed_by_name_and_deleted_per_install() {
    let dir = tempfile::tempdir().unwrap();
    let state = gatehouse_runtime::persistence::SqliteState::open(&dir.path().join("runtime.db")).await.unwrap();
    let runtime =
        Runtime::new(RuntimeConfig::new(dir.path().join("artifacts")), Backends::new(state, &MasterKey::generate()))
            .unwrap();
    let gateway = RuntimeGateway::new(runtime);
    let (hq, other) = (install("acme", "hq-genetec"), install("globex", "berlin-genetec"));
    gateway.set_secret(&hq, "password", "first").await.unwrap();
    gateway.set_secret(&hq, "password", "rotated").await.unwrap();
    gateway.set_secret(&other, "api-key", "theirs").await.unwrap();
    assert_eq!(gateway.secret_names(&hq).await.unwrap(), vec!["password".to_string()]);
    assert_eq!(gateway.secret_names(&other).await.unwrap(), vec!["api-key".to_string()]);
    assert_eq!(gateway.set_secret(&hq, "no spaces", "x").await, Err(SecretError::InvalidName("no spaces".into())));
    assert!(gateway.delete_secret(&hq, "password").await.unwrap());
    assert!(!gateway.delete_secret(&hq, "password").await.unwrap());
    assert!(gateway.secret_names(&hq).await.unwrap().is_empty());
    assert_eq!(gateway.secret_names(&other).await.unwrap(), vec!["api-key".to_string()]);
}
