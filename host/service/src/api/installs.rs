//! Installs (one connector plugin at one location), their live set-up
//! checks and pickers, and their write-only secrets.

use super::auth::Principal;
use super::{ApiJson, ApiState, InstallPath, TenantPath};
use crate::domain::{CardPool, Install, InstallId, LocationId, TenantId};
use crate::gateway::{SetupCheck, SetupOption};
use crate::intake::ApiError;
use crate::service::InstallSpec;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An install as the API shows it; its webhook secret is never shown.
#[derive(Serialize, ToSchema)]
pub struct InstallView {
    pub id: InstallId,
    pub location_id: LocationId,
    pub plugin_id: String,
    /// Matches the plugin's config schema.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// HTTP/SQL capability grants, enforced by the runtime.
    #[schema(value_type = Object)]
    pub grants: serde_json::Value,
    pub enabled: bool,
    pub card_pools: Vec<CardPool>,
}

fn view(install: Install, card_pools: Vec<CardPool>) -> InstallView {
    InstallView {
        id: install.id,
        location_id: install.location_id,
        plugin_id: install.plugin_id,
        config: install.config,
        grants: install.grants,
        enabled: install.enabled,
        card_pools,
    }
}

/// A new configuration for an existing install (everything but its id).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallConfig {
    pub location_id: LocationId,
    pub plugin_id: String,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub grants: Option<serde_json::Value>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub card_pools: Vec<CardPool>,
    /// The Envoy webhook's HMAC key; left out keeps the current one.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct PickerPath {
    tenant: TenantId,
    install: InstallId,
    /// The picker's name, as the plugin's config schema names it (e.g. groups, partitions, companies, access-codes).
    picker: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct SecretPath {
    tenant: TenantId,
    install: InstallId,
    /// The secret's name (1-64 of a-z, A-Z, 0-9, '-', '_', '.').
    name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretValue {
    /// The value; stored sealed, readable only by the install's plugin.
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct SecretNames {
    pub names: Vec<String>,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs", tag = "installs", params(TenantPath),
    responses((status = 200, body = Vec<InstallView>)))]
pub(super) async fn list(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<Vec<InstallView>>, ApiError> {
    principal.read(&p.tenant)?;
    let installs = app.service.installs(&p.tenant).await?;
    let mut views = Vec::with_capacity(installs.len());
    for install in installs {
        let (install, pools) = app.service.install(&p.tenant, &install.id).await?;
        views.push(view(install, pools));
    }
    Ok(Json(views))
}

/// Creates an install of a plugin at a location.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/installs", tag = "installs", params(TenantPath), request_body = InstallSpec,
    responses((status = 201, body = InstallView)))]
pub(super) async fn create(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(spec): ApiJson<InstallSpec>,
) -> Result<(StatusCode, Json<InstallView>), ApiError> {
    principal.write(&p.tenant)?;
    let id = spec.id.clone();
    app.service.create_install(&principal.actor(), &p.tenant, spec).await?;
    let (install, pools) = app.service.install(&p.tenant, &id).await?;
    Ok((StatusCode::CREATED, Json(view(install, pools))))
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs/{install}", tag = "installs", params(InstallPath),
    responses((status = 200, body = InstallView)))]
pub(super) async fn get(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<Json<InstallView>, ApiError> {
    principal.read(&p.tenant)?;
    let (install, pools) = app.service.install(&p.tenant, &p.install).await?;
    Ok(Json(view(install, pools)))
}

/// Replaces an install's configuration and card pools.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/installs/{install}", tag = "installs", params(InstallPath), request_body = InstallConfig,
    responses((status = 200, body = InstallView)))]
pub(super) async fn configure(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
    ApiJson(body): ApiJson<InstallConfig>,
) -> Result<Json<InstallView>, ApiError> {
    principal.write(&p.tenant)?;
    let spec = InstallSpec {
        id: p.install.clone(),
        location_id: body.location_id,
        plugin_id: body.plugin_id,
        config: body.config.unwrap_or_else(|| serde_json::json!({})),
        grants: body.grants.unwrap_or_else(|| serde_json::json!({})),
        enabled: body.enabled.unwrap_or(true),
        card_pools: body.card_pools,
        webhook_secret: body.webhook_secret,
    };
    app.service.configure_install(&principal.actor(), &p.tenant, spec).await?;
    let (install, pools) = app.service.install(&p.tenant, &p.install).await?;
    Ok(Json(view(install, pools)))
}

async fn set_enabled(
    app: &ApiState,
    principal: &Principal,
    p: &InstallPath,
    enabled: bool,
) -> Result<StatusCode, ApiError> {
    principal.write(&p.tenant)?;
    app.service.set_install_enabled(&principal.actor(), &p.tenant, &p.install, enabled).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lets the install take events again.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/installs/{install}/enable", tag = "installs", params(InstallPath), responses((status = 204)))]
pub(super) async fn enable(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<StatusCode, ApiError> {
    set_enabled(&app, &principal, &p, true).await
}

/// Stops the install taking events; its jobs and history stay.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/installs/{install}/disable", tag = "installs", params(InstallPath), responses((status = 204)))]
pub(super) async fn disable(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<StatusCode, ApiError> {
    set_enabled(&app, &principal, &p, false).await
}

/// Asks the plugin to check the install's configuration against the live PACS.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/installs/{install}/validate", tag = "installs", params(InstallPath),
    responses((status = 200, body = Vec<SetupCheck>)))]
pub(super) async fn validate(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<Json<Vec<SetupCheck>>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.validate_install(&p.tenant, &p.install).await?))
}

/// The choices of one set-up picker, from the live PACS.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs/{install}/options/{picker}", tag = "installs", params(PickerPath),
    responses((status = 200, body = Vec<SetupOption>)))]
pub(super) async fn options(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<PickerPath>,
) -> Result<Json<Vec<SetupOption>>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.install_options(&p.tenant, &p.install, &p.picker).await?))
}

/// The names of the install's secrets; values are never returned.
#[utoipa::path(get, path = "/v1/tenants/{tenant}/installs/{install}/secrets", tag = "secrets", params(InstallPath),
    responses((status = 200, body = SecretNames)))]
pub(super) async fn list_secrets(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<InstallPath>,
) -> Result<Json<SecretNames>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(SecretNames { names: app.service.secret_names(&p.tenant, &p.install).await? }))
}

/// Sets a secret, or rotates it when it exists.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/installs/{install}/secrets/{name}", tag = "secrets", params(SecretPath),
    request_body = SecretValue, responses((status = 204)))]
pub(super) async fn put_secret(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<SecretPath>,
    ApiJson(body): ApiJson<SecretValue>,
) -> Result<StatusCode, ApiError> {
    principal.write(&p.tenant)?;
    app.service.set_secret(&principal.actor(), &p.tenant, &p.install, &p.name, &body.value).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/installs/{install}/secrets/{name}", tag = "secrets", params(SecretPath),
    responses((status = 204)))]
pub(super) async fn delete_secret(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<SecretPath>,
) -> Result<StatusCode, ApiError> {
    principal.write(&p.tenant)?;
    app.service.delete_secret(&principal.actor(), &p.tenant, &p.install, &p.name).await?;
    Ok(StatusCode::NO_CONTENT)
}
