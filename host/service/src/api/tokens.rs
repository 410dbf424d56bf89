//! Bearer tokens: admin tokens at `/v1/tokens` (admin only), a tenant's
//! tokens under its own path. A new token's secret is in the creation
//! answer and nowhere else, ever.

use super::auth::{Access, Principal, Scope};
use super::{ApiJson, ApiState, TenantPath};
use crate::domain::{ApiToken, TenantId};
use crate::intake::ApiError;
use crate::service::IssuedToken;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    /// The tenant it is scoped to; absent for an admin token.
    pub tenant: Option<TenantId>,
    pub access: Access,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        let tenant = match t.scope {
            Scope::Admin => None,
            Scope::Tenant(id) => Some(id),
        };
        TokenView {
            id: t.id,
            tenant,
            access: t.access,
            label: t.label,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub access: Access,
    /// What the token is for, e.g. "visitor-management intake".
    pub label: String,
}

/// The only answer that carries a token's secret: keep it now.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// `Authorization: Bearer <secret>`.
    pub secret: String,
}

impl From<IssuedToken> for CreatedToken {
    fn from(issued: IssuedToken) -> Self {
        CreatedToken { token: issued.token.into(), secret: issued.secret }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct AdminTokenPath {
    /// The token's id (not its secret).
    token: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(super) struct TenantTokenPath {
    tenant: TenantId,
    /// The token's id (not its secret).
    token: String,
}

async fn create_in(
    app: &ApiState,
    principal: &Principal,
    scope: Scope,
    body: CreateToken,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let issued = app.service.create_token(&principal.actor(), scope, body.access, &body.label).await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

async fn list_in(app: &ApiState, scope: &Scope) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(app.service.list_tokens(scope).await?.into_iter().map(TokenView::from).collect()))
}

#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", responses((status = 200, body = Vec<TokenView>)))]
pub(super) async fn list_admin(
    State(app): State<ApiState>,
    principal: Principal,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    principal.admin_read()?;
    list_in(&app, &Scope::Admin).await
}

/// Creates an admin token.
#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", request_body = CreateToken, responses((status = 201, body = CreatedToken)))]
pub(super) async fn create_admin(
    State(app): State<ApiState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    principal.admin_write()?;
    create_in(&app, &principal, Scope::Admin, body).await
}

#[utoipa::path(delete, path = "/v1/tokens/{token}", tag = "tokens", params(AdminTokenPath), responses((status = 204)))]
pub(super) async fn revoke_admin(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<AdminTokenPath>,
) -> Result<StatusCode, ApiError> {
    principal.admin_write()?;
    app.service.revoke_token(&principal.actor(), &Scope::Admin, &p.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/tokens", tag = "tokens", params(TenantPath), responses((status = 200, body = Vec<TokenView>)))]
pub(super) async fn list(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    principal.read(&p.tenant)?;
    list_in(&app, &Scope::Tenant(p.tenant)).await
}

/// Creates a token scoped to the tenant.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/tokens", tag = "tokens", params(TenantPath), request_body = CreateToken,
    responses((status = 201, body = CreatedToken)))]
pub(super) async fn create(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    principal.write(&p.tenant)?;
    create_in(&app, &principal, Scope::Tenant(p.tenant), body).await
}

#[utoipa::path(delete, path = "/v1/tenants/{tenant}/tokens/{token}", tag = "tokens", params(TenantTokenPath), responses((status = 204)))]
pub(super) async fn revoke(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantTokenPath>,
) -> Result<StatusCode, ApiError> {
    principal.write(&p.tenant)?;
    app.service.revoke_token(&principal.actor(), &Scope::Tenant(p.tenant), &p.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
