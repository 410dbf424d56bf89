//! Opening a Gatehouse data directory: the master key, the connector gateway
//! with every plugin in the plugins directory (then the uploaded versions and
//! stored routing), the store and the service over them.
//! Every subcommand starts here, so all see the same data, keys and plugins.

use crate::config::Config;
use crate::gateway::RuntimeGateway;
use crate::service::Service;
use crate::store::Store;
use anyhow::Context;
use gatehouse_core::{MasterKey, MasterKeyError, Sealer, SystemClock};
use std::path::Path;
use std::sync::Arc;

/// The service seals under its own key, derived from the master key.
const SERVICE_SEALER_CONTEXT: &str = "gatehouse/service-sealer/v1";

/// Opens (creating on first use) `config.data_dir` and loads the plugins.
pub async fn open(config: &Config) -> anyhow::Result<Service> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let master_key = master_key(&config.data_dir)?;
    let gateway = Arc::new(RuntimeGateway::open(&config.data_dir, &config.plugins_dir, &master_key).await?);
    let store = Store::open(&config.database_path()).await?;
    let sealer = Sealer::new(&master_key.derive(SERVICE_SEALER_CONTEXT));
    let service = Service::new(store, Arc::new(SystemClock), gateway.clone(), sealer).with_plugin_catalog(gateway);
    // Uploaded versions and the stored routing win over the bundled defaults.
    let restored = service.restore_plugins().await?;
    for failure in &restored.failures {
        tracing::error!(%failure, "uploaded plugin state not restored");
    }
    Ok(service)
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
