//! Tenants and installs: who the customer is and which connector serves
//! which of its locations, with what configuration.

use super::{InstallId, LocationId, TenantId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub settings: TenantSettings,
}

/// Per-tenant delivery settings. Secrets inside are sealed (base64).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    #[serde(default)]
    pub smtp: Option<SmtpRelay>,
    /// Receives occupancy ("employee signed in") notifications.
    #[serde(default)]
    pub outbound_webhook: Option<OutboundWebhook>,
    /// Replaces the default credential e-mail template when set.
    #[serde(default)]
    pub email_template: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpSecurity {
    /// No TLS: only for a relay on the same host or a test sink.
    #[default]
    Plain,
    StartTls,
    Tls,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpRelay {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    /// Sealed, base64.
    #[serde(default)]
    pub password_sealed: Option<String>,
    /// The sender address, e.g. "Reception <reception@example.com>".
    pub from: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundWebhook {
    pub url: String,
    /// HMAC key, sealed, base64.
    pub secret_sealed: String,
}

/// A range of card numbers for one facility code of one install.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardPool {
    pub facility_code: u32,
    /// Vendor card format name, e.g. "wiegand-standard-26".
    pub format: String,
    pub min: u64,
    pub max: u64,
}

/// One connector plugin bound to one location of one tenant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Install {
    pub id: InstallId,
    pub tenant_id: TenantId,
    pub location_id: LocationId,
    pub plugin_id: String,
    /// Configuration JSON matching the plugin's config schema.
    pub config: serde_json::Value,
    /// HTTP/SQL capability grants, enforced by the runtime.
    pub grants: serde_json::Value,
    pub enabled: bool,
}
