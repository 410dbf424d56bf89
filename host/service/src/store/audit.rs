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

impl Store {
    pub async fn audit_entries(&self, tenant: &TenantId) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query("SELECT at, actor, action, subject, detail FROM audit_entries WHERE tenant_id = $1 ORDER BY at, id")
            .bind(tenant.as_str())
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
