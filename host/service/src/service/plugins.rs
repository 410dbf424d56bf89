//! Plugin lifecycle: upload a component as a new version, list versions,
//! activate, roll back, and pin one install to another version (a canary).
//!
//! The [`PluginCatalog`] validates components and switches versions in the
//! runtime; this layer makes each change durable and audited. A routing change
//! is applied while the store's write transaction is held (so changes are
//! serialised), then persisted with its audit entry in that transaction; if
//! the commit fails the runtime is put back as it was. Plugins are global, so
//! their audit entries live under the reserved `_system` tenant.

use super::{Service, ServiceError};
use crate::domain::{system_tenant, ActionKind, InstallId, TenantId};
use crate::gateway::{InstallKey, PluginCatalog, PluginError, PluginRouting, PluginVersionInfo};
use crate::store::UploadedPluginVersion;
use semver::Version;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;

/// A plugin: its loaded versions and which of them serves whom.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PluginView {
    pub plugin_id: String,
    #[serde(flatten)]
    pub routing: RoutingView,
    pub versions: Vec<PluginVersionView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RoutingView {
    #[schema(value_type = Option<String>)]
    pub active: Option<Version>,
    /// Where rollback goes, most recent last.
    #[schema(value_type = Vec<String>)]
    pub previous: Vec<Version>,
    pub canaries: Vec<CanaryView>,
}

/// One install pinned to a version other than the active one.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CanaryView {
    pub tenant_id: TenantId,
    pub install_id: InstallId,
    #[schema(value_type = String)]
    pub version: Version,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PluginVersionView {
    #[schema(value_type = String)]
    pub version: Version,
    pub content_hash: String,
    pub display_name: String,
    pub vendor: String,
    #[schema(value_type = Vec<String>)]
    pub actions: Vec<ActionKind>,
    /// Whether new calls of installs without a canary go to this version.
    pub active: bool,
}

/// What [`Service::restore_plugins`] could not put back, each in words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PluginRestore {
    pub reloaded: usize,
    pub failures: Vec<String>,
}

impl RoutingView {
    fn of(routing: &PluginRouting) -> Self {
        let canaries = routing
            .canaries
            .iter()
            .map(|((tenant_id, install_id), version)| CanaryView {
                tenant_id: tenant_id.clone(),
                install_id: install_id.clone(),
                version: version.clone(),
            })
            .collect();
        Self { active: routing.active.clone(), previous: routing.previous.clone(), canaries }
    }
}

fn version_view(info: &PluginVersionInfo, routing: &PluginRouting) -> PluginVersionView {
    PluginVersionView {
        version: info.version.clone(),
        content_hash: info.content_hash.clone(),
        display_name: info.display_name.clone(),
        vendor: info.vendor.clone(),
        actions: info.actions.clone(),
        active: routing.active.as_ref() == Some(&info.version),
    }
}

impl Service {
    /// Lets the service manage plugins through `catalog`.
    pub fn with_plugin_catalog(mut self, catalog: Arc<dyn PluginCatalog>) -> Self {
        self.plugins = Some(catalog);
        self
    }

    pub fn plugin_catalog(&self) -> Result<&Arc<dyn PluginCatalog>, ServiceError> {
        self.plugins.as_ref().ok_or_else(|| PluginError::NotManaged("no plugin catalog is configured".into()).into())
    }

    /// Validates and keeps a component as a new (inactive) version.
    pub async fn upload_plugin(&self, actor: &str, component: Vec<u8>) -> Result<PluginVersionView, ServiceError> {
        let catalog = self.plugin_catalog()?;
        let bytes = component.len();
        let info = catalog.upload(component).await?;
        let uploaded = UploadedPluginVersion {
            plugin_id: info.plugin_id.clone(),
            version: info.version.clone(),
            content_hash: info.content_hash.clone(),
            uploaded_at: self.clock.now(),
        };
        let mut tx = self.store.begin().await?;
        if tx.insert_plugin_version(&uploaded).await? {
            let detail = json!({ "content_hash": info.content_hash, "bytes": bytes });
            let subject = format!("plugin:{}@{}", info.plugin_id, info.version);
            self.audit(&mut tx, &system_tenant(), actor, "plugin.uploaded", subject, detail).await?;
        }
        tx.commit().await?;
        Ok(version_view(&info, &catalog.routing(&info.plugin_id).unwrap_or_default()))
    }

    /// Every loaded plugin, by id.
    pub fn plugins(&self) -> Result<Vec<PluginView>, ServiceError> {
        let catalog = self.plugin_catalog()?;
        catalog.plugin_ids().iter().map(|id| self.plugin(id)).collect()
    }

    pub fn plugin(&self, plugin_id: &str) -> Result<PluginView, ServiceError> {
        let catalog = self.plugin_catalog()?;
        let routing = catalog.routing(plugin_id).ok_or_else(|| ServiceError::not_found("plugin", plugin_id))?;
        let versions = catalog.versions(plugin_id).iter().map(|info| version_view(info, &routing)).collect();
        Ok(PluginView { plugin_id: plugin_id.into(), routing: RoutingView::of(&routing), versions })
    }

