//! The plugin catalog: upload a component as a new version, list versions,
//! activate (a hot-swap), roll back, and pin one install to a version (a
//! canary). Plugins are global, so every route needs an admin token.

use super::auth::Principal;
use super::{route, ApiJson, ApiState, Route};
use crate::domain::{InstallId, TenantId};
use crate::intake::{self, ApiError};
use crate::service::{PluginVersionView, PluginView};
use axum::extract::{Path, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::Json;
use semver::Version;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The largest component an upload may carry (the bundled ones are under 2 MiB).
pub const MAX_COMPONENT_BYTES: usize = 32 * 1024 * 1024;

/// The catalog's rows of the route table.
pub(super) fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        route(M::POST, "/v1/plugins", upload),
        route(M::GET, "/v1/plugins", list),
        route(M::GET, "/v1/plugins/{plugin}/versions", versions),
        route(M::POST, "/v1/plugins/{plugin}/versions/{version}/activate", activate),
        route(M::POST, "/v1/plugins/{plugin}/rollback", rollback),
        route(M::PUT, "/v1/plugins/{plugin}/canaries/{tenant}/{install}", put_canary),
        route(M::DELETE, "/v1/plugins/{plugin}/canaries/{tenant}/{install}", delete_canary),
    ]
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PluginPath {
    /// The plugin's id, as its manifest says.
    pub plugin: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    pub plugin: String,
    /// A loaded version, semver.
    #[param(value_type = String)]
    pub version: Version,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CanaryPath {
    pub plugin: String,
    pub tenant: TenantId,
    /// An install of `tenant` that uses the plugin.
    pub install: InstallId,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutCanary {
    /// The loaded version the install is pinned to.
    #[schema(value_type = String)]
    pub version: Version,
}

/// Uploads a component (`application/wasm`). It is validated (world, imports,
/// manifest, self-test), kept, and loaded inactive; the same bytes again are harmless.
#[utoipa::path(post, path = "/v1/plugins", tag = "plugins",
    request_body(content = Vec<u8>, content_type = "application/wasm"),
    responses((status = 201, body = PluginVersionView)))]
pub(super) async fn upload(
    State(app): State<ApiState>,
    principal: Principal,
    request: Request,
) -> Result<(StatusCode, Json<PluginVersionView>), ApiError> {
    principal.admin_write()?;
    let (parts, body) = request.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type != "application/wasm" {
        let message = format!("a component is uploaded as `application/wasm`, not `{content_type}`");
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", message));
    }
    let bytes = intake::read_body(body, parts.headers.get(header::CONTENT_LENGTH), MAX_COMPONENT_BYTES).await?;
    let uploaded = app.service.upload_plugin(&principal.actor(), bytes.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(uploaded)))
}

/// Every loaded plugin: its versions, the active one, rollback history and canaries.
#[utoipa::path(get, path = "/v1/plugins", tag = "plugins", responses((status = 200, body = Vec<PluginView>)))]
pub(super) async fn list(State(app): State<ApiState>, principal: Principal) -> Result<Json<Vec<PluginView>>, ApiError> {
    principal.admin_read()?;
    Ok(Json(app.service.plugins()?))
}

#[utoipa::path(get, path = "/v1/plugins/{plugin}/versions", tag = "plugins", params(PluginPath),
    responses((status = 200, body = Vec<PluginVersionView>)))]
pub(super) async fn versions(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<PluginPath>,
) -> Result<Json<Vec<PluginVersionView>>, ApiError> {
    principal.admin_read()?;
    Ok(Json(app.service.plugin(&p.plugin)?.versions))
}

/// Hot-swaps the plugin: new actions go to this version, actions in flight
/// finish on the one they started on.
#[utoipa::path(post, path = "/v1/plugins/{plugin}/versions/{version}/activate", tag = "plugins", params(VersionPath),
    responses((status = 200, body = PluginView)))]
pub(super) async fn activate(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<VersionPath>,
) -> Result<Json<PluginView>, ApiError> {
    principal.admin_write()?;
    Ok(Json(app.service.activate_plugin(&principal.actor(), &p.plugin, &p.version).await?))
}

/// Makes the previously active version active again (409 when there is none).
#[utoipa::path(post, path = "/v1/plugins/{plugin}/rollback", tag = "plugins", params(PluginPath),
    responses((status = 200, body = PluginView)))]
pub(super) async fn rollback(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<PluginPath>,
) -> Result<Json<PluginView>, ApiError> {
    principal.admin_write()?;
    Ok(Json(app.service.rollback_plugin(&principal.actor(), &p.plugin).await?))
}

/// Pins one install to a version other than the active one (a canary).
#[utoipa::path(put, path = "/v1/plugins/{plugin}/canaries/{tenant}/{install}", tag = "plugins", params(CanaryPath),
    request_body = PutCanary, responses((status = 200, body = PluginView)))]
pub(super) async fn put_canary(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<CanaryPath>,
    ApiJson(body): ApiJson<PutCanary>,
) -> Result<Json<PluginView>, ApiError> {
    principal.admin_write()?;
    let view =
        app.service.set_plugin_canary(&principal.actor(), &p.plugin, &p.tenant, &p.install, &body.version).await?;
    Ok(Json(view))
}

/// Returns the install to the plugin's active version.
#[utoipa::path(delete, path = "/v1/plugins/{plugin}/canaries/{tenant}/{install}", tag = "plugins", params(CanaryPath),
    responses((status = 200, body = PluginView)))]
pub(super) async fn delete_canary(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<CanaryPath>,
) -> Result<Json<PluginView>, ApiError> {
    principal.admin_write()?;
    Ok(Json(app.service.clear_plugin_canary(&principal.actor(), &p.plugin, &p.tenant, &p.install).await?))
}
