//! The plugin routes of the management API over a real socket, on the real
//! runtime: upload, list, activate, roll back and canaries, admin tokens only.

mod common;

use common::plugin_host::{component, World};
use gatehouse::domain::{TokenAccess, TokenScope};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn admin_token(world: &World, access: TokenAccess) -> String {
    world.service.create_token("test", TokenScope::Admin, access, "plugins").await.unwrap().secret
}

async fn call(method: reqwest::Method, url: String, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

async fn upload(world: &World, token: &str, content_type: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/v1/plugins", world.base))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_admin_uploads_activates_rolls_back_and_pins_a_canary_over_http() {
    let world = World::start(&["east"]).await;
    let admin = admin_token(&world, TokenAccess::ReadWrite).await;
    let base = world.base.clone();

    // The same bytes again are harmless: the answer names the loaded version.
    let (status, body) = upload(&world, &admin, "application/wasm", component("versioned-v2")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["version"].as_str(), body["active"].as_bool()), (Some("2.0.0"), Some(false)));

    let (status, body) = call(reqwest::Method::GET, format!("{base}/v1/plugins"), &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body[0]["plugin_id"], "versioned");
    assert_eq!(body[0]["active"], "1.0.0");

    let activate = format!("{base}/v1/plugins/versioned/versions/2.0.0/activate");
    let (status, body) = call(reqwest::Method::POST, activate, &admin, None).await;
    assert_eq!((status, &body["active"], &body["previous"]), (StatusCode::OK, &json!("2.0.0"), &json!(["1.0.0"])));

    let canary = format!("{base}/v1/plugins/versioned/canaries/acme/east");
    let (status, body) = call(reqwest::Method::PUT, canary.clone(), &admin, Some(json!({ "version": "1.0.0" }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["canaries"], json!([{ "tenant_id": "acme", "install_id": "east", "version": "1.0.0" }]));
    let (status, body) = call(reqwest::Method::DELETE, canary, &admin, None).await;
    assert_eq!((status, &body["canaries"]), (StatusCode::OK, &json!([])));

    let rollback = format!("{base}/v1/plugins/versioned/rollback");
    let (status, body) = call(reqwest::Method::POST, rollback.clone(), &admin, None).await;
    assert_eq!((status, &body["active"]), (StatusCode::OK, &json!("1.0.0")));
    let (status, body) = call(reqwest::Method::POST, rollback, &admin, None).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::CONFLICT, &json!("plugin")), "no history left: {body}");

    let (status, body) =
        call(reqwest::Method::GET, format!("{base}/v1/plugins/versioned/versions"), &admin, None).await;
    let versions: Vec<&str> = body.as_array().unwrap().iter().map(|v| v["version"].as_str().unwrap()).collect();
    assert_eq!((status, versions), (StatusCode::OK, vec!["1.0.0", "2.0.0"]));
}

#[tokio::test]
async fn bad_uploads_and_unknown_versions_get_clear_errors_and_tenant_tokens_are_refused() {
    let world = World::start(&["east"]).await;
    let admin = admin_token(&world, TokenAccess::ReadWrite).await;
    let read_only = admin_token(&world, TokenAccess::ReadOnly).await;
    let base = world.base.clone();

    let (status, body) = upload(&world, &admin, "application/wasm", b"not a component".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("not a valid component"), "{body}");
    let (status, _) = upload(&world, &admin, "application/json", component("versioned-v2")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let activate = format!("{base}/v1/plugins/versioned/versions/3.0.0/activate");
    let (status, _) = call(reqwest::Method::POST, activate, &admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Plugins are global: a tenant's token may not even list them; a read-only admin may not change them.
    let (status, _) = call(reqwest::Method::GET, format!("{base}/v1/plugins"), &world.token, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(&world, &read_only, "application/wasm", component("versioned-v2")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(reqwest::Method::GET, format!("{base}/v1/plugins"), &read_only, None).await;
    assert_eq!(status, StatusCode::OK);
}
