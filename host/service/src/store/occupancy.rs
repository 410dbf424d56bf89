//! Occupancy from badge events, the poll cursor per install, and the outbox
//! of signed notifications to the visitor-management system.

use super::rows::{get, instant, opt_instant};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, InstallId, LocationId, TenantId};
use chrono::{DateTime, Utc};

/// "Employee signed in", derived from a granted badge event.
#[derive(Clone, Debug, PartialEq)]
pub struct OccupancyRecord {
    pub install_id: InstallId,
    pub location_id: LocationId,
    pub pacs_event_id: String,
    pub email: Option<String>,
    pub pacs_person_id: String,
    pub door: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// A notification waiting to be delivered (or given up on).
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundDelivery {
    pub id: String,
    pub tenant_id: TenantId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: u32,
}

impl WriteTx {
    /// Records the badge event once; false when it was recorded before.
    pub async fn insert_occupancy(
        &mut self,
        tenant: &TenantId,
        record: &OccupancyRecord,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO occupancy (id, tenant_id, install_id, location_id, pacs_event_id, email, pacs_person_id, door,
                 occurred_at, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (install_id, pacs_event_id) DO NOTHING",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant.as_str())
        .bind(record.install_id.as_str())
        .bind(record.location_id.as_str())
        .bind(&record.pacs_event_id)
        .bind(&record.email)
        .bind(&record.pacs_person_id)
        .bind(&record.door)
        .bind(to_millis(record.occurred_at))
        .bind(to_millis(now))
        .execute(self.conn())
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    pub async fn set_event_cursor(
        &mut self,
        tenant: &TenantId,
        install: &InstallId,
        cursor: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO event_cursors (install_id, tenant_id, cursor, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (install_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        )
        .bind(install.as_str())
        .bind(tenant.as_str())
        .bind(cursor)
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn enqueue_outbound(
        &mut self,
        tenant: &TenantId,
        kind: &str,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbound_deliveries (id, tenant_id, kind, payload, status, attempts, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant.as_str())
        .bind(kind)
        .bind(payload.to_string())
        .bind(to_millis(now))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records a delivery attempt: delivered, retry at `retry_at`, or given up.
    pub async fn record_outbound_attempt(
        &mut self,
        id: &str,
        outcome: Result<(), (&str, Option<DateTime<Utc>>)>,
    ) -> Result<(), StoreError> {
        let (status, error, next) = match outcome {
            Ok(()) => ("delivered", None, None),
            Err((error, Some(at))) => ("pending", Some(error), Some(to_millis(at))),
            Err((error, None)) => ("dead", Some(error), None),
        };
        sqlx::query(
            "UPDATE outbound_deliveries SET status = $2, attempts = attempts + 1, last_error = $3,
                 next_attempt_at = COALESCE($4, next_attempt_at) WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .bind(next)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    pub async fn event_cursor(&self, tenant: &TenantId, install: &InstallId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT cursor FROM event_cursors WHERE tenant_id = $1 AND install_id = $2")
            .bind(tenant.as_str())
            .bind(install.as_str())
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| get(&row, "cursor")).transpose()
    }

    pub async fn occupancy(
        &self,
        tenant: &TenantId,
        location: &LocationId,
    ) -> Result<Vec<OccupancyRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT install_id, location_id, pacs_event_id, email, pacs_person_id, door, occurred_at FROM occupancy
             WHERE tenant_id = $1 AND location_id = $2 ORDER BY occurred_at, id",
        )
        .bind(tenant.as_str())
        .bind(location.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OccupancyRecord {
                    install_id: InstallId::new(get::<String>(row, "install_id")?),
                    location_id: LocationId::new(get::<String>(row, "location_id")?),
                    pacs_event_id: get(row, "pacs_event_id")?,
                    email: get(row, "email")?,
                    pacs_person_id: get(row, "pacs_person_id")?,
                    door: get(row, "door")?,
                    occurred_at: instant(row, "occurred_at")?,
                })
            })
            .collect()
    }

    pub async fn due_outbound_any_tenant(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<OutboundDelivery>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, tenant_id, kind, payload, attempts FROM outbound_deliveries
             WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(OutboundDelivery {
                    id: get(row, "id")?,
                    tenant_id: TenantId::new(get::<String>(row, "tenant_id")?),
                    kind: get(row, "kind")?,
                    payload: super::rows::json(row, "payload")?,
                    attempts: u32::try_from(get::<i64>(row, "attempts")?).map_err(StoreError::corrupt)?,
                })
            })
            .collect()
    }

    /// Deliveries of the tenant by status ("pending", "delivered", "dead").
    pub async fn outbound_count(&self, tenant: &TenantId, status: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM outbound_deliveries WHERE tenant_id = $1 AND status = $2")
            .bind(tenant.as_str())
            .bind(status)
            .fetch_one(self.pool())
            .await?;
        get(&row, "n")
    }

    pub async fn next_outbound_due_any_tenant(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = sqlx::query("SELECT MIN(next_attempt_at) AS due FROM outbound_deliveries WHERE status = 'pending'")
            .fetch_one(self.pool())
            .await?;
        opt_instant(&row, "due")
    }
}
