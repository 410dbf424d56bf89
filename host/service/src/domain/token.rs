//! Management API tokens: who may see and change which tenant's data.
//!
//! A token is admin (every tenant, and the global plugin catalog) or scoped
//! to one tenant, and read-only or read-write. Only its SHA-256 is stored;
//! the secret is shown once, when it is created.

use super::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The tenant under which system-wide changes (admin tokens, plugin
/// activation) are audited. No customer can be created with this id.
pub fn system_tenant() -> TenantId {
    TenantId::new("_system")
}

/// Which tenants a token reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenScope {
    /// Every tenant, and what is global.
    Admin,
    Tenant(TenantId),
}

impl TokenScope {
    /// The tenant its changes are audited under.
    pub fn audit_tenant(&self) -> TenantId {
        match self {
            TokenScope::Admin => system_tenant(),
            TokenScope::Tenant(id) => id.clone(),
        }
    }

    pub fn reaches(&self, tenant: &TenantId) -> bool {
        match self {
            TokenScope::Admin => true,
            TokenScope::Tenant(own) => own == tenant,
        }
    }
}

/// Whether a token may change anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TokenAccess {
    ReadOnly,
    ReadWrite,
}

/// A stored token, without its secret.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiToken {
    pub id: String,
    pub scope: TokenScope,
    pub access: TokenAccess,
    /// What the operator called it, e.g. "ci deploy".
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}
