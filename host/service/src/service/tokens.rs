//! Issuing and revoking management API tokens. A token is 32 random bytes,
//! shown once; the store keeps only its SHA-256, so a stolen database
//! grants nothing.

use super::{Service, ServiceError};
use crate::domain::{system_tenant, ApiToken, TokenAccess, TokenScope};
use base64::Engine;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Every token starts with this, so a leaked one is easy to recognise.
const TOKEN_PREFIX: &str = "gh_";

/// A token just created: the only time its secret exists outside the caller.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: ApiToken,
    pub secret: String,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Service {
    /// Creates a token of `scope` and `access`; its secret is in the answer only.
    pub async fn create_token(
        &self,
        actor: &str,
        scope: TokenScope,
        access: TokenAccess,
        label: &str,
    ) -> Result<IssuedToken, ServiceError> {
        if let TokenScope::Tenant(tenant) = &scope {
            if *tenant == system_tenant() {
                return Err(ServiceError::InvalidInput(
                    "the system tenant has no tokens of its own; create an admin token".into(),
                ));
            }
            self.store.tenant(tenant).await?.ok_or_else(|| ServiceError::not_found("tenant", tenant))?;
        }
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
        let token = ApiToken {
            id: uuid::Uuid::new_v4().to_string(),
            scope,
            access,
            label: label.into(),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_token(&token, &hash(&secret)).await?;
        let detail =
            json!({ "after": { "label": label, "access": access, "admin": token.scope == TokenScope::Admin } });
        self.audit(&mut tx, &token.scope.audit_tenant(), actor, "token.create", format!("token:{}", token.id), detail)
            .await?;
        tx.commit().await?;
        Ok(IssuedToken { token, secret })
    }

    /// The first admin token, made offline against the data directory (the
    /// API cannot create one before a token exists).
    pub async fn bootstrap_admin_token(&self, access: TokenAccess, label: &str) -> Result<IssuedToken, ServiceError> {
        self.create_token("bootstrap", TokenScope::Admin, access, label).await
    }

    /// Revokes a token of exactly `scope`; a token of another scope is not found.
    pub async fn revoke_token(&self, actor: &str, scope: &TokenScope, id: &str) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        if !tx.revoke_token(scope, id, self.clock.now()).await? {
            return Err(ServiceError::not_found("live token", id));
        }
        self.audit(&mut tx, &scope.audit_tenant(), actor, "token.revoke", format!("token:{id}"), json!({})).await?;
        Ok(tx.commit().await?)
    }

    /// The tokens of exactly `scope`, revoked ones included; never a secret.
    pub(crate) async fn list_tokens(&self, scope: &TokenScope) -> Result<Vec<ApiToken>, ServiceError> {
        Ok(self.store.tokens(scope).await?)
    }

    /// The live token a bearer secret belongs to, if any.
    pub(crate) async fn authenticate(&self, secret: &str) -> Result<Option<ApiToken>, ServiceError> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        Ok(self.store.live_token_by_hash_any_tenant(&hash(secret)).await?)
    }
}
