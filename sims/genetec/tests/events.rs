//! Live events (spec §8): the redirect to the streaming port, the stream's framing,
//! KeepAlive lines, subscriptions and closing a connection.

mod common;

use std::time::Duration;

use common::{start, start_with, Sdk};
use futures_util::StreamExt;
use gatehouse_sim_genetec::well_known::default_fixture as fx;
use gatehouse_sim_genetec::{BadgeDecision, BadgeSwipe, RedirectStatus, SimConfig, StreamListener};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::Value;

/// Reads the stream line by line, as Genetec's EventsMonitor does.
struct Lines {
    stream: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: Vec<u8>,
}

impl Lines {
    /// The next non-empty line; `None` when the server ended the stream. A hang guard
    /// of 10 s turns a missing line into a failure instead of a stuck test.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                let line = String::from_utf8(line).unwrap().trim_end().to_string();
                if line.is_empty() {
                    continue;
                }
                return Some(line);
            }
            let chunk =
                tokio::time::timeout(Duration::from_secs(10), self.stream.next()).await.expect("stream went silent");
            match chunk {
                Some(Ok(bytes)) => self.buffer.extend_from_slice(&bytes),
                _ => return None,
            }
        }
    }

    /// The next line that is not a KeepAlive.
    async fn next_content(&mut self) -> Option<String> {
        loop {
            match self.next().await {
                Some(line) if line == "KeepAlive" => continue,
                other => return other,
            }
        }
    }

    /// The `Result` of the next event part, checking its framing.
    async fn next_event(&mut self) -> Value {
        assert_eq!(self.next_content().await.as_deref(), Some("--GENETECBOUNDARY"));
        assert_eq!(self.next().await.as_deref(), Some("Content-type: text/json"));
        let json: Value = serde_json::from_str(&self.next().await.unwrap()).unwrap();
        assert_eq!(json["Rsp"]["Status"], "Ok");
        json["Rsp"]["Result"].clone()
    }
}

/// Follows the `/events` redirect by hand, re-attaching Basic auth (reqwest drops it
/// when the port changes), and returns the stream with its connection id.
async fn open_stream(sdk: &Sdk) -> (Lines, String) {
    let redirect = sdk.get("events", None).await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    let location = redirect.headers[LOCATION].to_str().unwrap().to_string();
    let response = sdk
        .http
        .get(location)
        .basic_auth(&sdk.username, Some(&sdk.password))
        .header("Accept", "text/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut lines = Lines { stream: response.bytes_stream().boxed(), buffer: Vec::new() };
    let first = lines.next().await.unwrap();
    let id = first.strip_prefix("ConnectionId:").unwrap_or_else(|| panic!("first line {first}")).to_string();
    (lines, id)
}

fn swipe(door: uuid::Uuid, cardholder: uuid::Uuid) -> BadgeSwipe {
    BadgeSwipe {
        door,
        credential: None,
        cardholder: Some(cardholder),
        timestamp: None,
        decision: BadgeDecision::Evaluate,
    }
}

#[tokio::test]
async fn events_redirects_to_the_streaming_port() {
    let sim = start().await;
    let reply = Sdk::envoy(&sim).get("events", None).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.headers[LOCATION].to_str().unwrap(), sim.stream_url());
    assert_ne!(sim.stream_url().split(':').nth(2), sim.base_url().split(':').nth(2), "another port");
    sim.shutdown().await;
}

#[tokio::test]
async fn events_redirect_status_is_configurable() {
    let sim =
        start_with(SimConfig { events_redirect: RedirectStatus::TemporaryRedirect, ..SimConfig::default() }).await;
    assert_eq!(Sdk::envoy(&sim).get("events", None).await.status, StatusCode::TEMPORARY_REDIRECT);
    sim.shutdown().await;
}

