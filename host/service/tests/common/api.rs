//! The management API over a real socket: a client that sends a bearer
//! token, and a sample request for every row of `gatehouse::api::routes()`,
//! so a test can walk every route without repeating the table.

use serde_json::{json, Value};

/// The secret values the samples send; none may ever be seen again.
pub const SECRET_VALUE: &str = "s3cr3t-PACS-password-8d1f";
pub const WEBHOOK_SECRET_VALUE: &str = "whsec-envoy-key-55c2";

/// The ids a sample request fills into a route's path.
#[derive(Clone, Debug)]
pub struct Ids {
    pub tenant: String,
    pub location: String,
    pub install: String,
    pub job: String,
    /// A visit of `tenant` whose visitor may be erased.
    pub visit: String,
    /// An erasure request of `tenant`.
    pub erasure: String,
    /// A token of `tenant` that may be revoked.
    pub tenant_token: String,
    /// An admin token that may be revoked.
    pub admin_token: String,
}

/// One request: method, concrete path, JSON body.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: reqwest::Method,
    pub path: String,
    pub body: Option<Value>,
}

fn fresh(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().to_string()[..8])
}

/// A valid request for the route `template` (with `method`) about `ids`.
pub fn sample(method: &axum::http::Method, template: &'static str, ids: &Ids) -> Call {
    let path = template
        .replace("{tenant}", &ids.tenant)
        .replace("{location}", &ids.location)
        .replace("{install}", &ids.install)
        .replace("{job}", &ids.job)
        .replace("{erasure}", &ids.erasure)
        .replace("{picker}", "groups")
        .replace("{name}", "api-key")
        .replace("{plugin}", "fake")
        .replace("{version}", "1.0.0")
        .replace("{token}", if template.starts_with("/v1/tokens") { &ids.admin_token } else { &ids.tenant_token });
    let token_body = json!({ "access": "read-only", "label": "sample" });
    let body = match (method.as_str(), template) {
        ("POST", "/v1/events") => {
            Some(json!({ "event_id": fresh("e"), "install_id": ids.install, "type": "visitor.signed_in",
            "visit": { "id": fresh("v"), "visitor_type": "Guest" }, "person": { "first_name": "Ada", "last_name": "Lovelace" } }))
        }
        ("POST", "/v1/installs/{install}/webhooks/envoy") => Some(json!({})),
        ("POST", "/v1/tokens") | ("POST", "/v1/tenants/{tenant}/tokens") => Some(token_body),
        ("POST", "/v1/tenants") => Some(json!({ "id": fresh("tenant"), "name": "Sample" })),
        ("PUT", "/v1/tenants/{tenant}/delivery/smtp") => Some(json!({ "host": "127.0.0.1", "port": 2525,
            "username": "relay", "password": SECRET_VALUE, "from": "Reception <reception@example.com>" })),
        ("PUT", "/v1/tenants/{tenant}/delivery/outbound-webhook") => {
            Some(json!({ "url": "http://127.0.0.1:9/occupancy", "secret": SECRET_VALUE }))
        }
        ("PUT", "/v1/tenants/{tenant}/delivery/email-template") => Some(json!({ "template": "Hello {first_name}" })),
        ("PUT", "/v1/tenants/{tenant}/locations/{location}") => {
            Some(json!({ "name": "Renamed", "time_zone": "Europe/Paris" }))
        }
        ("POST", "/v1/tenants/{tenant}/installs") => Some(json!({ "id": fresh("install"), "location_id": ids.location,
            "plugin_id": "fake", "webhook_secret": WEBHOOK_SECRET_VALUE })),
        ("PUT", "/v1/tenants/{tenant}/installs/{install}") => {
            Some(json!({ "location_id": ids.location, "plugin_id": "fake",
            "card_pools": [{ "facility_code": 100, "format": "wiegand-standard-26", "min": 5000, "max": 5009 }],
            "webhook_secret": WEBHOOK_SECRET_VALUE }))
        }
        ("PUT", "/v1/tenants/{tenant}/installs/{install}/secrets/{name}") => Some(json!({ "value": SECRET_VALUE })),
        ("PUT", "/v1/tenants/{tenant}/installs/{install}/policy") => Some(json!({ "source": super::POLICY })),
        ("POST", "/v1/tenants/{tenant}/installs/{install}/policy/dry-run") => {
            Some(json!({ "event": { "type": "visitor.signed_in",
            "visit": { "id": "dry", "visitor_type": "Guest" }, "person": { "first_name": "Ada", "last_name": "Lovelace" } } }))
        }
        ("PUT", "/v1/tenants/{tenant}/privacy") => {
            Some(json!({ "personal_data_days": 30, "job_history_days": 60, "audit_days": 365, "share_health": true }))
        }
        ("POST", "/v1/tenants/{tenant}/erasures") => Some(json!({ "visit_id": ids.visit })),
        ("POST", "/v1/plugins") => Some(json!({})),
        ("PUT", "/v1/plugins/{plugin}/canaries/{tenant}/{install}") => Some(json!({ "version": "1.0.0" })),
        ("GET", _) | ("DELETE", _) => None,
        ("POST", "/v1/tenants/{tenant}/purge") => None,
        ("POST", t)
            if ["/enable", "/disable", "/validate", "/redrive", "/activate", "/rollback"]
                .iter()
                .any(|end| t.ends_with(end)) =>
        {
            None
        }
        (m, t) => panic!("no sample request for {m} {t}: add one to tests/common/api.rs"),
    };
    Call { method: reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(), path, body }
}

/// Sends `call` with `token` (none when `None`); returns status and body.
pub async fn send(base: &str, token: Option<&str>, call: &Call) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(call.method.clone(), format!("{base}{}", call.path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Whether a route changes nothing, by what it is for: reads, the live
/// set-up check and the dry run (POSTs that only ask), and the intake (its
/// trail is the stored event, not the audit).
pub fn changes_nothing_audited(method: &axum::http::Method, template: &str) -> bool {
    method == axum::http::Method::GET
        || template.ends_with("/validate")
        || template.ends_with("/policy/dry-run")
        || template == "/v1/events"
        || template.ends_with("/webhooks/envoy")
}
