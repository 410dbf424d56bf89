//! The command groups and the API call each command is.

use super::{read_json, ApiRequest, Body};
use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use std::path::PathBuf;

fn installs(tenant: &str) -> String {
    format!("/v1/tenants/{tenant}/installs")
}

/// Tenants, their locations and delivery settings.
#[derive(Subcommand, Debug)]
pub enum TenantCommand {
    /// List the tenants the token reaches.
    List,
    /// Create a tenant (admin tokens only).
    Create {
        id: String,
        #[arg(long)]
        name: String,
    },
    /// List the tenant's locations.
    Locations {
        #[arg(long)]
        tenant: String,
    },
    /// Create or update a location; zone-less times of its events are read in its time zone.
    PutLocation {
        #[arg(long)]
        tenant: String,
        location: String,
        #[arg(long)]
        name: String,
        /// An IANA time zone, e.g. Europe/Paris.
        #[arg(long)]
        time_zone: String,
    },
    /// Show the delivery settings (secrets only as "set").
    Delivery {
        #[arg(long)]
        tenant: String,
    },
    /// Set the SMTP relay of credential e-mails from a JSON file (host, port, security, username, password, from).
    SetSmtp {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Replace the credential e-mail template with a plain-text file.
    SetEmailTemplate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Send occupancy notifications to this URL, signed with HMAC-SHA256 under the secret.
    SetOutboundWebhook {
        #[arg(long)]
        tenant: String,
        url: String,
        #[arg(long, env = "GATEHOUSE_SECRET_VALUE", hide_env_values = true)]
        secret: String,
    },
}

impl TenantCommand {
    pub fn request(self) -> anyhow::Result<ApiRequest> {
        use TenantCommand::*;
        let delivery = |tenant: &str, setting: &str| format!("/v1/tenants/{tenant}/delivery{setting}");
        Ok(match self {
            List => ApiRequest::new(Method::GET, "/v1/tenants".into()),
            Create { id, name } => {
                ApiRequest::new(Method::POST, "/v1/tenants".into()).json(json!({ "id": id, "name": name }))
            }
            Locations { tenant } => ApiRequest::new(Method::GET, format!("/v1/tenants/{tenant}/locations")),
            PutLocation { tenant, location, name, time_zone } => {
                ApiRequest::new(Method::PUT, format!("/v1/tenants/{tenant}/locations/{location}"))
                    .json(json!({ "name": name, "time_zone": time_zone }))
            }
            Delivery { tenant } => ApiRequest::new(Method::GET, delivery(&tenant, "")),
            SetSmtp { tenant, file } => {
                ApiRequest::new(Method::PUT, delivery(&tenant, "/smtp")).json(read_json(&file)?)
            }
            SetEmailTemplate { tenant, file } => {
                let template =
                    std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
                ApiRequest::new(Method::PUT, delivery(&tenant, "/email-template")).json(json!({ "template": template }))
            }
            SetOutboundWebhook { tenant, url, secret } => {
                ApiRequest::new(Method::PUT, delivery(&tenant, "/outbound-webhook"))
                    .json(json!({ "url": url, "secret": secret }))
            }
        })
    }
}

/// Connector installs of a tenant.
#[derive(Subcommand, Debug)]
pub enum InstallCommand {
    /// List the tenant's installs.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Show one install.
    Get {
        #[arg(long)]
        tenant: String,
        install: String,
    },
    /// Create an install from a JSON spec (id, location_id, plugin_id, config, grants, card_pools, webhook_secret).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Reconfigure an install from a JSON spec (as create, without the id).
    Configure {
        #[arg(long)]
        tenant: String,
        install: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Let the install take events again.
    Enable {
        #[arg(long)]
        tenant: String,
        install: String,
    },
    /// Stop taking events for the install (queued work is kept).
    Disable {
        #[arg(long)]
        tenant: String,
        install: String,
    },
    /// Run the plugin's live validation of the install's configuration.
    Validate {
        #[arg(long)]
        tenant: String,
        install: String,
    },
    /// Write (or rotate) one of the install's secrets; the value is never shown again.
    SetSecret {
        #[arg(long)]
        tenant: String,
        install: String,
        name: String,
        #[arg(long, env = "GATEHOUSE_SECRET_VALUE", hide_env_values = true)]
        value: String,
    },
}

impl InstallCommand {
    pub fn request(self) -> anyhow::Result<ApiRequest> {
        use InstallCommand::*;
        Ok(match self {
            List { tenant } => ApiRequest::new(Method::GET, installs(&tenant)),
            Get { tenant, install } => ApiRequest::new(Method::GET, format!("{}/{install}", installs(&tenant))),
            Create { tenant, file } => ApiRequest::new(Method::POST, installs(&tenant)).json(read_json(&file)?),
            Configure { tenant, install, file } => {
                ApiRequest::new(Method::PUT, format!("{}/{install}", installs(&tenant))).json(read_json(&file)?)
            }
            Enable { tenant, install } => {
                ApiRequest::new(Method::POST, format!("{}/{install}/enable", installs(&tenant)))
            }
            Disable { tenant, install } => {
                ApiRequest::new(Method::POST, format!("{}/{install}/disable", installs(&tenant)))
            }
            Validate { tenant, install } => {
                ApiRequest::new(Method::POST, format!("{}/{install}/validate", installs(&tenant)))
            }
            SetSecret { tenant, install, name, value } => {
                ApiRequest::new(Method::PUT, format!("{}/{install}/secrets/{name}", installs(&tenant)))
                    .json(json!({ "value": value }))
            }
        })
    }
}

/// The policy of an install: what fires for which visitor type.
#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Show the current policy version.
    Get {
        #[arg(long)]
        tenant: String,
        install: String,
    },
    /// Store a policy (TOML) as the install's next version, after validating it against the plugin.
    Put {
        #[arg(long)]
        tenant: String,
        install: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// List every version of the install's policy.
    Versions {
        #[arg(long)]
        tenant: String,
        install: String,
    },
    /// Show the steps an event (JSON, our format) would plan, without running anything.
    DryRun {
        #[arg(long)]
        tenant: String,
        install: String,
        #[arg(long)]
        event: PathBuf,
        /// Try this policy (TOML) instead of the stored one.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

impl PolicyCommand {
    pub fn request(self) -> anyhow::Result<ApiRequest> {
        use PolicyCommand::*;
        let policy = |tenant: &str, install: &str| format!("{}/{install}/policy", installs(tenant));
        Ok(match self {
            Get { tenant, install } => ApiRequest::new(Method::GET, policy(&tenant, &install)),
            Put { tenant, install, file } => {
                let source =
                    std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
                ApiRequest::new(Method::PUT, policy(&tenant, &install)).json(json!({ "source": source }))
            }
            Versions { tenant, install } => {
                ApiRequest::new(Method::GET, format!("{}/versions", policy(&tenant, &install)))
            }
            DryRun { tenant, install, event, policy: candidate } => {
                let mut body = json!({ "event": read_json(&event)? });
                if let Some(path) = candidate {
                    body["policy"] = json!(std::fs::read_to_string(&path)
                        .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?);
                }
                ApiRequest::new(Method::POST, format!("{}/dry-run", policy(&tenant, &install))).json(body)
            }
        })
    }
}

/// Connector components: upload, activate (a hot-swap), roll back. Admin tokens only.
#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// List plugins with their versions, the active one and canaries.
    List,
    /// Upload a component (.wasm) as a new version; it is validated and kept, not activated.
    Upload { file: PathBuf },
    /// Make a version the one new calls go to; calls in flight finish on their version.
    Activate { plugin: String, version: String },
    /// Make the previously active version active again.
    Rollback { plugin: String },
}

impl PluginCommand {
    pub fn request(self) -> anyhow::Result<ApiRequest> {
        use PluginCommand::*;
        Ok(match self {
            List => ApiRequest::new(Method::GET, "/v1/plugins".into()),
            Upload { file } => {
                let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
                ApiRequest { body: Body::Wasm(bytes), ..ApiRequest::new(Method::POST, "/v1/plugins".into()) }
            }
            Activate { plugin, version } => {
                ApiRequest::new(Method::POST, format!("/v1/plugins/{plugin}/versions/{version}/activate"))
            }
            Rollback { plugin } => ApiRequest::new(Method::POST, format!("/v1/plugins/{plugin}/rollback")),
        })
    }
}

/// Jobs: what each event caused, step by step.
#[derive(Subcommand, Debug)]
pub enum JobCommand {
    /// List jobs, newest first, optionally by status (queued, running, done, ignored, failed, dead), visit or install.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        visit: Option<String>,
        #[arg(long)]
        install: Option<String>,
    },
    /// Show one job with its steps, errors and attachments.
    Get {
        #[arg(long)]
        tenant: String,
        job: String,
    },
    /// Run a dead job again from its first unfinished step.
    Redrive {
        #[arg(long)]
        tenant: String,
        job: String,
    },
}

impl JobCommand {
    pub fn request(self) -> anyhow::Result<ApiRequest> {
        use JobCommand::*;
        Ok(match self {
            List { tenant, status, visit, install } => {
                let mut request = ApiRequest::new(Method::GET, format!("/v1/tenants/{tenant}/jobs"));
                request.query = [("status", status), ("visit", visit), ("install", install)]
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect();
                request
            }
            Get { tenant, job } => ApiRequest::new(Method::GET, format!("/v1/tenants/{tenant}/jobs/{job}")),
            Redrive { tenant, job } => {
                ApiRequest::new(Method::POST, format!("/v1/tenants/{tenant}/jobs/{job}/redrive"))
            }
        })
    }
}

/// API tokens, through the API (`gatehouse token create` makes one offline).
#[derive(Subcommand, Debug)]
pub enum TokenApiCommand {
    /// List tokens (never their secrets): a tenant's, or the admin tokens without --tenant.
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Create a token and print its secret, once.
    Create {
        /// A token of this tenant; without it, an admin token.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        read_only: bool,
        #[arg(long)]
        label: String,
    },
    /// Revoke a token by its id. (The field is not called `token`: that name is the global --token.)
    Revoke {
        #[arg(long)]
        tenant: Option<String>,
        /// The token's id (not its secret).
        id: String,
    },
}

impl TokenApiCommand {
    pub fn request(self) -> anyhow::Result<ApiRequest> {
        use TokenApiCommand::*;
        let base = |tenant: &Option<String>| match tenant {
            Some(tenant) => format!("/v1/tenants/{tenant}/tokens"),
            None => "/v1/tokens".to_string(),
        };
        Ok(match self {
            List { tenant } => ApiRequest::new(Method::GET, base(&tenant)),
            Create { tenant, read_only, label } => {
                let access = if read_only { "read-only" } else { "read-write" };
                ApiRequest::new(Method::POST, base(&tenant)).json(json!({ "access": access, "label": label }))
            }
            Revoke { tenant, id } => ApiRequest::new(Method::DELETE, format!("{}/{id}", base(&tenant))),
        })
    }
}
