//! Opening a Gatehouse data directory: the master key, the component
//! runtime with every plugin in the plugins directory (then the uploaded
//! versions and stored routing), the store and the service over them.
//! Every subcommand starts here, so all see the same data, keys and plugins.

use crate::config::Config;
use crate::gateway::RuntimeGateway;
use crate::seal::Sealer;
use crate::service::Service;
use crate::store::Store;
use anyhow::Context;
use gatehouse_runtime::{Backends, MasterKey, MasterKeyError, Runtime, RuntimeConfig};
use std::path::Path;
use std::sync::Arc;

/// The opened data directory.
pub struct Opened {
    pub runtime: Runtime,
    pub service: Service,
}

/// Opens (creating on first use) `config.data_dir` and loads the plugins.
pub async fn open(config: &Config) -> anyhow::Result<Opened> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let master_key = master_key(&config.data_dir)?;
    let runtime_state = gatehouse_runtime::persistence::SqliteState::open(&config.data_dir.join("runtime.db")).await?;
    let runtime =
        Runtime::new(RuntimeConfig::new(config.data_dir.join("artifacts")), Backends::new(runtime_state, &master_key))?;
    load_plugins(&runtime, &config.plugins_dir).await;

    let store = Store::open(&config.database_path()).await?;
    let sealer = Sealer::derive(master_key.to_base64().as_bytes());
    // Uploaded versions and the stored routing win over the bundled defaults.
    let gateway = Arc::new(RuntimeGateway::new(runtime.clone()).with_component_dir(config.data_dir.join("plugins")));
    let service =
        Service::new(store, Arc::new(crate::clock::SystemClock), gateway.clone(), sealer).with_plugin_catalog(gateway);
    let restored = service.restore_plugins().await?;
    for failure in &restored.failures {
        tracing::error!(%failure, "uploaded plugin state not restored");
    }
    Ok(Opened { runtime, service })
}

/// `GATEHOUSE_MASTER_KEY(_FILE)`, else `<data_dir>/master.key`, created on first start.
fn master_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    match MasterKey::from_env() {
        Ok(key) => return Ok(key),
        Err(MasterKeyError::Missing) => {}
        Err(e) => return Err(e).context("reading the master key from the environment"),
    }
    let path = data_dir.join("master.key");
    if path.exists() {
        return MasterKey::from_file(&path).with_context(|| format!("reading {}", path.display()));
    }
    let key = MasterKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, key.to_base64().as_bytes())?;
    tracing::warn!(path = %path.display(), "created a new master key; back it up, sealed data is lost without it");
    Ok(key)
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
