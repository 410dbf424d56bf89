//! One install of the built `genetec.wasm` against a running Genetec
//! simulator, declared as a `gatehouse apply` file, and the visitor events
//! the crash-recovery test and the pipeline bench send it.
//! Shared by `tests/crash_recovery.rs` and `benches/pipeline.rs`.
#![allow(dead_code)]

use gatehouse_sim_genetec::model::{Directory, Visitor};
use gatehouse_sim_genetec::well_known::default_fixture::{ENVOY_APP_ID, ENVOY_PASSWORD, ENVOY_USER};
use gatehouse_sim_genetec::RunningSim;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const TENANT: &str = "acme";
pub const INSTALL: &str = "hq-genetec";

/// Guests get a PIN for four hours; a sign-out checks them out (Genetec
/// archives the visitor and Gatehouse's credentials are deleted).
pub const POLICY: &str = r#"
[visitors]
access_duration_minutes = 240
on_sign_out = "check-out"

[visitors.types.Guest]
pin = {}
"#;

/// A plugins directory holding only `genetec.wasm`, so each start loads
/// (and on first start compiles) one component, not every fixture.
pub fn plugins_dir(root: &Path) -> PathBuf {
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/components/genetec.wasm");
    let dir = root.join("plugins");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&built, dir.join("genetec.wasm")).expect("genetec.wasm is built (cargo xtask build-plugins)");
    dir
}

/// Writes the apply file (and its policy file) into `root`; returns its path.
/// The grant names the simulator's loopback URL explicitly.
pub fn write_setup_file(root: &Path, sim: &RunningSim) -> PathBuf {
    let url = sim.base_url();
    std::fs::write(root.join("hq-genetec.policy.toml"), POLICY).unwrap();
    let file = root.join("gatehouse-setup.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[tenants.{TENANT}]
name = "Acme"

[tenants.{TENANT}.locations.hq]
name = "Headquarters"
time_zone = "America/New_York"

[tenants.{TENANT}.installs.{INSTALL}]
location = "hq"
plugin = "genetec"
policy_file = "hq-genetec.policy.toml"
config = {{ web_sdk_url = "{url}", username = "{ENVOY_USER}", application_id = "{ENVOY_APP_ID}", pin_length = 6 }}
secrets = {{ password = "{ENVOY_PASSWORD}" }}

[tenants.{TENANT}.installs.{INSTALL}.grants.http]
base_urls = ["{url}"]
allow_loopback = true
allow_private = false
tls = {{ accept_self_signed = false }}
"#
        ),
    )
    .unwrap();
    file
}

pub fn sign_in(event_id: &str, visit: &str) -> Value {
    json!({ "event_id": event_id, "install_id": INSTALL, "type": "visitor.signed_in",
        "visit": { "id": visit, "visitor_type": "Guest" },
        "person": { "first_name": "Guest", "last_name": visit, "email": format!("{visit}@guest.example") } })
}

pub fn sign_out(event_id: &str, visit: &str) -> Value {
    json!({ "event_id": event_id, "install_id": INSTALL, "type": "visitor.signed_out", "visit": { "id": visit } })
}

/// Posts one event to the intake with a tenant token: every event goes through here.
pub async fn post_event(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    event: &Value,
) -> reqwest::Result<reqwest::StatusCode> {
    Ok(client.post(format!("{base}/v1/events")).bearer_auth(token).json(event).send().await?.status())
}

/// The visit's visitors in the simulator: (live, archived by a check-out).
pub fn visitors_of(directory: &Directory, visit: &str) -> (Vec<Visitor>, Vec<Visitor>) {
    let stamp = format!("gatehouse:{visit}");
    let matching = |visitors: &std::collections::BTreeMap<uuid::Uuid, Visitor>| {
        visitors.values().filter(|v| v.header.description == stamp).cloned().collect::<Vec<_>>()
    };
    (matching(&directory.visitors), matching(&directory.archived_visitors))
}
