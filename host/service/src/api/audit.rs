//! The audit trail of a tenant (and of the system, under `_system`, for
//! admin tokens): who changed what, when, before and after.

use super::auth::Principal;
use super::{limit, ApiQuery, ApiState, TenantPath};
use crate::intake::ApiError;
use crate::store::{AuditEntry, AuditFilter};
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub at: DateTime<Utc>,
    /// `token:<id>`, or `bootstrap` for the first admin token.
    pub actor: String,
    /// e.g. install.put, secret.rotate, job.redrive.
    pub action: String,
    pub subject: String,
    /// Before/after, secrets redacted.
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        AuditView { at: e.at, actor: e.actor, action: e.action, subject: e.subject, detail: e.detail }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditQuery {
    /// At or after (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Before (RFC 3339).
    to: Option<DateTime<Utc>>,
    actor: Option<String>,
    action: Option<String>,
    /// At most this many, oldest first (default 100, at most 1000).
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/audit", tag = "audit", params(TenantPath, AuditQuery),
    responses((status = 200, body = Vec<AuditView>, description = "oldest first")))]
pub(super) async fn list(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    principal.read(&p.tenant)?;
    let filter = AuditFilter { from: q.from, to: q.to, actor: q.actor, action: q.action, limit: limit(q.limit) };
    Ok(Json(app.service.audit_trail(&p.tenant, &filter).await?.into_iter().map(AuditView::from).collect()))
}
