//! `gatehouse apply`: a declarative set-up file, applied through the service
//! over a real data directory and runtime with the built example component.

use gatehouse::config::Config;
use gatehouse::declarative::{apply_file, ApplyError};
use gatehouse::domain::{InstallId, LocationId, TenantId};
use gatehouse::service::{Service, ServiceError};
use gatehouse::store::AuditFilter;
use std::path::Path;

const POLICY: &str = r#"
[employees]
mode = "check-in-required"
method = "toggle-groups"
groups = { groups = ["staff"] }
"#;

const SETUP: &str = r#"
[tenants.acme]
name = "Acme"

[tenants.acme.delivery]
smtp = { host = "127.0.0.1", port = 2525, username = "reception", password = "relay-pass", from = "Reception <reception@acme.example>" }
email_template = "Hello {first_name}, your card is {card_number}."
outbound_webhook = { url = "https://vms.acme.example/occupancy", secret = "hook-key" }

[tenants.acme.locations.paris-hq]
name = "Paris HQ"
time_zone = "Europe/Paris"

[tenants.acme.installs.paris-pacs]
location = "paris-hq"
plugin = "example"
webhook_secret = "envoy-client-secret"
policy_file = "paris-pacs.policy.toml"
config = { base_url = "https://pacs.example.com", card_range = { first = 1000, last = 1999 } }
secrets = { api-token = "t0ken" }
card_pools = [{ facility_code = 100, format = "wiegand-standard-26", min = 5000, max = 5009 }]

[tenants.acme.installs.paris-pacs.grants.http]
base_urls = ["https://pacs.example.com"]
allow_loopback = false
allow_private = false
tls = { accept_self_signed = false }
"#;

/// A data directory whose plugins directory holds only the example component.
async fn open(root: &Path) -> Service {
    let plugins = root.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/components/example.wasm");
    std::fs::copy(built, plugins.join("example.wasm")).expect("example.wasm is built (cargo xtask build-plugins)");
    let config = Config { data_dir: root.join("data"), plugins_dir: plugins, ..Config::default() };
    gatehouse::boot::open(&config).await.unwrap()
}

fn write(root: &Path, setup: &str, policy: &str) -> std::path::PathBuf {
    std::fs::write(root.join("paris-pacs.policy.toml"), policy).unwrap();
    let file = root.join("setup.toml");
    std::fs::write(&file, setup).unwrap();
    file
}

