//! What one install may do.
//!
//! A connector runs with exactly the capabilities of the install it serves:
//! the caller passes an [`InstallGrant`] with every call, and each capability
//! checks it. Nothing a component says can widen it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::limits::CallLimits;

/// Who a call acts for: the tenant and the install (one connector bound to
/// one location). Secrets, kv state and concurrency are all scoped by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstallScope {
    pub tenant_id: String,
    pub install_id: String,
}

impl InstallScope {
    pub fn new(tenant_id: impl Into<String>, install_id: impl Into<String>) -> Self {
        Self { tenant_id: tenant_id.into(), install_id: install_id.into() }
    }
}

impl std::fmt::Display for InstallScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.tenant_id, self.install_id)
    }
}

/// Everything one install is allowed to reach, and the limits of its calls.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InstallGrant {
    pub scope: InstallScope,
    /// The plugin this install runs, e.g. "genetec".
    pub plugin_id: String,
    pub http: HttpGrant,
    /// SQL label (as the connector names it) to the DSN the operator chose.
    pub sql: BTreeMap<String, SqlDsn>,
    pub limits: CallLimits,
}

impl InstallGrant {
    /// A grant that reaches nothing: no URLs, no SQL labels, default limits.
    pub fn new(scope: InstallScope, plugin_id: impl Into<String>) -> Self {
        Self {
            scope,
            plugin_id: plugin_id.into(),
            http: HttpGrant::default(),
            sql: BTreeMap::new(),
            limits: CallLimits::default(),
        }
    }
}

/// Outbound HTTP rules of an install. What an operator leaves out is the
/// safe choice (no loopback, no private ranges, system roots only); a
/// misspelt field is refused rather than silently granting nothing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpGrant {
    /// A request URL must match one of these in scheme, host and port, and
    /// start with its path (at a segment boundary).
    pub base_urls: Vec<Url>,
    /// Allow 127.0.0.0/8 and ::1 (a simulator or agent on the same machine).
    pub allow_loopback: bool,
    /// Allow private, shared and link-local ranges (10/8, 172.16/12,
    /// 192.168/16, 100.64/10, 169.254/16, fc00::/7, fe80::/10). Cloud metadata
    /// addresses stay denied even then.
    pub allow_private: bool,
    pub tls: TlsOptions,
}

/// How the install trusts the vendor's TLS certificate. These are operator
/// settings; a connector cannot loosen them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsOptions {
    /// An extra CA (PEM, one or more certificates) trusted for this install.
    pub custom_ca_pem: Option<String>,
    /// Accept any server certificate, for appliances with a self-signed one.
    /// This also skips the host name check.
    pub accept_self_signed: bool,
}

/// A SQL Server connection the operator configured for a label. Left out,
/// `encrypt` is `required` and the certificate is validated; a misspelt field
/// is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlDsn {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// Name of the install secret holding the password; `None` for an empty
    /// password. The connector never sees either.
    #[serde(default)]
    pub password_secret: Option<String>,
    #[serde(default)]
    pub encrypt: EncryptMode,
    /// Accept the server's certificate without validation.
    #[serde(default)]
    pub trust_server_cert: bool,
}

/// TDS encryption, as SQL Server clients name the choices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EncryptMode {
    /// No TLS at all.
    Off,
    /// TLS for the login packet only (the SQL Server default of old clients).
    LoginOnly,
    /// TLS for the whole session.
    #[default]
    Required,
}
