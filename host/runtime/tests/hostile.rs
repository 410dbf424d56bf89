//! The hostile plugin attacks the host; every attack must be contained with a
//! typed error, and the next call on the same runtime must succeed.

mod support;

use gatehouse_runtime::{Cause, Export, InstallGrant, InstallScope};
use serde_json::json;
use support::{attack, detail, grant, http_server, TestHost};

async fn hostile_host() -> (TestHost, InstallGrant) {
    let host = TestHost::new().await;
    let plugin_id = host.load_active("hostile").await;
    (host, grant("install-a", &plugin_id))
}

/// The host is still healthy: a harmless call on the same runtime succeeds.
async fn assert_next_call_succeeds(host: &TestHost, grant: &InstallGrant) {
    let outcome = attack(host, grant, json!({"attack": "noop"})).await.expect("the next call succeeds");
    assert_eq!(detail(&outcome), json!({"ok": "noop"}));
}

/// The typed host-call error the plugin received and reported.
async fn host_call_error(host: &TestHost, grant: &InstallGrant, params: serde_json::Value) -> String {
    let outcome = attack(host, grant, params).await.expect("the attack returns an outcome");
    detail(&outcome)["error"].as_str().expect("the host call failed").to_owned()
}

#[tokio::test]
async fn an_infinite_loop_is_stopped_at_the_cpu_deadline() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "spin"})).await.unwrap_err();
    assert_eq!(error.cause, Cause::CpuDeadline);
    assert!(!error.retryable());
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn the_error_names_tenant_install_plugin_version_and_export() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "spin"})).await.unwrap_err();
    assert_eq!(error.site.scope, InstallScope::new("tenant-1", "install-a"));
    assert_eq!(error.site.plugin_id, "hostile");
    assert!(error.site.version.is_some());
    assert_eq!(error.site.export, Export::RunAction);
    let text = error.to_string();
    for part in ["tenant-1/install-a", "hostile@", "actions.run", "cpu deadline"] {
        assert!(text.contains(part), "`{text}` names {part}");
    }
}

#[tokio::test]
async fn memory_growth_past_the_cap_is_stopped() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "grow-memory"})).await.unwrap_err();
    assert_eq!(error.cause, Cause::MemoryLimit { limit: grant.limits.memory_bytes });
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn deep_recursion_is_stopped_by_a_trap() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "deep-recursion"})).await.unwrap_err();
    // Which stack runs out first depends on the frames: the wasm call stack
    // (a stack overflow) or the shadow stack Rust keeps in linear memory,
    // which then runs below address 0 (an out-of-bounds access).
    let contained = match &error.cause {
        Cause::StackOverflow => true,
        Cause::Trap(message) => message.contains("out of bounds memory access"),
        _ => false,
    };
    assert!(contained, "{error}");
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn a_trap_in_the_middle_of_an_action_is_a_typed_trap() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "trap"})).await.unwrap_err();
    assert!(matches!(&error.cause, Cause::Trap(message) if message.contains("unreachable")), "{error}");
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn a_panic_is_a_trap_and_its_message_reaches_the_plugin_log() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "panic"})).await.unwrap_err();
    assert!(matches!(error.cause, Cause::Trap(_)), "{error}");
    assert!(!host.log_lines_containing("panics on purpose").is_empty());
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn http_to_loopback_is_denied_unless_the_install_allows_it() {
    let (host, mut grant) = hostile_host().await;
    let server = http_server().await;
    grant.http.base_urls = vec![format!("http://{server}/").parse().unwrap()];
    let url = format!("http://{server}/ok");

    let error = host_call_error(&host, &grant, json!({"attack": "http", "url": url})).await;
    assert!(error.starts_with("denied:") && error.contains("loopback"), "{error}");

    grant.http.allow_loopback = true;
    let outcome = attack(&host, &grant, json!({"attack": "http", "url": url})).await.unwrap();
    assert_eq!(detail(&outcome), json!({"ok": 200}));
}

