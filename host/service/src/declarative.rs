//! `gatehouse apply <file.toml>`: the whole set-up of a deployment as one
//! reviewed file, applied through the [`Service`] so every rule and audit
//! entry is the same as through the API.
//!
//! ```toml
//! [tenants.acme]
//! name = "Acme"
//!
//! [tenants.acme.delivery]                  # optional; what it leaves out stays as stored
//! smtp = { host = "smtp.acme.example", port = 587, security = "start-tls", username = "reception", password = "...", from = "Reception <reception@acme.example>" }
//! email_template_file = "credential-email.txt" # or `email_template = """..."""` inline
//! outbound_webhook = { url = "https://vms.acme.example/occupancy", secret = "..." }
//!
//! [tenants.acme.locations.paris-hq]
//! name = "Paris HQ"
//! time_zone = "Europe/Paris"                # IANA name
//!
//! [tenants.acme.installs.paris-genetec]
//! location = "paris-hq"                     # declared above, or already stored for the tenant
//! plugin = "genetec"                        # an active plugin of the plugins directory
//! enabled = true                            # default true
//! webhook_secret = "envoy-client-secret"    # optional: the Envoy webhook's HMAC key
//! policy_file = "paris-genetec.policy.toml" # relative to this file; or `policy = """..."""` inline
//! config = { web_sdk_url = "https://sc.example.com:4590/WebSdk", username = "envoy", application_id = "..." }
//! secrets = { password = "..." }            # the plugin's install secrets, sealed in the runtime
//! card_pools = [{ facility_code = 101, format = "wiegand-standard-26", min = 5000, max = 5999 }]
//!
//! [tenants.acme.installs.paris-genetec.grants.http]  # the runtime's grant shapes
//! base_urls = ["https://sc.example.com:4590/WebSdk"]
//! allow_loopback = false
//! allow_private = false
//! tls = { accept_self_signed = true }
//! ```
//!
//! The whole file is checked first (ids, time zones, references, grants, card
//! pools, secret names, policies against the plugin's manifest); one problem and
//! nothing is written, and every problem is reported with its item. Applying
//! is idempotent: unchanged tenants, locations and installs are not written
//! again, and an unchanged policy gets no new version. Secrets cannot be read
//! back to compare, so they are sealed again on every apply.

use crate::delivery::check_template;
use crate::domain::{CardPool, Install, InstallId, Location, LocationId, TenantId};
use crate::gateway::{is_valid_secret_name, RuntimeGateway};
use crate::service::{check_outbound_webhook, InstallSpec, Service, ServiceError, SmtpRelaySpec};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The actor named in the audit trail.
const ACTOR: &str = "gatehouse apply";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupFile {
    #[serde(default)]
    tenants: BTreeMap<TenantId, TenantDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantDecl {
    name: String,
    #[serde(default)]
    locations: BTreeMap<LocationId, LocationDecl>,
    #[serde(default)]
    installs: BTreeMap<InstallId, InstallDecl>,
    #[serde(default)]
    delivery: DeliveryDecl,
}

/// The tenant's delivery settings; each one left out is left as stored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryDecl {
    #[serde(default)]
    smtp: Option<SmtpRelaySpec>,
    #[serde(default)]
    email_template: Option<String>,
    #[serde(default)]
    email_template_file: Option<PathBuf>,
    #[serde(default)]
    outbound_webhook: Option<WebhookDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookDecl {
    url: String,
    secret: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationDecl {
    name: String,
    time_zone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallDecl {
    location: LocationId,
    plugin: String,
    #[serde(default = "enabled")]
    enabled: bool,
    #[serde(default)]
    config: Option<serde_json::Value>,
    #[serde(default)]
    grants: Option<serde_json::Value>,
    #[serde(default)]
    card_pools: Vec<CardPool>,
    #[serde(default)]
    webhook_secret: Option<String>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    policy_file: Option<PathBuf>,
}

fn enabled() -> bool {
    true
}

/// Why a file was not applied. Nothing is written for `Read`, `Parse` and
/// `Invalid`; `Write` stops part-way (a store or secret failure), and
/// applying the same file again finishes the job.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not a valid set-up file: {message}")]
    Parse { path: String, message: String },
    #[error("{path} was not applied, nothing was changed:{}", Problems(.problems))]
    Invalid { path: String, problems: Vec<Problem> },
    #[error("{path}: applying {item} failed: {message}")]
    Write { path: String, item: String, message: String },
}

/// One thing wrong with one item of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// e.g. `tenants.acme.installs.paris-genetec.policy`.
    pub item: String,
    pub message: String,
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|p| write!(f, "\n  {}: {}", p.item, p.message))
    }
}

