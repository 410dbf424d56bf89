//! Intake events: the raw body as received beside its normalised form, unique
//! per install and de-duplication key so a redelivery is recognised.

use super::rows::{get, instant};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, EventId, InstallId, TenantId, VisitorEvent};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

pub struct NewEvent<'a> {
    pub id: EventId,
    pub tenant_id: &'a TenantId,
    pub install_id: &'a InstallId,
    /// "gatehouse" (our JSON) or "envoy" (the webhook).
    pub source: &'a str,
    /// The sender's event name, kept even when we do not handle it.
    pub name: &'a str,
    pub dedup_key: &'a str,
    pub raw: &'a str,
    /// `None` for events we record but do not act on.
    pub normalised: Option<&'a VisitorEvent>,
    /// Why the event is only recorded (an event name we do not handle).
    pub ignored_reason: Option<&'a str>,
    pub time_zone: &'a str,
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, PartialEq)]
pub enum EventInsert {
    Inserted(EventId),
    /// The same install already stored an event with this key.
    Duplicate(EventId),
}

/// A stored event, for the trail.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: EventId,
    pub install_id: InstallId,
    pub source: String,
    pub name: String,
    pub normalised: Option<VisitorEvent>,
    pub ignored_reason: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// Which of a tenant's events to list; every field left out matches all.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub install: Option<InstallId>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
}

const EVENT_COLUMNS: &str = "id, install_id, source, name, normalised, ignored_reason, received_at";

fn event_from(row: &SqliteRow) -> Result<StoredEvent, StoreError> {
    let normalised: Option<String> = get(row, "normalised")?;
    Ok(StoredEvent {
        id: EventId::new(get::<String>(row, "id")?),
        install_id: InstallId::new(get::<String>(row, "install_id")?),
        source: get(row, "source")?,
        name: get(row, "name")?,
        normalised: normalised.map(|text| serde_json::from_str(&text)).transpose().map_err(StoreError::corrupt)?,
        ignored_reason: get(row, "ignored_reason")?,
        received_at: instant(row, "received_at")?,
    })
}

impl WriteTx {
    pub async fn insert_event(&mut self, event: NewEvent<'_>) -> Result<EventInsert, StoreError> {
        let normalised = event.normalised.map(serde_json::to_string).transpose().map_err(StoreError::corrupt)?;
        let inserted = sqlx::query(
            "INSERT INTO events (id, tenant_id, install_id, source, name, dedup_key, raw, normalised, ignored_reason, time_zone, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (install_id, dedup_key) DO NOTHING",
        )
        .bind(event.id.as_str())
        .bind(event.tenant_id.as_str())
        .bind(event.install_id.as_str())
        .bind(event.source)
        .bind(event.name)
        .bind(event.dedup_key)
        .bind(event.raw)
        .bind(normalised)
        .bind(event.ignored_reason)
        .bind(event.time_zone)
        .bind(to_millis(event.received_at))
        .execute(self.conn())
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(EventInsert::Inserted(event.id));
        }
        let row = sqlx::query("SELECT id FROM events WHERE tenant_id = $1 AND install_id = $2 AND dedup_key = $3")
            .bind(event.tenant_id.as_str())
            .bind(event.install_id.as_str())
            .bind(event.dedup_key)
            .fetch_one(self.conn())
            .await?;
        Ok(EventInsert::Duplicate(EventId::new(get::<String>(&row, "id")?)))
    }

    /// Stores the intake's answer with the event, for redeliveries.
    pub async fn set_event_receipt(
        &mut self,
        tenant: &TenantId,
        event: &EventId,
        receipt: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE events SET receipt = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(event.as_str())
            .bind(receipt)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn event_receipt(&mut self, tenant: &TenantId, event: &EventId) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT receipt FROM events WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(event.as_str())
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|row| get::<Option<String>>(&row, "receipt")).transpose()?.flatten())
    }
}

impl Store {
    pub async fn event(&self, tenant: &TenantId, id: &EventId) -> Result<Option<StoredEvent>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(tenant.as_str()).bind(id.as_str()).fetch_optional(self.pool()).await?;
        row.as_ref().map(event_from).transpose()
    }

    /// The tenant's events matching `filter`, newest first.
    pub async fn events(&self, tenant: &TenantId, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE tenant_id = $1 AND ($2 IS NULL OR install_id = $2)
               AND ($3 IS NULL OR received_at >= $3) AND ($4 IS NULL OR received_at < $4)
             ORDER BY received_at DESC, id LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(tenant.as_str())
            .bind(filter.install.as_ref().map(InstallId::as_str))
            .bind(filter.from.map(to_millis))
            .bind(filter.to.map(to_millis))
            .bind(i64::from(filter.limit))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(event_from).collect()
    }

    /// How many events the tenant has stored (all installs).
    pub async fn count_events(&self, tenant: &TenantId) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM events WHERE tenant_id = $1")
            .bind(tenant.as_str())
            .fetch_one(self.pool())
            .await?;
        get(&row, "n")
    }
}
