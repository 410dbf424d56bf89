//! The production plugin catalog: versions loaded in `gatehouse-runtime`, and
//! the uploaded bytes kept as `<dir>/<plugin>/<version>.wasm` so a restart can
//! load them again. Files are written to a temporary name, synced and renamed,
//! so a crash never leaves half a component under a real name.

use super::convert;
use super::plugins::{InstallKey, PluginCatalog, PluginError, PluginRouting, PluginVersionInfo};
use super::runtime::RuntimeGateway;
use async_trait::async_trait;
use semver::Version;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a version's bytes are kept. Plugin ids are `[a-z0-9-]` and versions
/// are semver (the runtime checks both), so neither can leave `dir`.
fn component_path(dir: &Path, plugin_id: &str, version: &Version) -> PathBuf {
    dir.join(plugin_id).join(format!("{version}.wasm"))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("a component path has a plugin folder");
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

impl RuntimeGateway {
    fn component_dir(&self) -> Result<&Path, PluginError> {
        self.component_dir
            .as_deref()
            .ok_or_else(|| PluginError::NotManaged("no directory is configured to keep uploaded components".into()))
    }
}

#[async_trait]
impl PluginCatalog for RuntimeGateway {
    async fn upload(&self, component: Vec<u8>) -> Result<PluginVersionInfo, PluginError> {
        let dir = self.component_dir()?.to_owned();
        let loaded = self.runtime.load_component(component.clone()).await.map_err(convert::from_load_error)?;
        let path = component_path(&dir, &loaded.plugin_id, &loaded.version);
        tokio::task::spawn_blocking(move || write_atomically(&path, &component))
            .await
            .map_err(|e| PluginError::Unavailable(format!("the writer task failed: {e}")))?
            .map_err(|e| PluginError::Unavailable(format!("writing under {}: {e}", dir.display())))?;
        Ok(convert::info(&loaded))
    }

    async fn reload(&self, plugin_id: &str, version: &Version) -> Result<PluginVersionInfo, PluginError> {
        let path = component_path(self.component_dir()?, plugin_id, version);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| PluginError::Unavailable(format!("reading {}: {e}", path.display())))?;
        let loaded = self.runtime.load_component(bytes).await.map_err(convert::from_load_error)?;
        if (loaded.plugin_id.as_str(), &loaded.version) != (plugin_id, version) {
            let found = format!("{}@{}", loaded.plugin_id, loaded.version);
            return Err(PluginError::InvalidManifest(format!("{} holds {found}", path.display())));
        }
        Ok(convert::info(&loaded))
    }

    fn plugin_ids(&self) -> Vec<String> {
        self.runtime.plugin_ids()
    }

    fn versions(&self, plugin_id: &str) -> Vec<PluginVersionInfo> {
        self.runtime.loaded_versions(plugin_id).iter().map(convert::info).collect()
    }

    fn routing(&self, plugin_id: &str) -> Option<PluginRouting> {
        self.runtime.routing(plugin_id).map(convert::from_runtime)
    }

    fn activate(&self, plugin_id: &str, version: &Version) -> Result<(), PluginError> {
        self.runtime.activate(plugin_id, version).map_err(convert::from_registry_error)
    }

    fn rollback(&self, plugin_id: &str) -> Result<Version, PluginError> {
        self.runtime.rollback(plugin_id).map_err(convert::from_registry_error)
    }

    fn set_canary(&self, plugin_id: &str, install: &InstallKey, version: Option<&Version>) -> Result<(), PluginError> {
        self.runtime.set_canary(plugin_id, &convert::key_scope(install), version).map_err(convert::from_registry_error)
    }

    fn restore(&self, plugin_id: &str, routing: &PluginRouting) -> Result<(), PluginError> {
        self.runtime.restore_routing(plugin_id, &convert::to_runtime(routing)).map_err(convert::from_registry_error)
    }
}
