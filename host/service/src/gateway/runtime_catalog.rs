//! The production plugin catalog: versions loaded in `gatehouse-runtime`, and
//! the uploaded bytes kept as `<dir>/<plugin>/<version>.wasm` so a restart can
//! load them again. Files are written to a temporary name, synced and renamed,
//! so a crash never leaves half a component under a real name.

use super::plugins::{InstallKey, PluginCatalog, PluginError, PluginRouting, PluginVersionInfo};
use super::runtime::{kind_from_wit, RuntimeGateway};
use crate::domain::{InstallId, TenantId};
use async_trait::async_trait;
use gatehouse_runtime::{InstallScope, LoadError, LoadedVersion, RegistryError, Routing};
use semver::Version;
use std::io::Write;
use std::path::{Path, PathBuf};

fn info(loaded: &LoadedVersion) -> PluginVersionInfo {
    PluginVersionInfo {
        plugin_id: loaded.plugin_id.clone(),
        version: loaded.version.clone(),
        content_hash: loaded.content_hash.clone(),
        display_name: loaded.manifest.display_name.clone(),
        vendor: loaded.manifest.vendor.clone(),
        actions: loaded.manifest.actions.iter().map(|a| kind_from_wit(a.kind)).collect(),
    }
}

fn from_load_error(error: LoadError) -> PluginError {
    match error {
        LoadError::Compile(message) => PluginError::NotAComponent(message),
        LoadError::UnsupportedImport(import) => PluginError::UnsupportedImport(import),
        LoadError::WorldMismatch(message) => PluginError::WrongWorld(message),
        LoadError::Manifest(error) => PluginError::InvalidManifest(format!("describe.manifest failed: {error}")),
        LoadError::InvalidManifest(message) => PluginError::InvalidManifest(message),
        LoadError::SelfTest { plugin_id, version, message } => {
            PluginError::SelfTestFailed { plugin_id, version, message }
        }
        LoadError::VersionConflict { plugin_id, version } => PluginError::VersionConflict { plugin_id, version },
        LoadError::Cache(error) => PluginError::Unavailable(format!("artifact cache: {error}")),
    }
}

fn from_registry_error(error: RegistryError) -> PluginError {
    match error {
        RegistryError::UnknownPlugin(plugin_id) => PluginError::UnknownPlugin(plugin_id),
        RegistryError::UnknownVersion { plugin_id, version } => PluginError::UnknownVersion { plugin_id, version },
        RegistryError::NoPreviousVersion(plugin_id) => PluginError::NoPreviousVersion(plugin_id),
    }
}

fn scope((tenant, install): &InstallKey) -> InstallScope {
    InstallScope::new(tenant.as_str(), install.as_str())
}

fn to_runtime(routing: &PluginRouting) -> Routing {
    Routing {
        active: routing.active.clone(),
        previous: routing.previous.clone(),
        canaries: routing.canaries.iter().map(|(key, version)| (scope(key), version.clone())).collect(),
    }
}

fn from_runtime(routing: Routing) -> PluginRouting {
    let canaries = routing
        .canaries
        .into_iter()
        .map(|(scope, version)| ((TenantId::new(scope.tenant_id), InstallId::new(scope.install_id)), version))
        .collect();
    PluginRouting { active: routing.active, previous: routing.previous, canaries }
}

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
        let loaded = self.runtime.load_component(component.clone()).await.map_err(from_load_error)?;
        let path = component_path(&dir, &loaded.plugin_id, &loaded.version);
        tokio::task::spawn_blocking(move || write_atomically(&path, &component))
            .await
            .map_err(|e| PluginError::Unavailable(format!("the writer task failed: {e}")))?
            .map_err(|e| PluginError::Unavailable(format!("writing under {}: {e}", dir.display())))?;
        Ok(info(&loaded))
    }

    async fn reload(&self, plugin_id: &str, version: &Version) -> Result<PluginVersionInfo, PluginError> {
        let path = component_path(self.component_dir()?, plugin_id, version);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| PluginError::Unavailable(format!("reading {}: {e}", path.display())))?;
        let loaded = self.runtime.load_component(bytes).await.map_err(from_load_error)?;
        if (loaded.plugin_id.as_str(), &loaded.version) != (plugin_id, version) {
            let found = format!("{}@{}", loaded.plugin_id, loaded.version);
            return Err(PluginError::InvalidManifest(format!("{} holds {found}", path.display())));
        }
        Ok(info(&loaded))
    }

    fn plugin_ids(&self) -> Vec<String> {
        self.runtime.plugin_ids()
    }

    fn versions(&self, plugin_id: &str) -> Vec<PluginVersionInfo> {
        self.runtime.loaded_versions(plugin_id).iter().map(info).collect()
    }

    fn routing(&self, plugin_id: &str) -> Option<PluginRouting> {
        self.runtime.routing(plugin_id).map(from_runtime)
    }

    fn activate(&self, plugin_id: &str, version: &Version) -> Result<(), PluginError> {
        self.runtime.activate(plugin_id, version).map_err(from_registry_error)
    }

    fn rollback(&self, plugin_id: &str) -> Result<Version, PluginError> {
        self.runtime.rollback(plugin_id).map_err(from_registry_error)
    }

    fn set_canary(&self, plugin_id: &str, install: &InstallKey, version: Option<&Version>) -> Result<(), PluginError> {
        self.runtime.set_canary(plugin_id, &scope(install), version).map_err(from_registry_error)
    }

    fn restore(&self, plugin_id: &str, routing: &PluginRouting) -> Result<(), PluginError> {
        self.runtime.restore_routing(plugin_id, &to_runtime(routing)).map_err(from_registry_error)
    }
}
