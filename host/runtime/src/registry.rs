//! Which versions of which plugins are loaded, and which one serves a call.
//!
//! Several versions of a plugin stay loaded at once. A call resolves its
//! version once, at its start, and holds an `Arc` to it until it ends, so
//! switching the active version (or rolling back) never disturbs calls in
//! flight: they finish on the version they started on. A canary pins one
//! install to another version than the active one.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use semver::Version;

use crate::contract::bindings::ConnectorPre;
use crate::contract::Manifest;
use crate::errors::RegistryError;
use crate::grant::InstallScope;
use crate::state::HostState;

/// One loaded (plugin, version): its manifest and its pre-linked component.
pub(crate) struct PluginVersion {
    pub(crate) plugin_id: String,
    pub(crate) version: Version,
    pub(crate) manifest: Manifest,
    pub(crate) content_hash: String,
    pub(crate) pre: ConnectorPre<HostState>,
}

#[derive(Default)]
struct PluginEntry {
    versions: BTreeMap<Version, Arc<PluginVersion>>,
    active: Option<Version>,
    /// Versions that were active before, most recent last, for rollback.
    previous: Vec<Version>,
    canaries: HashMap<InstallScope, Version>,
}

/// Which version serves which calls of one plugin: the part of the registry
/// an operator changes, and that a service persists and restores on start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routing {
    pub active: Option<Version>,
    /// Versions that were active before, most recent last: where rollback goes.
    pub previous: Vec<Version>,
    /// Installs pinned to another version than the active one.
    pub canaries: BTreeMap<InstallScope, Version>,
}

/// The outcome of adding a version to the registry.
pub(crate) enum Added {
    New(Arc<PluginVersion>),
    /// The same bytes were loaded before.
    AlreadyLoaded(Arc<PluginVersion>),
    /// Other bytes are loaded under the same plugin id and version.
    Conflict,
}

#[derive(Default)]
pub(crate) struct Registry {
    plugins: RwLock<HashMap<String, PluginEntry>>,
}

impl Registry {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, PluginEntry>> {
        self.plugins.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, PluginEntry>> {
        self.plugins.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn add(&self, loaded: PluginVersion) -> Added {
        let mut plugins = self.write();
        let entry = plugins.entry(loaded.plugin_id.clone()).or_default();
        if let Some(existing) = entry.versions.get(&loaded.version) {
            return if existing.content_hash == loaded.content_hash {
                Added::AlreadyLoaded(existing.clone())
            } else {
                Added::Conflict
            };
        }
        let loaded = Arc::new(loaded);
        entry.versions.insert(loaded.version.clone(), loaded.clone());
        Added::New(loaded)
    }

    /// The version that serves `scope`: its canary if it has one, else the
    /// plugin's active version.
    pub(crate) fn resolve(&self, plugin_id: &str, scope: &InstallScope) -> Option<Arc<PluginVersion>> {
        let plugins = self.read();
        let entry = plugins.get(plugin_id)?;
        let version = entry.canaries.get(scope).or(entry.active.as_ref())?;
        entry.versions.get(version).cloned()
    }

    pub(crate) fn activate(&self, plugin_id: &str, version: &Version) -> Result<(), RegistryError> {
        let mut plugins = self.write();
        let entry = known_version(&mut plugins, plugin_id, version)?;
        if let Some(current) = entry.active.replace(version.clone()) {
            if &current != version {
                entry.previous.push(current);
            }
        }
        Ok(())
    }

    /// Makes the previously active version active again and returns it.
    pub(crate) fn rollback(&self, plugin_id: &str) -> Result<Version, RegistryError> {
        let mut plugins = self.write();
        let entry = plugins.get_mut(plugin_id).ok_or_else(|| RegistryError::UnknownPlugin(plugin_id.into()))?;
        let previous = entry.previous.pop().ok_or_else(|| RegistryError::NoPreviousVersion(plugin_id.into()))?;
        entry.active = Some(previous.clone());
        Ok(previous)
    }

    pub(crate) fn active_version(&self, plugin_id: &str) -> Option<Version> {
        self.read().get(plugin_id)?.active.clone()
    }

    pub(crate) fn versions(&self, plugin_id: &str) -> Vec<Version> {
        self.read().get(plugin_id).map(|entry| entry.versions.keys().cloned().collect()).unwrap_or_default()
    }

    /// Every plugin with a loaded version, by id.
    pub(crate) fn plugin_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.read().keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Every loaded version of the plugin, oldest first.
    pub(crate) fn loaded(&self, plugin_id: &str) -> Vec<Arc<PluginVersion>> {
        self.read().get(plugin_id).map(|entry| entry.versions.values().cloned().collect()).unwrap_or_default()
    }

    pub(crate) fn routing(&self, plugin_id: &str) -> Option<Routing> {
        let plugins = self.read();
        let entry = plugins.get(plugin_id)?;
        let canaries = entry.canaries.iter().map(|(scope, version)| (scope.clone(), version.clone())).collect();
        Some(Routing { active: entry.active.clone(), previous: entry.previous.clone(), canaries })
    }

    /// Replaces the plugin's routing as a whole, after checking that every
    /// version it names is loaded; on error nothing changes.
    pub(crate) fn restore(&self, plugin_id: &str, routing: &Routing) -> Result<(), RegistryError> {
        let mut plugins = self.write();
        let entry = plugins.get_mut(plugin_id).ok_or_else(|| RegistryError::UnknownPlugin(plugin_id.into()))?;
        let named = routing.active.iter().chain(&routing.previous).chain(routing.canaries.values());
        if let Some(missing) = named.into_iter().find(|version| !entry.versions.contains_key(*version)) {
            return Err(RegistryError::UnknownVersion { plugin_id: plugin_id.into(), version: missing.clone() });
        }
        entry.active = routing.active.clone();
        entry.previous = routing.previous.clone();
        entry.canaries = routing.canaries.iter().map(|(scope, version)| (scope.clone(), version.clone())).collect();
        Ok(())
    }

    pub(crate) fn manifest(&self, plugin_id: &str, version: &Version) -> Option<Manifest> {
        Some(self.read().get(plugin_id)?.versions.get(version)?.manifest.clone())
    }

    pub(crate) fn set_canary(
        &self,
        plugin_id: &str,
        scope: &InstallScope,
        version: Option<&Version>,
    ) -> Result<(), RegistryError> {
        let mut plugins = self.write();
        match version {
            Some(version) => {
                let entry = known_version(&mut plugins, plugin_id, version)?;
                entry.canaries.insert(scope.clone(), version.clone());
            }
            None => {
                let entry = plugins.get_mut(plugin_id).ok_or_else(|| RegistryError::UnknownPlugin(plugin_id.into()))?;
                entry.canaries.remove(scope);
            }
        }
        Ok(())
    }
}

fn known_version<'a>(
    plugins: &'a mut HashMap<String, PluginEntry>,
    plugin_id: &str,
    version: &Version,
) -> Result<&'a mut PluginEntry, RegistryError> {
    let entry = plugins.get_mut(plugin_id).ok_or_else(|| RegistryError::UnknownPlugin(plugin_id.into()))?;
    if !entry.versions.contains_key(version) {
        return Err(RegistryError::UnknownVersion { plugin_id: plugin_id.into(), version: version.clone() });
    }
    Ok(entry)
}
