//! Transport-level Web SDK behaviour (spec §1–§4): routing, Basic auth as
//! `user;appId`, the POST Content-Length rule, content negotiation and the envelope.

mod common;

use common::{http, start, start_with, Sdk};
use gatehouse_sim_genetec::well_known::default_fixture as fx;
use gatehouse_sim_genetec::SimConfig;
use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn ping_with_valid_credentials_answers_a_bare_ok_envelope() {
    let sim = start().await;
    let reply = Sdk::envoy(&sim).get("", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), serde_json::json!({"Rsp": {"Status": "Ok"}}));
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_credentials_get_401_with_a_basic_challenge() {
    let sim = start().await;
    let response = http().get(format!("{}/", sim.base_url())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[WWW_AUTHENTICATE], "Basic realm=\"WebSdk\"");
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_401_assumed() {
    let sim = start().await;
    for sdk in [
        Sdk::as_user(&sim, fx::ENVOY_USER, fx::ENVOY_APP_ID, "wrong"),
        Sdk::as_user(&sim, "nobody", fx::ENVOY_APP_ID, fx::ENVOY_PASSWORD),
    ] {
        let reply = sdk.get("", None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.headers.contains_key(WWW_AUTHENTICATE));
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn user_without_the_sdk_log_on_privilege_gets_403_assumed() {
    let sim = start().await;
    let reply = Sdk::as_user(&sim, fx::NO_SDK_USER, fx::ENVOY_APP_ID, fx::NO_SDK_PASSWORD).get("", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text.contains("Log on using the SDK"), "{}", reply.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn application_id_whose_licence_part_is_not_activated_gets_403() {
    let sim = start().await;
    let reply = Sdk::as_user(&sim, fx::ENVOY_USER, fx::UNACTIVATED_APP_ID, fx::ENVOY_PASSWORD).get("", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.text.contains("not activated"), "{}", reply.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn genetec_demo_application_id_is_refused_on_a_production_licence() {
    let sim = start().await;
    let reply = Sdk::as_user(&sim, fx::ENVOY_USER, fx::DEMO_APP_ID, fx::ENVOY_PASSWORD).get("", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    sim.shutdown().await;
}

#[tokio::test]
async fn username_without_an_application_id_gets_403_assumed() {
    let sim = start().await;
    let mut sdk = Sdk::envoy(&sim);
    sdk.username = fx::ENVOY_USER.into();
    assert_eq!(sdk.get("", None).await.status, StatusCode::FORBIDDEN);
    sim.shutdown().await;
}

#[tokio::test]
async fn username_is_split_on_the_first_semicolon() {
    let sim = start().await;
    // First split: user "envoy" (known, right password), app id "<id>;x" (unlicensed) → 403.
    // A split on the last ';' would look up user "envoy;<id>" and answer 401.
    let reply =
        Sdk::as_user(&sim, fx::ENVOY_USER, &format!("{};x", fx::ENVOY_APP_ID), fx::ENVOY_PASSWORD).get("", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    sim.shutdown().await;
}

async fn raw_request(sim: &gatehouse_sim_genetec::RunningSim, request: &str) -> String {
    let address = sim.base_url().trim_start_matches("http://").split('/').next().unwrap().to_string();
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut response = vec![0; 4096];
    let read = socket.read(&mut response).await.unwrap();
    String::from_utf8_lossy(&response[..read]).into_owned()
}

fn basic_envoy() -> String {
    use base64::Engine;
    let raw = format!("{};{}:{}", fx::ENVOY_USER, fx::ENVOY_APP_ID, fx::ENVOY_PASSWORD);
    base64::engine::general_purpose::STANDARD.encode(raw)
}

#[tokio::test]
async fn post_without_content_length_gets_411_length_required() {
    let sim = start().await;
    let request = format!(
        "POST /WebSdk/entity?q=entity=NewEntity(Cardholder),Guid HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {}\r\nAccept: text/json\r\nConnection: close\r\n\r\n",
        basic_envoy()
    );
    let response = raw_request(&sim, &request).await;
    assert!(response.starts_with("HTTP/1.1 411"), "{response}");
    assert!(sim.state().cardholders.len() == 5, "nothing was created");
    sim.shutdown().await;
}

#[tokio::test]
async fn post_with_content_length_zero_is_served() {
    let sim = start().await;
    let request = format!(
        "POST /WebSdk/entity?q=entity=NewEntity(Cardholder),Guid HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {}\r\nAccept: text/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        basic_envoy()
    );
    let response = raw_request(&sim, &request).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"Guid\""), "{response}");
    sim.shutdown().await;
}

#[tokio::test]
async fn base_path_is_matched_case_insensitively() {
    let sim = start().await;
    let mut sdk = Sdk::envoy(&sim);
    sdk.base = sdk.base.replace("/WebSdk", "/WEBSDK");
    assert_eq!(sdk.get("entity", Some(&format!("entity={},Name", fx::ALICE))).await.ok()["Name"], "Alice Martin");
    sim.shutdown().await;
}

#[tokio::test]
async fn path_outside_the_base_path_gets_404() {
    let sim = start().await;
    let mut sdk = Sdk::envoy(&sim);
    sdk.base = sdk.base.replace("/WebSdk", "/Other");
    assert_eq!(sdk.get("", None).await.status, StatusCode::NOT_FOUND);
    let sdk = Sdk::envoy(&sim);
    assert_eq!(sdk.get("nosuchendpoint", None).await.status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn base_path_is_configurable() {
    let sim = start_with(SimConfig { base_path: "/SecurityCenter/Sdk".into(), ..SimConfig::default() }).await;
    assert!(sim.base_url().ends_with("/SecurityCenter/Sdk"));
    assert!(Sdk::envoy(&sim).get("", None).await.ok().is_null());
    sim.shutdown().await;
}

#[tokio::test]
async fn known_endpoint_with_the_wrong_verb_gets_405_assumed() {
    let sim = start().await;
    assert_eq!(Sdk::envoy(&sim).send(Method::DELETE, "entity", None).await.status, StatusCode::METHOD_NOT_ALLOWED);
    sim.shutdown().await;
}

#[tokio::test]
async fn fail_envelope_comes_with_http_200_and_sdk_error_code() {
    let sim = start().await;
    let reply = Sdk::envoy(&sim).read("entity=00000000-0000-0000-0000-0000000000ff,Name").await;
    let (code, message) = reply.fail();
    assert_eq!(code, "UnableToRetrieveEntity");
    assert!(message.contains("0000000000ff"));
    sim.shutdown().await;
}

#[tokio::test]
async fn text_json_responses_are_one_line_with_text_json_content_type() {
    let sim = start().await;
    let reply = Sdk::envoy(&sim).read(&format!("entity={},Name", fx::ALICE)).await;
    assert_eq!(reply.headers[CONTENT_TYPE], "text/json; charset=utf-8");
    assert!(!reply.text.contains('\n'));
    sim.shutdown().await;
}

#[tokio::test]
async fn without_accept_the_answer_is_legacy_xml() {
    let sim = start().await;
    let mut sdk = Sdk::envoy(&sim);
    sdk.accept = None;
    let reply = sdk.read(&format!("entity={},Name", fx::ALICE)).await;
    assert_eq!(reply.text, "<rsp status=\"ok\"><Name>Alice Martin</Name></rsp>");
    let reply = sdk.read("entity=00000000-0000-0000-0000-0000000000ff,Name").await;
    assert!(reply.text.starts_with("<rsp status=\"fail\"><error>"), "{}", reply.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn text_xml_accept_gets_the_websdk_xml_envelope() {
    let sim = start().await;
    let mut sdk = Sdk::envoy(&sim);
    sdk.accept = Some("text/xml");
    let reply = sdk.read(&format!("entity={},Name", fx::ALICE)).await;
    assert_eq!(reply.text, "<WebSdk><Rsp><Status>Ok</Status><Result><Name>Alice Martin</Name></Result></Rsp></WebSdk>");
    sim.shutdown().await;
}

#[tokio::test]
async fn legacy_json_accept_puts_a_new_guid_at_rsp_guid() {
    let sim = start().await;
    let mut sdk = Sdk::envoy(&sim);
    sdk.accept = Some("application/jsonrequest");
    let json = sdk.write("entity=NewEntity(Cardholder),Name=Legacy,Guid").await.json();
    assert_eq!(json["rsp"]["status"], "ok");
    assert!(json["rsp"]["Guid"].as_str().is_some(), "{json}");
    sim.shutdown().await;
}

#[tokio::test]
async fn accept_header_is_matched_case_insensitively_among_several_types() {
    let sim = start().await;
    let response = http()
        .get(format!("{}/", sim.base_url()))
        .basic_auth(format!("{};{}", fx::ENVOY_USER, fx::ENVOY_APP_ID), Some(fx::ENVOY_PASSWORD))
        .header(ACCEPT, "application/xml;q=0.5, Text/JSON")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"Rsp":{"Status":"Ok"}}"#);
    sim.shutdown().await;
}