/// What applying changed, one line per item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub lines: Vec<String>,
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.lines.iter().try_for_each(|line| writeln!(f, "{line}"))
    }
}

/// A checked file, ready to write.
struct Plan {
    /// The e-mail template of each tenant that declares one, read from its file.
    templates: BTreeMap<TenantId, String>,
    installs: Vec<PlannedInstall>,
}

/// A checked install, ready to write.
struct PlannedInstall {
    tenant: TenantId,
    spec: InstallSpec,
    secrets: BTreeMap<String, String>,
    policy: Option<String>,
}

/// Reads, checks and applies `path`; secrets are sealed and audited by the service.
pub async fn apply_file(service: &Service, path: &Path) -> Result<ApplyReport, ApplyError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ApplyError::Read { path: shown.clone(), source })?;
    let file: SetupFile =
        toml::from_str(&text).map_err(|e| ApplyError::Parse { path: shown.clone(), message: e.to_string() })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let plan = check(service, &file, base_dir)
        .await
        .map_err(|problems| ApplyError::Invalid { path: shown.clone(), problems })?;
    write(service, &file, plan).await.map_err(|(item, message)| ApplyError::Write { path: shown, item, message })
}

/// Every problem of the file, or what will be written.
async fn check(service: &Service, file: &SetupFile, base_dir: &Path) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |item: String, message: String| problems.push(Problem { item, message });
    let mut planned = Vec::new();
    let mut templates = BTreeMap::new();
    let mut seen_installs = BTreeMap::new();
    for (tenant, decl) in &file.tenants {
        let at = format!("tenants.{tenant}");
        if let Err(message) = check_id(tenant.as_str()) {
            problem(at.clone(), message);
        }
        for (id, location) in &decl.locations {
            let at = format!("{at}.locations.{id}");
            if let Err(message) = check_id(id.as_str()) {
                problem(at.clone(), message);
            }
            if location.time_zone.parse::<chrono_tz::Tz>().is_err() {
                problem(
                    format!("{at}.time_zone"),
                    format!("`{}` is not an IANA time zone (e.g. Europe/Paris)", location.time_zone),
                );
            }
        }
        let delivery = &decl.delivery;
        if let Err(e) = delivery.smtp.as_ref().map_or(Ok(()), SmtpRelaySpec::check) {
            problem(format!("{at}.delivery.smtp"), e.to_string());
        }
        if let Err(e) = delivery.outbound_webhook.as_ref().map_or(Ok(()), |w| check_outbound_webhook(&w.url, &w.secret))
        {
            problem(format!("{at}.delivery.outbound_webhook"), e.to_string());
        }
        match text_or_file(&delivery.email_template, &delivery.email_template_file, base_dir) {
            Ok(Some(template)) => match check_template(&template) {
                Ok(()) => {
                    templates.insert(tenant.clone(), template);
                }
                Err(message) => problem(format!("{at}.delivery.email_template"), message),
            },
            Ok(None) => {}
            Err(message) => problem(format!("{at}.delivery.email_template_file"), message),
        }
        for (id, install) in &decl.installs {
            let at = format!("{at}.installs.{id}");
            if let Err(message) = check_id(id.as_str()) {
                problem(at.clone(), message);
            }
            if let Some(other) = seen_installs.insert(id.clone(), tenant.clone()) {
                problem(at.clone(), format!("install ids are global; `{id}` is also declared for tenant `{other}`"));
            }
            match found(service.webhook_install(id).await) {
                Ok(Some((stored, _))) if &stored.tenant_id != tenant => {
                    problem(at.clone(), format!("install `{id}` already belongs to tenant `{}`", stored.tenant_id))
                }
                Ok(_) => {}
                Err(e) => problem(at.clone(), e.to_string()),
            }
            if !decl.locations.contains_key(&install.location)
                && !matches!(found(service.location(tenant, &install.location).await), Ok(Some(_)))
            {
                problem(
                    format!("{at}.location"),
                    format!("location `{}` is neither declared for tenant `{tenant}` nor stored", install.location),
                );
            }
            for name in install.secrets.keys().filter(|name| !is_valid_secret_name(name)) {
                problem(
                    format!("{at}.secrets"),
                    format!("`{name}` is not a valid secret name (1-64 of a-z, A-Z, 0-9, '-', '_', '.')"),
                );
            }
            let spec = InstallSpec {
                id: id.clone(),
                location_id: install.location.clone(),
                plugin_id: install.plugin.clone(),
                config: install.config.clone().unwrap_or_else(|| serde_json::json!({})),
                grants: install.grants.clone().unwrap_or_else(|| serde_json::json!({})),
                enabled: install.enabled,
                card_pools: install.card_pools.clone(),
                webhook_secret: install.webhook_secret.clone(),
            };
            if let Err(message) = RuntimeGateway::check_grants(&spec.grants) {
                problem(format!("{at}.grants"), message);
            }
            if let Err(e) = spec.check_card_pools() {
                problem(format!("{at}.card_pools"), e.to_string());
            }
            let policy = match text_or_file(&install.policy, &install.policy_file, base_dir) {
                Ok(policy) => policy,
                Err(message) => {
                    problem(format!("{at}.policy_file"), message);
                    None
                }
            };
            if let Some(source) = &policy {
                if let Err(e) = service.check_policy(&spec.install_of(tenant), &spec.card_pools, source).await {
                    problem(format!("{at}.policy"), e.to_string());
                }
            }
            planned.push(PlannedInstall { tenant: tenant.clone(), spec, secrets: install.secrets.clone(), policy });
        }
    }
    if problems.is_empty() {
        Ok(Plan { templates, installs: planned })
    } else {
        Err(problems)
    }
}

