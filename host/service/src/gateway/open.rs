//! Opening the component runtime of a data directory: its own database of
//! plugin state and sealed secrets, the artifact cache, and every bundled
//! component of the plugins directory, activated in name order.

use super::RuntimeGateway;
use anyhow::Context;
use gatehouse_core::MasterKey;
use gatehouse_runtime::persistence::SqliteState;
use gatehouse_runtime::{Backends, Runtime, RuntimeConfig};
use std::path::Path;

impl RuntimeGateway {
    /// The runtime over `<data_dir>/runtime.db` and `<data_dir>/artifacts`, with
    /// the components of `plugins_dir` loaded and uploads kept in `<data_dir>/plugins`.
    pub async fn open(data_dir: &Path, plugins_dir: &Path, master_key: &MasterKey) -> anyhow::Result<Self> {
        let state = SqliteState::open(&data_dir.join("runtime.db"))
            .await
            .with_context(|| format!("opening {}", data_dir.join("runtime.db").display()))?;
        let runtime = Runtime::new(RuntimeConfig::new(data_dir.join("artifacts")), Backends::new(state, master_key))?;
        load_plugins(&runtime, plugins_dir).await;
        Ok(RuntimeGateway::new(runtime).with_component_dir(data_dir.join("plugins")))
    }
}

/// Secret names: 1-64 of a-z, A-Z, 0-9, `-`, `_` and `.` (the runtime's rule).
pub fn is_valid_secret_name(name: &str) -> bool {
    gatehouse_runtime::is_valid_secret_name(name)
}

/// Loads and activates every component directly in `dir` (not below it:
/// xtask puts test fixtures in `testing/`); a bad one is logged and skipped.
async fn load_plugins(runtime: &Runtime, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "no plugins directory; run `cargo xtask build-plugins`");
        return;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    // In name order, so a restart activates the same components in the same order.
    paths.sort();
    for path in paths {
        let loaded = match std::fs::read(&path) {
            Ok(bytes) => runtime.load_component(bytes).await.map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match loaded.and_then(|v| runtime.activate(&v.plugin_id, &v.version).map(|()| v).map_err(Into::into)) {
            Ok(v) => tracing::info!(plugin = %v.plugin_id, version = %v.version, "plugin active"),
            Err(e) => tracing::error!(path = %path.display(), error = %e, "plugin not loaded"),
        }
    }
}
