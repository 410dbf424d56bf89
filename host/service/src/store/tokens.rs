//! Management API tokens, kept as SHA-256 hashes.

use super::rows::{get, instant, opt_instant};
use super::{Store, StoreError, WriteTx};
use crate::domain::{to_millis, ApiToken, TenantId, TokenAccess, TokenScope};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

const TOKEN_COLUMNS: &str = "id, tenant_id, read_only, label, created_at, revoked_at";

fn token_from(row: &SqliteRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: get(row, "id")?,
        scope: match get::<Option<String>>(row, "tenant_id")? {
            None => TokenScope::Admin,
            Some(tenant) => TokenScope::Tenant(TenantId::new(tenant)),
        },
        access: if get(row, "read_only")? { TokenAccess::ReadOnly } else { TokenAccess::ReadWrite },
        label: get(row, "label")?,
        created_at: instant(row, "created_at")?,
        revoked_at: opt_instant(row, "revoked_at")?,
    })
}

fn tenant_column(scope: &TokenScope) -> Option<&str> {
    match scope {
        TokenScope::Admin => None,
        TokenScope::Tenant(id) => Some(id.as_str()),
    }
}

impl WriteTx {
    pub async fn insert_token(&mut self, token: &ApiToken, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_tokens (id, token_hash, tenant_id, read_only, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&token.id)
            .bind(token_hash)
            .bind(tenant_column(&token.scope))
            .bind(token.access == TokenAccess::ReadOnly)
            .bind(&token.label)
            .bind(to_millis(token.created_at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Revokes a live token of exactly this scope; false when there is none.
    pub async fn revoke_token(&mut self, scope: &TokenScope, id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let revoked = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND COALESCE(tenant_id, '') = COALESCE($2, '') AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(tenant_column(scope))
        .bind(to_millis(now))
        .execute(self.conn())
        .await?
        .rows_affected();
        Ok(revoked == 1)
    }
}

impl Store {
    /// The live token with this hash; it routes the request to its tenant.
    pub async fn live_token_by_hash_any_tenant(&self, token_hash: &str) -> Result<Option<ApiToken>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
        let row = sqlx::query(&sql).bind(token_hash).fetch_optional(self.pool()).await?;
        row.as_ref().map(token_from).transpose()
    }

    /// Every token of exactly this scope, revoked ones included, oldest first.
    pub async fn tokens(&self, scope: &TokenScope) -> Result<Vec<ApiToken>, StoreError> {
        let sql =
            format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE COALESCE(tenant_id, '') = COALESCE($1, '') ORDER BY created_at, id");
        let rows = sqlx::query(&sql).bind(tenant_column(scope)).fetch_all(self.pool()).await?;
        rows.iter().map(token_from).collect()
    }
}
