//! The append-only audit trail: who changed what, when.

use super::rows::{get, instant};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, TenantId};
use chrono::{DateTime, Utc};

#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// Before/after or other facts, secrets already redacted by the caller.
    pub detail: serde_json::Value,
}

impl WriteTx {
    pub async fn append_audit(&mut self, tenant: &TenantId, entry: &AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_entries (id, tenant_id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(tenant.as_str())
        .bind(to_millis(entry.at))
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.subject)
        .bind(entry.detail.to_string())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

/// Which audit entries to read; every field left out matches all.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub limit: u32,
}

impl Store {
    /// The tenant's audit entries matching `filter`, oldest first.
    pub async fn audit_entries(&self, tenant: &TenantId, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, subject, detail FROM audit_entries
             WHERE tenant_id = $1 AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3)
               AND ($4 IS NULL OR actor = $4) AND ($5 IS NULL OR action = $5)
             ORDER BY at, id LIMIT $6",
        )
        .bind(tenant.as_str())
        .bind(filter.from.map(to_millis))
        .bind(filter.to.map(to_millis))
        .bind(filter.actor.as_deref())
        .bind(filter.action.as_deref())
        .bind(i64::from(filter.limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: instant(row, "at")?,
                    actor: get(row, "actor")?,
                    action: get(row, "action")?,
                    subject: get(row, "subject")?,
                    detail: super::rows::json(row, "detail")?,
                })
            })
            .collect()
    }
}