#[tokio::test]
async fn stream_requires_authentication_on_the_streaming_port() {
    let sim = start().await;
    let response = common::http().get(sim.stream_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn stream_starts_with_its_connection_id_then_sends_keepalives() {
    let sim = start().await;
    let (mut lines, id) = open_stream(&Sdk::envoy(&sim)).await;
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(lines.next().await.as_deref(), Some("KeepAlive"));
    assert_eq!(lines.next().await.as_deref(), Some("KeepAlive"));
    sim.shutdown().await;
}

#[tokio::test]
async fn subscribed_access_granted_arrives_as_a_framed_text_json_part() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let (mut lines, _) = open_stream(&sdk).await;
    sdk.get("events/subscribe", Some("event(Door,AccessGranted)")).await.ok();
    sim.swipe(&swipe(fx::HQ_MAIN_ENTRANCE, fx::ALICE)).unwrap();
    let event = lines.next_event().await;
    assert_eq!(event["EventType"], "AccessGranted");
    assert_eq!(event["SourceGuid"], fx::HQ_MAIN_ENTRANCE.to_string());
    assert_eq!(event["CardholderGuid"], fx::ALICE.to_string());
    assert!(event["Timestamp"].as_str().unwrap().ends_with('Z'));
    sim.shutdown().await;
}

#[tokio::test]
async fn only_subscribed_doors_and_event_types_are_streamed() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let (mut lines, _) = open_stream(&sdk).await;
    sdk.get(
        "events/subscribe",
        Some(&format!("event({},AccessGranted),event(LogicalId(Door,4),AccessRefused)", fx::HQ_PARKING_GATE)),
    )
    .await
    .ok();
    sim.swipe(&swipe(fx::HQ_MAIN_ENTRANCE, fx::ALICE)).unwrap();
    sim.swipe(&swipe(fx::HQ_PARKING_GATE, fx::CAROL)).unwrap();
    sim.swipe(&swipe(fx::HQ_PARKING_GATE, fx::BOB)).unwrap();
    let event = lines.next_event().await;
    assert_eq!(
        (event["SourceGuid"].as_str(), event["CardholderGuid"].as_str()),
        (Some(fx::HQ_PARKING_GATE.to_string().as_str()), Some(fx::BOB.to_string().as_str()))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn subscribed_lists_type_wide_subscriptions_expanded_into_guids() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    assert_eq!(sdk.get("events/subscribed", None).await.ok(), serde_json::json!([]));
    sdk.get("events/subscribe", Some("event(Door,AccessGranted)")).await.ok();
    let listing = sdk.get("events/subscribed", None).await.ok();
    assert_eq!(listing[0]["EventType"], "AccessGranted");
    assert_eq!(listing[0]["Entities"].as_array().unwrap().len(), 4);
    sdk.get("events/unsubscribe", Some(&format!("event({},AccessGranted)", fx::HQ_SERVER_ROOM))).await.ok();
    let listing = sdk.get("events/subscribed", None).await.ok();
    assert_eq!(listing[0]["Entities"].as_array().unwrap().len(), 3);
    sdk.get("events/subscribe", Some("event(Door,SomethingElse)")).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn closeconnection_ends_the_stream() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let (mut lines, id) = open_stream(&sdk).await;
    sdk.post(&format!("events/closeconnection/{id}"), None).await.ok();
    assert_eq!(lines.next_content().await, None);
    sdk.post(&format!("events/closeconnection/{id}"), None).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn another_session_cannot_close_a_stream_assumed() {
    let sim = start().await;
    let (_lines, id) = open_stream(&Sdk::envoy(&sim)).await;
    let admin = Sdk::as_user(&sim, fx::ADMIN_USER, fx::ENVOY_APP_ID, fx::ADMIN_PASSWORD);
    admin.post(&format!("events/closeconnection/{id}"), None).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn expiring_the_session_closes_its_stream_and_forgets_subscriptions() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let (mut lines, _) = open_stream(&sdk).await;
    sdk.get("events/subscribe", Some("event(Door,AccessGranted)")).await.ok();
    assert_eq!(sim.expire_sessions(Some(fx::ENVOY_USER)), 1);
    assert_eq!(lines.next_content().await, None);
    assert_eq!(sdk.get("events/subscribed", None).await.ok(), serde_json::json!([]));
    sim.shutdown().await;
}

#[tokio::test]
async fn without_a_streaming_port_events_streams_on_the_main_port() {
    let sim = start_with(SimConfig { stream: StreamListener::SamePort, ..SimConfig::default() }).await;
    let sdk = Sdk::envoy(&sim);
    let response = sdk
        .http
        .get(format!("{}/events", sdk.base))
        .basic_auth(&sdk.username, Some(&sdk.password))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut lines = Lines { stream: response.bytes_stream().boxed(), buffer: Vec::new() };
    assert!(lines.next().await.unwrap().starts_with("ConnectionId:"));
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let sim = start().await;
    let (mut lines, _) = open_stream(&Sdk::envoy(&sim)).await;
    sim.shutdown().await;
    assert_eq!(lines.next_content().await, None);
}
