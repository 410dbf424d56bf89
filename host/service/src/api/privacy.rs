//! A tenant's privacy controls: its retention settings, a purge on request,
//! erasing a person everywhere and reading how that went, and each install's
//! connector health. The rules and the audit entries live in the service.

use super::auth::Principal;
use super::{ApiJson, ApiQuery, ApiState, InstallPath, TenantPath};
use crate::domain::{ErasureId, PrivacySettings, TenantId};
use crate::intake::ApiError;
use crate::service::{ConnectorHealth, ErasureView, PersonSelector};
use crate::store::PurgeCounts;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

/// The health window when the caller names none.
const DEFAULT_WINDOW_HOURS: u32 = 24;

/// `/v1/tenants/{tenant}/erasures/{erasure}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ErasurePath {
    pub tenant: TenantId,
    /// The erasure request's id.
    pub erasure: ErasureId,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HealthQuery {
    /// How far back from now the figures look, in hours (default 24, at most 8784: 366 days).
    #[param(minimum = 1, maximum = 8784)]
    pub window_hours: Option<u32>,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/privacy", tag = "privacy", params(TenantPath),
    responses((status = 200, body = PrivacySettings, description = "the defaults until the tenant sets its own")))]
pub(super) async fn get(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<PrivacySettings>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.privacy_settings(&p.tenant).await?))
}

/// Replaces the retention settings; every period must be 1 to 3650 days.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/privacy", tag = "privacy", params(TenantPath),
    request_body = PrivacySettings, responses((status = 200, body = PrivacySettings)))]
pub(super) async fn put(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(settings): ApiJson<PrivacySettings>,
) -> Result<Json<PrivacySettings>, ApiError> {
    principal.write(&p.tenant)?;
    app.service.set_privacy_settings(&principal.actor(), &p.tenant, settings).await?;
    Ok(Json(settings))
}

/// Purges now what the tenant's retention no longer allows to keep.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/purge", tag = "privacy", params(TenantPath),
    responses((status = 200, body = PurgeCounts, description = "what went, by kind")))]
pub(super) async fn purge(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<PurgeCounts>, ApiError> {
    principal.write(&p.tenant)?;
    Ok(Json(app.service.purge_on_request(&principal.actor(), &p.tenant).await?))
}

/// Erases a person at every install of the tenant and in Gatehouse's store.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/erasures", tag = "privacy", params(TenantPath),
    request_body = PersonSelector, responses((status = 201, body = ErasureView, description = "the request, with each install's outcome so far")))]
pub(super) async fn erase(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(who): ApiJson<PersonSelector>,
) -> Result<(StatusCode, Json<ErasureView>), ApiError> {
    principal.write(&p.tenant)?;
    Ok((StatusCode::CREATED, Json(app.service.erase_person(&principal.actor(), &p.tenant, &who).await?)))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/erasures/{erasure}", tag = "privacy", params(ErasurePath),
    responses((status = 200, body = ErasureView)))]
pub(super) async fn erasure(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<ErasurePath>,
) -> Result<Json<ErasureView>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.erasure(&p.tenant, &p.erasure).await?))
}

/// Uptime, error rate, mean times between errors and to recover, and the last success.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs/{install}/health", tag = "privacy", params(InstallPath, HealthQuery),
    responses((status = 200, body = ConnectorHealth)))]
pub(super) async fn health(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
    ApiQuery(query): ApiQuery<HealthQuery>,
) -> Result<Json<ConnectorHealth>, ApiError> {
    principal.read(&p.tenant)?;
    let window = chrono::Duration::hours(i64::from(query.window_hours.unwrap_or(DEFAULT_WINDOW_HOURS)));
    Ok(Json(app.service.connector_health(&p.tenant, &p.install, window).await?))
}