#[tokio::test]
async fn a_host_name_resolving_to_loopback_is_denied_too() {
    let (host, mut grant) = hostile_host().await;
    let server = http_server().await;
    grant.http.base_urls = vec![format!("http://localhost:{}/", server.port()).parse().unwrap()];
    let url = format!("http://localhost:{}/ok", server.port());
    let error = host_call_error(&host, &grant, json!({"attack": "http", "url": url})).await;
    assert!(error.starts_with("denied:") && error.contains("loopback"), "{error}");
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn the_cloud_metadata_address_is_denied() {
    let (host, mut grant) = hostile_host().await;
    let url = "http://169.254.169.254/latest/meta-data/";
    let error = host_call_error(&host, &grant, json!({"attack": "http", "url": url})).await;
    assert!(error.starts_with("denied:"), "{error}");

    // Even granted as a base URL with private ranges allowed, it stays closed.
    grant.http.base_urls = vec!["http://169.254.169.254/".parse().unwrap()];
    grant.http.allow_private = true;
    let error = host_call_error(&host, &grant, json!({"attack": "http", "url": url})).await;
    assert!(error.starts_with("denied:") && error.contains("metadata"), "{error}");
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn another_port_on_an_allowed_host_is_denied() {
    let (host, mut grant) = hostile_host().await;
    let server = http_server().await;
    grant.http.base_urls = vec![format!("http://{server}/").parse().unwrap()];
    grant.http.allow_loopback = true;
    let url = format!("http://127.0.0.1:{}/ok", server.port().wrapping_add(1));
    let error = host_call_error(&host, &grant, json!({"attack": "http", "url": url})).await;
    assert!(error.starts_with("denied:") && error.contains("not under any base URL"), "{error}");
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn another_installs_secret_does_not_exist_for_the_plugin() {
    let (host, grant) = hostile_host().await;
    let other = InstallScope::new("tenant-1", "install-b");
    host.runtime.secrets().set(&other, "vendor-password", "b's password").await.unwrap();

    let error = host_call_error(&host, &grant, json!({"attack": "secret", "name": "vendor-password"})).await;
    assert!(error.starts_with("not-found:"), "{error}");

    // The same call made for the install that owns the secret reads it.
    let mut owner = grant.clone();
    owner.scope = other;
    let outcome = attack(&host, &owner, json!({"attack": "secret", "name": "vendor-password"})).await.unwrap();
    assert_eq!(detail(&outcome), json!({"ok": "b's password"}));
}

#[tokio::test]
async fn an_oversized_http_body_is_refused_before_sending() {
    let (host, mut grant) = hostile_host().await;
    let server = http_server().await;
    grant.http.base_urls = vec![format!("http://{server}/").parse().unwrap()];
    grant.http.allow_loopback = true;
    let cap = grant.limits.payload_bytes;
    let params = json!({"attack": "oversized-http-body", "url": format!("http://{server}/echo"), "bytes": cap + 1});
    assert_eq!(host_call_error(&host, &grant, params).await, format!("too-large: {cap}"));
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn an_oversized_kv_value_is_refused() {
    let (host, grant) = hostile_host().await;
    let cap = grant.limits.payload_bytes;
    let params = json!({"attack": "oversized-kv-value", "bytes": cap + 1});
    assert_eq!(host_call_error(&host, &grant, params).await, format!("too-large: {cap}"));
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn oversized_call_arguments_are_refused_before_the_component_runs() {
    let (host, grant) = hostile_host().await;
    let padding = "x".repeat(grant.limits.payload_bytes as usize);
    let error = attack(&host, &grant, json!({"attack": "noop", "padding": padding})).await.unwrap_err();
    assert!(matches!(error.cause, Cause::PayloadTooLarge { .. }), "{error}");
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn a_tight_host_call_loop_is_stopped_at_the_deadline_and_its_log_is_capped() {
    let (host, grant) = hostile_host().await;
    let error = attack(&host, &grant, json!({"attack": "host-call-loop"})).await.unwrap_err();
    assert_eq!(error.cause, Cause::CpuDeadline);
    let loop_lines = host.log_lines_containing("host-call loop").len();
    assert!(loop_lines <= grant.limits.max_log_lines as usize, "{loop_lines} lines logged");
    assert_eq!(host.log_lines_containing("log lines dropped").len(), 1);
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn a_vendor_that_never_answers_is_cut_off_at_the_call_deadline() {
    let (host, mut grant) = hostile_host().await;
    let server = http_server().await;
    grant.http.base_urls = vec![format!("http://{server}/").parse().unwrap()];
    grant.http.allow_loopback = true;
    grant.limits.wall_clock = std::time::Duration::from_millis(500);
    let url = format!("http://{server}/hang");
    // Either the HTTP call reports its timeout to the plugin, or the
    // wall-clock limit ends the call first; both are the deadline at work.
    match attack(&host, &grant, json!({"attack": "http", "url": url})).await {
        Ok(outcome) => assert!(detail(&outcome)["error"].as_str().unwrap().starts_with("timeout")),
        Err(error) => {
            assert_eq!(error.cause, Cause::WallClockTimeout);
            assert!(error.retryable());
        }
    }
    assert_next_call_succeeds(&host, &grant).await;
}

#[tokio::test]
async fn calls_beyond_the_install_concurrency_cap_are_refused() {
    let (host, mut grant) = hostile_host().await;
    grant.limits.max_concurrency = 1;
    let mut spinning = Box::pin(attack(&host, &grant, json!({"attack": "spin"})));
    // One poll starts the spin: it holds the install's only slot.
    assert!(futures_util::poll!(&mut spinning).is_pending());

    let error = attack(&host, &grant, json!({"attack": "noop"})).await.unwrap_err();
    assert_eq!(error.cause, Cause::ConcurrencyLimit { limit: 1 });
    assert!(error.retryable());

    assert_eq!(spinning.await.unwrap_err().cause, Cause::CpuDeadline);
    assert_next_call_succeeds(&host, &grant).await;
}