#[tokio::test]
async fn a_file_creates_everything_and_reapplying_it_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let service = &open(dir.path()).await;
    let file = write(dir.path(), SETUP, POLICY);

    let report = apply_file(service, &file).await.unwrap();
    assert_eq!(
        report.lines,
        [
            "tenant acme: created",
            "delivery acme/smtp: set",
            "delivery acme/email-template: set",
            "delivery acme/outbound-webhook: set",
            "location acme/paris-hq: created",
            "install acme/paris-pacs: created",
            "install acme/paris-pacs: 1 secret(s) sealed",
            "install acme/paris-pacs: policy stored as version 1",
        ]
    );
    let (tenant, install) = (TenantId::new("acme"), InstallId::new("paris-pacs"));
    let location = service.location(&tenant, &LocationId::new("paris-hq")).await.unwrap();
    assert_eq!(location.time_zone, chrono_tz::Europe::Paris);
    let (stored, pools) = service.install(&tenant, &install).await.unwrap();
    assert_eq!(
        (stored.plugin_id.as_str(), stored.grants["http"]["base_urls"][0].as_str()),
        ("example", Some("https://pacs.example.com"))
    );
    assert_eq!(pools[0].max, 5009);
    assert_eq!(service.webhook_secret(&stored).await.unwrap().as_deref(), Some(&b"envoy-client-secret"[..]));
    assert_eq!(service.secret_names(&tenant, &install).await.unwrap(), ["api-token"]);
    let audit = service.audit_trail(&tenant, &AuditFilter { limit: 100, ..AuditFilter::default() }).await.unwrap();
    let sealed: Vec<_> = audit.iter().filter(|e| e.action == "secret.set").map(|e| e.detail["name"].clone()).collect();
    assert_eq!(sealed, ["api-token"], "the secret is audited like one set through the API");
    assert!(audit.iter().all(|e| !e.detail.to_string().contains("t0ken")), "and its value is not in the audit");
    let delivery = service.delivery_settings(&tenant).await.unwrap();
    assert_eq!(delivery.smtp.map(|r| (r.port, r.password_set)), Some((2525, true)));
    assert_eq!(delivery.email_template.as_deref(), Some("Hello {first_name}, your card is {card_number}."));
    assert!(service.outbound_webhook_is(&tenant, "https://vms.acme.example/occupancy", "hook-key").await.unwrap());

    let again = apply_file(service, &file).await.unwrap();
    assert_eq!(
        again.lines,
        [
            "tenant acme: unchanged",
            "delivery acme/smtp: unchanged",
            "delivery acme/email-template: unchanged",
            "delivery acme/outbound-webhook: unchanged",
            "location acme/paris-hq: unchanged",
            "install acme/paris-pacs: unchanged",
            "install acme/paris-pacs: 1 secret(s) sealed",
            "install acme/paris-pacs: policy unchanged at version 1",
        ]
    );

    let edited = SETUP.replace("Europe/Paris", "Europe/Berlin").replace("relay-pass", "rotated-pass");
    let edited = write(dir.path(), &edited, &format!("{POLICY}excluded = [\"ceo@example.com\"]\n"));
    let changed = apply_file(service, &edited).await.unwrap();
    assert!(changed.lines.contains(&"delivery acme/smtp: set".to_string()), "a new password is a change: {changed}");
    assert!(changed.lines.contains(&"delivery acme/outbound-webhook: unchanged".to_string()), "{changed}");
    assert!(changed.lines.contains(&"location acme/paris-hq: updated".to_string()), "{changed}");
    assert!(changed.lines.contains(&"install acme/paris-pacs: policy stored as version 2".to_string()), "{changed}");
}

#[tokio::test]
async fn a_bad_file_names_every_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path()).await;
    let bad = SETUP
        .replace("Europe/Paris", "Paris/Europe")
        .replace("location = \"paris-hq\"", "location = \"lyon\"")
        .replace("api-token =", "\"api token\" =")
        .replace("min = 5000, max = 5009", "min = 5009, max = 5000")
        .replace("allow_loopback = false", "allow_loopback = \"no\"")
        .replace("from = \"Reception <reception@acme.example>\"", "from = \"reception\"")
        .replace("Hello {first_name}", "Hello {frist_name}");
    // The example connector has no PINs.
    let file = write(dir.path(), &bad, "[visitors.types.Guest]\npin = {}\n");

    let error = apply_file(&service, &file).await.unwrap_err();
    let ApplyError::Invalid { path, problems } = &error else { panic!("{error}") };
    assert!(path.ends_with("setup.toml"), "{path}");
    let items: Vec<&str> = problems.iter().map(|p| p.item.as_str()).collect();
    assert_eq!(
        items,
        [
            "tenants.acme.locations.paris-hq.time_zone",
            "tenants.acme.delivery.smtp",
            "tenants.acme.delivery.email_template",
            "tenants.acme.installs.paris-pacs.location",
            "tenants.acme.installs.paris-pacs.secrets",
            "tenants.acme.installs.paris-pacs.grants",
            "tenants.acme.installs.paris-pacs.card_pools",
            "tenants.acme.installs.paris-pacs.policy",
        ],
        "{error}"
    );
    assert!(error.to_string().contains("`Paris/Europe` is not an IANA time zone"), "{error}");
    let tenant = service.tenant(&TenantId::new("acme")).await;
    assert!(matches!(tenant, Err(ServiceError::NotFound { .. })), "nothing may be written: {tenant:?}");
}

#[tokio::test]
async fn a_file_that_is_not_a_set_up_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let service = open(dir.path()).await;
    let file = write(dir.path(), "[tenants.acme]\nname = \"Acme\"\nregion = \"eu\"\n", POLICY);
    let error = apply_file(&service, &file).await.unwrap_err();
    assert!(matches!(error, ApplyError::Parse { .. }), "{error}");
    assert!(error.to_string().contains("setup.toml") && error.to_string().contains("region"), "{error}");
}
