//! What the host accepts: our components import nothing but the gatehouse
//! capabilities, and a component built the common way (importing WASI) runs
//! in a deny-all WASI sandbox with its output in the plugin log.

mod support;

use gatehouse_runtime::{LoadError, LogSource};
use serde_json::json;
use support::{attack, component, detail, grant, TestHost};
use wasmtime::component::Component;
use wasmtime::Engine;

fn imports_of(name: &str) -> Vec<String> {
    let engine = Engine::default();
    let component = Component::from_binary(&engine, &component(name)).unwrap();
    let imports = component.component_type().imports(&engine).map(|(name, _)| name.to_owned()).collect();
    imports
}

#[test]
fn our_components_import_only_gatehouse_interfaces() {
    for name in ["example", "hostile"] {
        let imports = imports_of(name);
        assert!(!imports.is_empty(), "{name} imports the gatehouse capabilities");
        for import in &imports {
            assert!(import.starts_with("gatehouse:connector/"), "{name} imports {import}");
        }
    }
}

#[test]
fn the_wasi_fixture_really_imports_wasi() {
    assert!(imports_of("wasi-fixture").iter().any(|import| import.starts_with("wasi:")));
}

#[tokio::test]
async fn a_wasi_component_runs_with_no_files_no_environment_and_its_output_in_the_log() {
    let host = TestHost::new().await;
    let plugin_id = host.load_active("wasi-fixture").await;
    let grant = grant("install-a", &plugin_id);

    let outcome = attack(&host, &grant, json!({"path": "/etc/passwd", "var": "HOME"})).await.unwrap();
    let probe = detail(&outcome);
    assert!(probe["file"]["error"].is_string(), "file access was denied: {probe}");
    assert!(probe["env"]["error"].is_string(), "the environment is empty: {probe}");
    assert_eq!(probe["env_count"], json!(0));

    let lines = host.log.lines();
    let line = |source| lines.iter().find(|line| line.source == source).map(|line| line.message.as_str());
    assert_eq!(line(LogSource::Stdout), Some("wasi-fixture: hello on stdout"));
    assert_eq!(line(LogSource::Stderr), Some("wasi-fixture: hello on stderr"));
    assert!(lines.iter().all(|line| line.scope == grant.scope && line.plugin_id == "wasi-fixture"));
}

#[tokio::test]
async fn bytes_that_are_not_a_component_are_refused() {
    let host = TestHost::new().await;
    let error = host.runtime.load_component(b"\0asm not really".to_vec()).await.unwrap_err();
    assert!(matches!(error, LoadError::Compile(_)), "{error}");
}
