//! Who is calling: the bearer token of a request, and what it may touch.
//!
//! Every handler extracts a [`Principal`] and asks it before calling the
//! service: `read`/`write` for a tenant's data, `admin_read`/`admin_write`
//! for what is global. A tenant token asking about another tenant is refused
//! the same way whether that tenant exists or not, so ids leak nothing.

use super::ApiState;
use crate::domain::{ApiToken, TenantId};
use crate::intake::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};

pub use crate::domain::{TokenAccess as Access, TokenScope as Scope};

/// The caller, as its token says.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub token_id: String,
    pub scope: Scope,
    pub access: Access,
}

fn forbidden(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
}

impl Principal {
    /// May this token read the tenant's data?
    pub fn read(&self, tenant: &TenantId) -> Result<(), ApiError> {
        if self.scope.reaches(tenant) {
            Ok(())
        } else {
            Err(forbidden(format!("this token is not scoped to tenant `{tenant}`")))
        }
    }

    /// May this token change the tenant's data?
    pub fn write(&self, tenant: &TenantId) -> Result<(), ApiError> {
        self.read(tenant)?;
        self.writable()
    }

    /// May this token read what is global (plugins, every tenant)?
    pub fn admin_read(&self) -> Result<(), ApiError> {
        match self.scope {
            Scope::Admin => Ok(()),
            Scope::Tenant(_) => Err(forbidden("this needs an admin token")),
        }
    }

    pub fn admin_write(&self) -> Result<(), ApiError> {
        self.admin_read()?;
        self.writable()
    }

    /// The audit trail's name for the caller.
    pub fn actor(&self) -> String {
        format!("token:{}", self.token_id)
    }

    fn writable(&self) -> Result<(), ApiError> {
        match self.access {
            Access::ReadWrite => Ok(()),
            Access::ReadOnly => Err(forbidden("this token is read-only")),
        }
    }
}

impl From<ApiToken> for Principal {
    fn from(token: ApiToken) -> Self {
        Principal { token_id: token.id, scope: token.scope, access: token.access }
    }
}

fn unauthenticated(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
}

impl FromRequestParts<ApiState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| unauthenticated("send `Authorization: Bearer <token>`"))?;
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
        let token = state
            .service
            .authenticate(secret)
            .await?
            .ok_or_else(|| unauthenticated("the token is unknown or revoked"))?;
        Ok(token.into())
    }
}