    /// Hot-swaps the plugin to `version` for every install without a canary.
    pub async fn activate_plugin(
        &self,
        actor: &str,
        plugin_id: &str,
        version: &Version,
    ) -> Result<PluginView, ServiceError> {
        self.change_routing(actor, plugin_id, "plugin.activated", |catalog| catalog.activate(plugin_id, version)).await
    }

    /// Makes the previously active version active again.
    pub async fn rollback_plugin(&self, actor: &str, plugin_id: &str) -> Result<PluginView, ServiceError> {
        self.change_routing(actor, plugin_id, "plugin.rolled-back", |catalog| catalog.rollback(plugin_id).map(drop))
            .await
    }

    /// Pins one install of the plugin to `version`.
    pub async fn set_plugin_canary(
        &self,
        actor: &str,
        plugin_id: &str,
        tenant: &TenantId,
        install: &InstallId,
        version: &Version,
    ) -> Result<PluginView, ServiceError> {
        let key = self.install_of_plugin(plugin_id, tenant, install).await?;
        let change = |catalog: &dyn PluginCatalog| catalog.set_canary(plugin_id, &key, Some(version));
        self.change_routing(actor, plugin_id, "plugin.canary-set", change).await
    }

    /// Returns one install to the plugin's active version.
    pub async fn clear_plugin_canary(
        &self,
        actor: &str,
        plugin_id: &str,
        tenant: &TenantId,
        install: &InstallId,
    ) -> Result<PluginView, ServiceError> {
        let key = self.install_of_plugin(plugin_id, tenant, install).await?;
        let change = |catalog: &dyn PluginCatalog| catalog.set_canary(plugin_id, &key, None);
        self.change_routing(actor, plugin_id, "plugin.canary-cleared", change).await
    }

    /// After a start: loads every uploaded version again and puts back the
    /// stored routing, which wins over whatever was activated before. A
    /// plugin that cannot be restored keeps its current routing and is
    /// reported; the others are restored regardless.
    pub async fn restore_plugins(&self) -> Result<PluginRestore, ServiceError> {
        let catalog = self.plugin_catalog()?;
        let mut restore = PluginRestore::default();
        for uploaded in self.store.uploaded_plugin_versions().await? {
            match catalog.reload(&uploaded.plugin_id, &uploaded.version).await {
                Ok(_) => restore.reloaded += 1,
                Err(e) => restore.failures.push(format!("{}@{}: {e}", uploaded.plugin_id, uploaded.version)),
            }
        }
        for (plugin_id, routing) in self.store.plugin_routings().await? {
            if let Err(e) = catalog.restore(&plugin_id, &routing) {
                restore.failures.push(format!("routing of `{plugin_id}`: {e}"));
            }
        }
        Ok(restore)
    }

    async fn install_of_plugin(
        &self,
        plugin_id: &str,
        tenant: &TenantId,
        install: &InstallId,
    ) -> Result<InstallKey, ServiceError> {
        let found =
            self.store.install(tenant, install).await?.ok_or_else(|| ServiceError::not_found("install", install))?;
        if found.plugin_id != plugin_id {
            let message = format!("install `{install}` uses plugin `{}`, not `{plugin_id}`", found.plugin_id);
            return Err(ServiceError::InvalidInput(message));
        }
        Ok((tenant.clone(), install.clone()))
    }

    /// Applies `change` to the runtime and persists the resulting routing with
    /// an audit entry; undoes the change if that cannot be committed.
    async fn change_routing(
        &self,
        actor: &str,
        plugin_id: &str,
        action: &str,
        change: impl FnOnce(&dyn PluginCatalog) -> Result<(), PluginError>,
    ) -> Result<PluginView, ServiceError> {
        let catalog = self.plugin_catalog()?;
        let mut tx = self.store.begin().await?;
        let before = catalog.routing(plugin_id).ok_or_else(|| PluginError::UnknownPlugin(plugin_id.into()))?;
        change(catalog.as_ref())?;
        let after = catalog.routing(plugin_id).unwrap_or_default();
        let detail = json!({ "before": RoutingView::of(&before), "after": RoutingView::of(&after) });
        let persisted = async {
            tx.put_plugin_routing(plugin_id, &after, self.clock.now()).await?;
            self.audit(&mut tx, &system_tenant(), actor, action, format!("plugin:{plugin_id}"), detail).await?;
            Ok::<_, ServiceError>(tx.commit().await?)
        };
        if let Err(error) = persisted.await {
            if let Err(undo) = catalog.restore(plugin_id, &before) {
                tracing::error!(plugin = plugin_id, error = %undo, "could not undo an unpersisted routing change");
            }
            return Err(error);
        }
        tracing::info!(plugin = plugin_id, action, active = ?after.active, "plugin routing changed");
        self.plugin(plugin_id)
    }
}
