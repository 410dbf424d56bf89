//! An install's policy: the current version, a new version, the history,
//! and a dry run of an event against the stored or a candidate policy.

use super::auth::Principal;
use super::{ApiJson, ApiState, InstallPath};
use crate::intake::native::NativeEvent;
use crate::intake::{timestamps, ApiError};
use crate::store::StoredPolicy;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PolicyView {
    pub version: i64,
    /// The policy as written (TOML).
    pub source: String,
    /// The plugin's actions when this version was validated.
    pub supported_actions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<StoredPolicy> for PolicyView {
    fn from(p: StoredPolicy) -> Self {
        PolicyView {
            version: p.version,
            source: p.source,
            supported_actions: p.supported_actions.iter().map(|a| a.as_str().to_string()).collect(),
            created_at: p.created_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutPolicy {
    /// The policy (TOML), validated against the install's plugin and card pools.
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyVersion {
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DryRunRequest {
    /// An event in our JSON format (`event_id` and target may be left out).
    #[schema(value_type = NativeEvent)]
    pub event: serde_json::Value,
    /// A candidate policy (TOML) to try instead of the stored one.
    #[serde(default)]
    pub policy: Option<String>,
    /// Plan as of this instant instead of now; zone-less times are the location's.
    #[serde(default)]
    pub at: Option<String>,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs/{install}/policy", tag = "policies", params(InstallPath),
    responses((status = 200, body = PolicyView)))]
pub(super) async fn current(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<Json<PolicyView>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.current_policy(&p.tenant, &p.install).await?.into()))
}

/// Validates and stores a new version; events from now on are planned with it.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/installs/{install}/policy", tag = "policies", params(InstallPath),
    request_body = PutPolicy, responses((status = 201, body = PolicyVersion)))]
pub(super) async fn put(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
    ApiJson(body): ApiJson<PutPolicy>,
) -> Result<(StatusCode, Json<PolicyVersion>), ApiError> {
    principal.write(&p.tenant)?;
    let version = app.service.put_policy(&principal.actor(), &p.tenant, &p.install, &body.source).await?;
    Ok((StatusCode::CREATED, Json(PolicyVersion { version })))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs/{install}/policy/versions", tag = "policies", params(InstallPath),
    responses((status = 200, body = Vec<PolicyView>, description = "newest first")))]
pub(super) async fn versions(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<Json<Vec<PolicyView>>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.policy_versions(&p.tenant, &p.install).await?.into_iter().map(PolicyView::from).collect()))
}

/// What the policy would do with an event: the exact steps and times, nothing executed or stored.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/installs/{install}/policy/dry-run", tag = "policies", params(InstallPath),
    request_body = DryRunRequest, responses((status = 200, body = Object, description = "the plan: immediate and scheduled steps")))]
pub(super) async fn dry_run(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
    ApiJson(request): ApiJson<DryRunRequest>,
) -> Result<Json<crate::service::DryRun>, ApiError> {
    principal.read(&p.tenant)?;
    let location = app.service.install_location(&p.tenant, &p.install).await?;
    let native: NativeEvent = serde_json::from_value(request.event)
        .map_err(|e| ApiError::bad_request(format!("`event` is not a valid event: {e}")))?;
    let zone = location.time_zone;
    let at = request
        .at
        .as_deref()
        .map(|t| timestamps::parse_instant(t, zone).map_err(|e| ApiError::bad_request(format!("`at`: {e}"))))
        .transpose()?;
    let now = at.unwrap_or_else(|| app.service.clock().now());
    let event = native.normalise(zone, now).map_err(ApiError::bad_request)?;
    Ok(Json(app.service.dry_run(&p.tenant, &p.install, &event, request.policy.as_deref(), Some(now)).await?))
}