/// Ids appear in URLs, logs and audit subjects: keep them plain.
fn check_id(id: &str) -> Result<(), String> {
    let plain = (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if plain {
        Ok(())
    } else {
        Err(format!("`{id}` is not a valid id (1-64 of a-z, A-Z, 0-9, '-', '_', '.')"))
    }
}

/// The inline text (a policy, a template), or its file read relative to the set-up file.
fn text_or_file(inline: &Option<String>, file: &Option<PathBuf>, base_dir: &Path) -> Result<Option<String>, String> {
    match (inline, file) {
        (Some(_), Some(_)) => Err("give the text inline or as a file, not both".into()),
        (Some(inline), None) => Ok(Some(inline.clone())),
        (None, Some(file)) => {
            let path = base_dir.join(file);
            std::fs::read_to_string(&path).map(Some).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        (None, None) => Ok(None),
    }
}

/// Writes the checked file in order: tenants with their delivery settings,
/// locations, installs with their secrets and policies. An error names the
/// item it stopped at.
async fn write(service: &Service, file: &SetupFile, plan: Plan) -> Result<ApplyReport, (String, String)> {
    let mut report = ApplyReport::default();
    for (tenant, decl) in &file.tenants {
        let item = format!("tenant {tenant}");
        let fail = |e: ServiceError| (item.clone(), e.to_string());
        let stored = found(service.tenant(tenant).await).map_err(fail)?;
        if stored.as_ref().is_some_and(|t| t.name == decl.name) {
            report.lines.push(format!("{item}: unchanged"));
        } else {
            service.put_tenant(ACTOR, tenant, &decl.name).await.map_err(fail)?;
            report.lines.push(format!("{item}: {}", if stored.is_some() { "updated" } else { "created" }));
        }
        write_delivery(service, tenant, &decl.delivery, plan.templates.get(tenant), &mut report).await?;
        for (id, location) in &decl.locations {
            let item = format!("location {tenant}/{id}");
            let fail = |e: ServiceError| (item.clone(), e.to_string());
            let stored = found(service.location(tenant, id).await).map_err(fail)?;
            let same = |l: &Location| l.name == location.name && l.time_zone.name() == location.time_zone;
            if stored.as_ref().is_some_and(same) {
                report.lines.push(format!("{item}: unchanged"));
            } else {
                service.put_location(ACTOR, tenant, id, &location.name, &location.time_zone).await.map_err(fail)?;
                report.lines.push(format!("{item}: {}", if stored.is_some() { "updated" } else { "created" }));
            }
        }
    }
    for planned in plan.installs {
        let (tenant, id) = (&planned.tenant, planned.spec.id.clone());
        let item = format!("install {tenant}/{id}");
        let fail = |e: ServiceError| (item.clone(), e.to_string());
        let stored = found(service.install(tenant, &id).await).map_err(fail)?;
        if install_unchanged(service, stored.as_ref(), &planned).await.map_err(fail)? {
            report.lines.push(format!("{item}: unchanged"));
        } else {
            service.put_install(ACTOR, tenant, planned.spec.clone()).await.map_err(fail)?;
            report.lines.push(format!("{item}: {}", if stored.is_some() { "updated" } else { "created" }));
        }
        if !planned.secrets.is_empty() {
            for (name, value) in &planned.secrets {
                service.set_secret(ACTOR, tenant, &id, name, value).await.map_err(fail)?;
            }
            report.lines.push(format!("{item}: {} secret(s) sealed", planned.secrets.len()));
        }
        if let Some(source) = &planned.policy {
            let put = service.put_policy_if_changed(ACTOR, tenant, &id, source).await.map_err(fail)?;
            let what = if put.created { "stored as version" } else { "unchanged at version" };
            report.lines.push(format!("{item}: policy {what} {}", put.version));
        }
    }
    Ok(report)
}

/// Each declared delivery setting, unless the tenant already has it.
async fn write_delivery(
    service: &Service,
    tenant: &TenantId,
    decl: &DeliveryDecl,
    template: Option<&String>,
    report: &mut ApplyReport,
) -> Result<(), (String, String)> {
    let fail = |what: &str| {
        let item = format!("delivery {tenant}/{what}");
        move |e: ServiceError| (item, e.to_string())
    };
    let mut line = |what: &str, unchanged: bool| {
        report.lines.push(format!("delivery {tenant}/{what}: {}", if unchanged { "unchanged" } else { "set" }));
    };
    if let Some(spec) = &decl.smtp {
        let unchanged = service.smtp_relay_is(tenant, spec).await.map_err(fail("smtp"))?;
        if !unchanged {
            service.set_smtp_relay(ACTOR, tenant, spec.clone()).await.map_err(fail("smtp"))?;
        }
        line("smtp", unchanged);
    }
    if let Some(template) = template {
        let stored = service.delivery_settings(tenant).await.map_err(fail("email-template"))?.email_template;
        let unchanged = stored.as_ref() == Some(template);
        if !unchanged {
            service.set_email_template(ACTOR, tenant, template).await.map_err(fail("email-template"))?;
        }
        line("email-template", unchanged);
    }
    if let Some(hook) = &decl.outbound_webhook {
        let unchanged =
            service.outbound_webhook_is(tenant, &hook.url, &hook.secret).await.map_err(fail("outbound-webhook"))?;
        if !unchanged {
            service
                .set_outbound_webhook(ACTOR, tenant, &hook.url, &hook.secret)
                .await
                .map_err(fail("outbound-webhook"))?;
        }
        line("outbound-webhook", unchanged);
    }
    Ok(())
}

async fn install_unchanged(
    service: &Service,
    stored: Option<&(Install, Vec<CardPool>)>,
    planned: &PlannedInstall,
) -> Result<bool, ServiceError> {
    let Some((stored, pools)) = stored else { return Ok(false) };
    if *stored != planned.spec.install_of(&planned.tenant) || *pools != planned.spec.card_pools {
        return Ok(false);
    }
    Ok(match &planned.spec.webhook_secret {
        Some(secret) => service.webhook_secret(stored).await?.as_deref() == Some(secret.as_bytes()),
        None => true,
    })
}

/// A lookup whose "not found" is an answer, not a failure.
fn found<T>(result: Result<T, ServiceError>) -> Result<Option<T>, ServiceError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(ServiceError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
