//! The `gatehouse` operator commands against a served API over a real socket:
//! the real binary, run as an operator would, with a token from the
//! environment. One round trip per command group, and a refusal that reads
//! well.

mod common;

use common::{post_event, sign_in, Harness, POLICY};
use gatehouse::domain::TokenAccess;
use serde_json::Value;

struct Operator {
    base: String,
    token: String,
}

impl Operator {
    /// Runs `gatehouse <args>`; returns its JSON output, or its error text when it fails.
    async fn run(&self, args: &[&str]) -> Result<Value, String> {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(args)
            .env("GATEHOUSE_URL", &self.base)
            .env("GATEHOUSE_TOKEN", &self.token)
            .output()
            .await
            .unwrap();
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        let stdout = String::from_utf8(output.stdout).unwrap();
        Ok(if stdout.trim().is_empty() { Value::Null } else { serde_json::from_str(&stdout).unwrap() })
    }
}

async fn operator() -> (Harness, Operator) {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let token = h.service.bootstrap_admin_token(TokenAccess::ReadWrite, "operator").await.unwrap().secret;
    (h, Operator { base, token })
}

#[tokio::test]
async fn installs_are_listed_shown_disabled_and_enabled() {
    let (_h, op) = operator().await;
    let listed = op.run(&["installs", "list", "--tenant", "acme"]).await.unwrap();
    assert!(listed.to_string().contains("paris-pacs"), "{listed}");
    op.run(&["installs", "disable", "--tenant", "acme", "paris-pacs"]).await.unwrap();
    let shown = op.run(&["installs", "get", "--tenant", "acme", "paris-pacs"]).await.unwrap();
    assert_eq!(shown["enabled"], false, "{shown}");
    op.run(&["installs", "enable", "--tenant", "acme", "paris-pacs"]).await.unwrap();
    assert_eq!(op.run(&["installs", "get", "--tenant", "acme", "paris-pacs"]).await.unwrap()["enabled"], true);
}

#[tokio::test]
async fn a_policy_file_becomes_the_next_version_and_versions_are_listed() {
    let (h, op) = operator().await;
    let file = h.dir.path().join("policy.toml");
    std::fs::write(&file, POLICY.replace("access_duration_minutes = 240", "access_duration_minutes = 120")).unwrap();
    op.run(&["policies", "put", "--tenant", "acme", "paris-pacs", "--file", file.to_str().unwrap()]).await.unwrap();
    let versions = op.run(&["policies", "versions", "--tenant", "acme", "paris-pacs"]).await.unwrap();
    assert_eq!(versions.as_array().map(Vec::len), Some(2), "{versions}");
    let current = op.run(&["policies", "get", "--tenant", "acme", "paris-pacs"]).await.unwrap();
    assert!(current.to_string().contains("access_duration_minutes = 120"), "{current}");
}

#[tokio::test]
async fn a_bad_policy_is_refused_with_the_validators_words_and_changes_nothing() {
    let (h, op) = operator().await;
    let file = h.dir.path().join("policy.toml");
    std::fs::write(&file, "[visitors.types.Guest]\ngroups = 7\n").unwrap();
    let refused = op
        .run(&["policies", "put", "--tenant", "acme", "paris-pacs", "--file", file.to_str().unwrap()])
        .await
        .unwrap_err();
    assert!(refused.contains("answered 4"), "{refused}");
    let versions = op.run(&["policies", "versions", "--tenant", "acme", "paris-pacs"]).await.unwrap();
    assert_eq!(versions.as_array().map(Vec::len), Some(1), "{versions}");
}

#[tokio::test]
async fn jobs_are_listed_by_status_and_shown_with_their_steps() {
    let (h, op) = operator().await;
    post_event(&op.base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    let queued = op.run(&["jobs", "list", "--tenant", "acme", "--status", "queued"]).await.unwrap();
    let job = queued.as_array().and_then(|jobs| jobs.first()).unwrap_or_else(|| panic!("{queued}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = op.run(&["jobs", "get", "--tenant", "acme", &job]).await.unwrap();
    assert!(!shown["steps"].as_array().unwrap().is_empty(), "{shown}");
    assert!(op
        .run(&["jobs", "list", "--tenant", "acme", "--status", "dead"])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_token_made_through_the_api_works_and_stops_working_once_revoked() {
    let (_h, op) = operator().await;
    let created = op.run(&["tokens", "create", "--tenant", "acme", "--read-only", "--label", "auditor"]).await.unwrap();
    let (id, secret) =
        (created["token"]["id"].as_str().unwrap().to_string(), created["secret"].as_str().unwrap().to_string());
    let auditor = Operator { base: op.base.clone(), token: secret };
    assert!(auditor.run(&["installs", "list", "--tenant", "acme"]).await.is_ok());
    let listed = op.run(&["tokens", "list", "--tenant", "acme"]).await.unwrap();
    assert!(listed.to_string().contains(&id) && !listed.to_string().contains(&auditor.token), "{listed}");
    op.run(&["tokens", "revoke", "--tenant", "acme", &id]).await.unwrap();
    assert!(auditor.run(&["installs", "list", "--tenant", "acme"]).await.unwrap_err().contains("401"));
}

#[tokio::test]
async fn plugin_commands_need_an_admin_token_and_say_so() {
    let (h, op) = operator().await;
    let tenant_operator = Operator { base: op.base.clone(), token: h.token.clone() };
    let refused = tenant_operator.run(&["plugins", "activate", "genetec", "0.2.0"]).await.unwrap_err();
    assert!(refused.contains("403") && refused.contains("admin"), "{refused}");
    let no_token = Operator { base: op.base.clone(), token: String::new() };
    assert!(no_token.run(&["plugins", "list"]).await.unwrap_err().contains("token"));
}

#[tokio::test]
async fn a_missing_token_is_one_line_that_says_what_to_do_even_with_backtraces_on() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["installs", "list", "--tenant", "acme"])
        .env_remove("GATEHOUSE_TOKEN")
        .env("RUST_BACKTRACE", "1")
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: no token") && stderr.contains("gatehouse token create --admin"), "{stderr}");
}

#[tokio::test]
async fn an_operator_creates_a_tenant_and_its_location_and_sets_its_e_mail_template() {
    let (h, op) = operator().await;
    op.run(&["tenants", "create", "globex", "--name", "Globex"]).await.unwrap();
    op.run(&[
        "tenants",
        "put-location",
        "--tenant",
        "globex",
        "berlin",
        "--name",
        "Berlin",
        "--time-zone",
        "Europe/Berlin",
    ])
    .await
    .unwrap();
    let locations = op.run(&["tenants", "locations", "--tenant", "globex"]).await.unwrap();
    assert_eq!(locations[0]["time_zone"], "Europe/Berlin", "{locations}");
    let refused = op
        .run(&["tenants", "put-location", "--tenant", "globex", "lyon", "--name", "Lyon", "--time-zone", "Lyon"])
        .await;
    assert!(refused.unwrap_err().contains("`Lyon` is not an IANA time zone"));

    let template = h.dir.path().join("welcome.txt");
    std::fs::write(&template, "Welcome {first_name}, card {card_number}.").unwrap();
    op.run(&["tenants", "set-email-template", "--tenant", "globex", "--file", template.to_str().unwrap()])
        .await
        .unwrap();
    let delivery = op.run(&["tenants", "delivery", "--tenant", "globex"]).await.unwrap();
    assert_eq!(delivery["email_template"], "Welcome {first_name}, card {card_number}.", "{delivery}");
    let listed = op.run(&["tenants", "list"]).await.unwrap();
    assert!(listed.to_string().contains("Globex"), "{listed}");
}
