//! Uploaded plugin versions and their routing (active version, rollback
//! history, canaries). Plugins are global, not a tenant's: these queries name
//! no tenant, and a canary names the install it pins.

use super::rows::{get, instant, parse};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, InstallId, TenantId};
use crate::gateway::PluginRouting;
use chrono::{DateTime, Utc};
use semver::Version;
use std::collections::BTreeMap;

/// A version an operator uploaded; its bytes are kept beside the database.
#[derive(Clone, Debug, PartialEq)]
pub struct UploadedPluginVersion {
    pub plugin_id: String,
    pub version: Version,
    pub content_hash: String,
    pub uploaded_at: DateTime<Utc>,
}

fn version(text: &str) -> Result<Version, StoreError> {
    parse(Version::parse(text))
}

impl WriteTx {
    /// Records an upload; returns false when that version was recorded before.
    pub async fn insert_plugin_version(&mut self, uploaded: &UploadedPluginVersion) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO plugin_versions (plugin_id, version, content_hash, uploaded_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (plugin_id, version) DO NOTHING",
        )
        .bind(&uploaded.plugin_id)
        .bind(uploaded.version.to_string())
        .bind(&uploaded.content_hash)
        .bind(to_millis(uploaded.uploaded_at))
        .execute(self.conn())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Replaces the plugin's stored routing with `routing`.
    pub async fn put_plugin_routing(
        &mut self,
        plugin_id: &str,
        routing: &PluginRouting,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let previous: Vec<String> = routing.previous.iter().map(Version::to_string).collect();
        sqlx::query(
            "INSERT INTO plugin_routing (plugin_id, active_version, previous, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (plugin_id) DO UPDATE
             SET active_version = excluded.active_version, previous = excluded.previous, updated_at = excluded.updated_at",
        )
        .bind(plugin_id)
        .bind(routing.active.as_ref().map(Version::to_string))
        .bind(serde_json::to_string(&previous).expect("a list of strings serialises"))
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM plugin_canaries WHERE plugin_id = $1").bind(plugin_id).execute(self.conn()).await?;
        for ((tenant, install), version) in &routing.canaries {
            sqlx::query(
                "INSERT INTO plugin_canaries (plugin_id, tenant_id, install_id, version) VALUES ($1, $2, $3, $4)",
            )
            .bind(plugin_id)
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(version.to_string())
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }
}

impl Store {
    /// Every uploaded version, by plugin and upload time.
    pub async fn uploaded_plugin_versions(&self) -> Result<Vec<UploadedPluginVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT plugin_id, version, content_hash, uploaded_at FROM plugin_versions ORDER BY plugin_id, uploaded_at",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UploadedPluginVersion {
                    plugin_id: get(row, "plugin_id")?,
                    version: version(&get::<String>(row, "version")?)?,
                    content_hash: get(row, "content_hash")?,
                    uploaded_at: instant(row, "uploaded_at")?,
                })
            })
            .collect()
    }

    /// The stored routing of every plugin an operator has changed.
    pub async fn plugin_routings(&self) -> Result<BTreeMap<String, PluginRouting>, StoreError> {
        let mut routings = BTreeMap::new();
        for row in
            sqlx::query("SELECT plugin_id, active_version, previous FROM plugin_routing").fetch_all(self.pool()).await?
        {
            let previous: Vec<String> = parse(serde_json::from_str(&get::<String>(&row, "previous")?))?;
            let routing = PluginRouting {
                active: get::<Option<String>>(&row, "active_version")?.as_deref().map(version).transpose()?,
                previous: previous.iter().map(|v| version(v)).collect::<Result<_, _>>()?,
                canaries: BTreeMap::new(),
            };
            routings.insert(get::<String>(&row, "plugin_id")?, routing);
        }
        let canaries = sqlx::query("SELECT plugin_id, tenant_id, install_id, version FROM plugin_canaries")
            .fetch_all(self.pool())
            .await?;
        for row in canaries {
            let plugin_id: String = get(&row, "plugin_id")?;
            let install =
                (TenantId::new(get::<String>(&row, "tenant_id")?), InstallId::new(get::<String>(&row, "install_id")?));
            let routing = routings
                .get_mut(&plugin_id)
                .ok_or_else(|| StoreError::corrupt(format!("canary of unrouted `{plugin_id}`")))?;
            routing.canaries.insert(install, version(&get::<String>(&row, "version")?)?);
        }
        Ok(routings)
    }
}
