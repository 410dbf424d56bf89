//! Tenants and their locations.

use super::rows::{get, parse};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, Location, LocationId, Tenant, TenantId, TenantSettings};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

fn tenant_from(row: &SqliteRow) -> Result<Tenant, StoreError> {
    let settings: String = get(row, "settings")?;
    Ok(Tenant {
        id: TenantId::new(get::<String>(row, "id")?),
        name: get(row, "name")?,
        settings: parse(serde_json::from_str::<TenantSettings>(&settings))?,
    })
}

fn location_from(row: &SqliteRow) -> Result<Location, StoreError> {
    let zone: String = get(row, "time_zone")?;
    Ok(Location {
        id: LocationId::new(get::<String>(row, "id")?),
        tenant_id: TenantId::new(get::<String>(row, "tenant_id")?),
        name: get(row, "name")?,
        time_zone: parse(zone.parse::<chrono_tz::Tz>())?,
    })
}

impl Store {
    pub async fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        let row = sqlx::query("SELECT id, name, settings FROM tenants WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(tenant_from).transpose()
    }

    /// Every customer tenant (the reserved system tenant left out).
    pub async fn tenants_any_tenant(&self) -> Result<Vec<Tenant>, StoreError> {
        let rows = sqlx::query("SELECT id, name, settings FROM tenants WHERE id <> '_system' ORDER BY created_at, id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(tenant_from).collect()
    }

    pub async fn location(&self, tenant: &TenantId, id: &LocationId) -> Result<Option<Location>, StoreError> {
        let row = sqlx::query("SELECT id, tenant_id, name, time_zone FROM locations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(location_from).transpose()
    }

    pub async fn locations(&self, tenant: &TenantId) -> Result<Vec<Location>, StoreError> {
        let rows = sqlx::query("SELECT id, tenant_id, name, time_zone FROM locations WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant.as_str())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(location_from).collect()
    }

    /// Finds a location by id alone, for intake requests that name only it.
    pub async fn location_any_tenant(&self, id: &LocationId) -> Result<Option<Location>, StoreError> {
        let row = sqlx::query("SELECT id, tenant_id, name, time_zone FROM locations WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(location_from).transpose()
    }
}

impl WriteTx {
    /// Creates the tenant, or updates its name and settings.
    pub async fn upsert_tenant(&mut self, tenant: &Tenant, now: DateTime<Utc>) -> Result<(), StoreError> {
        let settings = serde_json::to_string(&tenant.settings).map_err(StoreError::corrupt)?;
        sqlx::query(
            "INSERT INTO tenants (id, name, settings, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings",
        )
        .bind(tenant.id.as_str())
        .bind(&tenant.name)
        .bind(settings)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Creates the location, or updates its name and zone (within its tenant).
    pub async fn upsert_location(&mut self, location: &Location, now: DateTime<Utc>) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO locations (id, tenant_id, name, time_zone, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone
             WHERE locations.tenant_id = excluded.tenant_id",
        )
        .bind(location.id.as_str())
        .bind(location.tenant_id.as_str())
        .bind(&location.name)
        .bind(location.time_zone.name())
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::corrupt(format!("location {} belongs to another tenant", location.id)));
        }
        Ok(())
    }
}
