//! Compiled components survive a restart: a second runtime on the same
//! artifact directory loads them without compiling.

mod support;

use gatehouse_runtime::persistence::SqliteState;
use gatehouse_runtime::{Backends, CacheStats, MasterKey, Runtime, RuntimeConfig};
use support::component;

async fn runtime_on(dir: &std::path::Path) -> Runtime {
    let state = SqliteState::in_memory().await.unwrap();
    Runtime::new(RuntimeConfig::new(dir), Backends::new(state, &MasterKey::generate())).unwrap()
}

#[tokio::test]
async fn a_restarted_runtime_loads_compiled_components_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let first = runtime_on(dir.path()).await;
    let loaded = first.load_component(component("hostile")).await.unwrap();
    assert_eq!(first.cache_stats(), CacheStats { compiled: 1, loaded_from_cache: 0 });
    let artifacts: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(artifacts.len(), 1);
    assert!(artifacts[0].to_string_lossy().starts_with(&loaded.content_hash));
    drop(first);

    let restarted = runtime_on(dir.path()).await;
    let reloaded = restarted.load_component(component("hostile")).await.unwrap();
    assert_eq!(restarted.cache_stats(), CacheStats { compiled: 0, loaded_from_cache: 1 });
    assert_eq!(reloaded, loaded);
}

#[tokio::test]
async fn a_damaged_artifact_is_recompiled() {
    let dir = tempfile::tempdir().unwrap();
    let first = runtime_on(dir.path()).await;
    first.load_component(component("hostile")).await.unwrap();
    drop(first);
    for artifact in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::write(artifact.unwrap().path(), b"garbage").unwrap();
    }

    let restarted = runtime_on(dir.path()).await;
    restarted.load_component(component("hostile")).await.unwrap();
    assert_eq!(restarted.cache_stats(), CacheStats { compiled: 1, loaded_from_cache: 0 });
}
