//! Installs, their card pools and their versioned policies.

use super::rows::{get, instant, json, parse};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, ActionKind, CardPool, Install, InstallId, LocationId, TenantId};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use std::collections::BTreeSet;

/// One version of an install's policy, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPolicy {
    pub version: i64,
    pub source: String,
    /// The plugin's actions when the version was validated.
    pub supported_actions: BTreeSet<ActionKind>,
    pub created_at: DateTime<Utc>,
}

const INSTALL_COLUMNS: &str = "id, tenant_id, location_id, plugin_id, config, grants, enabled";

fn install_from(row: &SqliteRow) -> Result<Install, StoreError> {
    Ok(Install {
        id: InstallId::new(get::<String>(row, "id")?),
        tenant_id: TenantId::new(get::<String>(row, "tenant_id")?),
        location_id: LocationId::new(get::<String>(row, "location_id")?),
        plugin_id: get(row, "plugin_id")?,
        config: json(row, "config")?,
        grants: json(row, "grants")?,
        enabled: get(row, "enabled")?,
    })
}

fn policy_from(row: &SqliteRow) -> Result<StoredPolicy, StoreError> {
    let supported: String = get(row, "supported_actions")?;
    Ok(StoredPolicy {
        version: get(row, "version")?,
        source: get(row, "source")?,
        supported_actions: parse(serde_json::from_str(&supported))?,
        created_at: instant(row, "created_at")?,
    })
}

impl Store {
    pub async fn install(&self, tenant: &TenantId, id: &InstallId) -> Result<Option<Install>, StoreError> {
        let sql = format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(tenant.as_str()).bind(id.as_str()).fetch_optional(self.pool()).await?;
        row.as_ref().map(install_from).transpose()
    }

    pub async fn installs(&self, tenant: &TenantId) -> Result<Vec<Install>, StoreError> {
        let sql = format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE tenant_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql).bind(tenant.as_str()).fetch_all(self.pool()).await?;
        rows.iter().map(install_from).collect()
    }

    /// Finds an install by id alone: webhooks name only the install, and its
    /// row tells which tenant the request belongs to.
    pub async fn install_any_tenant(&self, id: &InstallId) -> Result<Option<Install>, StoreError> {
        let sql = format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE id = $1");
        let row = sqlx::query(&sql).bind(id.as_str()).fetch_optional(self.pool()).await?;
        row.as_ref().map(install_from).transpose()
    }

    /// Every install of the tenant, enabled or not.
    pub async fn installs_of(&self, tenant: &TenantId) -> Result<Vec<Install>, StoreError> {
        let sql = format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE tenant_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql).bind(tenant.as_str()).fetch_all(self.pool()).await?;
        rows.iter().map(install_from).collect()
    }

    /// Every enabled install, for the badge-event poller.
    pub async fn enabled_installs_any_tenant(&self) -> Result<Vec<Install>, StoreError> {
        let sql = format!("SELECT {INSTALL_COLUMNS} FROM installs WHERE enabled = TRUE ORDER BY id");
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(install_from).collect()
    }

    pub async fn installs_at_location(
        &self,
        tenant: &TenantId,
        location: &LocationId,
    ) -> Result<Vec<Install>, StoreError> {
        let sql = format!(
            "SELECT {INSTALL_COLUMNS} FROM installs WHERE tenant_id = $1 AND location_id = $2 AND enabled = TRUE ORDER BY id"
        );
        let rows = sqlx::query(&sql).bind(tenant.as_str()).bind(location.as_str()).fetch_all(self.pool()).await?;
        rows.iter().map(install_from).collect()
    }

    /// The install's sealed webhook secret, if one is set.
    pub async fn webhook_secret(&self, tenant: &TenantId, id: &InstallId) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT webhook_secret FROM installs WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => get::<Option<Vec<u8>>>(&row, "webhook_secret")?,
            None => None,
        })
    }

    pub async fn card_pools(&self, tenant: &TenantId, install: &InstallId) -> Result<Vec<CardPool>, StoreError> {
        let rows = sqlx::query(
            "SELECT facility_code, format, min_number, max_number FROM card_pools
             WHERE tenant_id = $1 AND install_id = $2 ORDER BY facility_code",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CardPool {
                    facility_code: parse(u32::try_from(get::<i64>(row, "facility_code")?))?,
                    format: get(row, "format")?,
                    min: parse(u64::try_from(get::<i64>(row, "min_number")?))?,
                    max: parse(u64::try_from(get::<i64>(row, "max_number")?))?,
                })
            })
            .collect()
    }

    /// Every version of the install's policy, newest first.
    pub async fn policies(&self, tenant: &TenantId, install: &InstallId) -> Result<Vec<StoredPolicy>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, source, supported_actions, created_at FROM policies
             WHERE tenant_id = $1 AND install_id = $2 ORDER BY version DESC",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(policy_from).collect()
    }

    /// The given version of the install's policy, or the latest when `None`.
    pub async fn policy(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        version: Option<i64>,
    ) -> Result<Option<StoredPolicy>, StoreError> {
        let row = sqlx::query(
            "SELECT version, source, supported_actions, created_at FROM policies
             WHERE tenant_id = $1 AND install_id = $2 AND ($3 IS NULL OR version = $3)
             ORDER BY version DESC LIMIT 1",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(version)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(policy_from).transpose()
    }
}

impl WriteTx {
    /// Creates the install, or replaces its configuration (within its tenant).
    pub async fn upsert_install(
        &mut self,
        install: &Install,
        sealed_webhook_secret: Option<&[u8]>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO installs (id, tenant_id, location_id, plugin_id, config, grants, webhook_secret, enabled, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET location_id = excluded.location_id, plugin_id = excluded.plugin_id,
                 config = excluded.config, grants = excluded.grants, enabled = excluded.enabled,
                 webhook_secret = COALESCE(excluded.webhook_secret, installs.webhook_secret)
             WHERE installs.tenant_id = excluded.tenant_id",
        )
        .bind(install.id.as_str())
        .bind(install.tenant_id.as_str())
        .bind(install.location_id.as_str())
        .bind(&install.plugin_id)
        .bind(install.config.to_string())
        .bind(install.grants.to_string())
        .bind(sealed_webhook_secret)
        .bind(install.enabled)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::corrupt(format!("install {} belongs to another tenant", install.id)));
        }
        Ok(())
    }

    /// Replaces the install's card pools. Live numbers stay live.
    pub async fn set_card_pools(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        pools: &[CardPool],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM card_pools WHERE tenant_id = $1 AND install_id = $2")
            .bind(tenant.as_str())
            .bind(install.as_str())
            .execute(self.conn())
            .await?;
        for pool in pools {
            sqlx::query(
                "INSERT INTO card_pools (tenant_id, install_id, facility_code, format, min_number, max_number)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(tenant.as_str())
            .bind(install.as_str())
            .bind(i64::from(pool.facility_code))
            .bind(&pool.format)
            .bind(parse(i64::try_from(pool.min))?)
            .bind(parse(i64::try_from(pool.max))?)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Stores a new policy version (one above the latest) and returns it.
    pub async fn insert_policy(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        source: &str,
        supported_actions: &BTreeSet<ActionKind>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO policies (tenant_id, install_id, version, source, supported_actions, created_at)
             SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $5, $4 FROM policies WHERE install_id = $2
             RETURNING version",
        )
        .bind(tenant.as_str())
        .bind(install.as_str())
        .bind(source)
        .bind(to_millis(now))
        .bind(serde_json::to_string(supported_actions).map_err(StoreError::corrupt)?)
        .fetch_one(self.conn())
        .await?;
        get(&row, "version")
    }
}
