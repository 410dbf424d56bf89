//! `events`, `events/subscribe|unsubscribe|subscribed`, `events/closeconnection/{id}`.

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{method_not_allowed, Call, Reply};
use crate::config::RedirectStatus;
use crate::envelope::{SdkFailure, SdkResponse};
use crate::events::{stream, subscriptions};
use crate::query::{parse_guid, query_parameter};
use crate::server::ListenerRole;

pub fn handle(call: &Call<'_>, rest: &[&str]) -> Reply {
    match (rest, call.method) {
        ([], &Method::GET) => open(call),
        (["subscribe"], &Method::GET) => change(call, true).into(),
        (["unsubscribe"], &Method::GET) => change(call, false).into(),
        (["subscribed"], &Method::GET) => subscribed(call).into(),
        (["closeconnection", _], &Method::POST) => close(call, &call.segments[2]).into(),
        ([] | ["subscribe"] | ["unsubscribe"] | ["subscribed"] | ["closeconnection", _], _) => {
            Reply::Http(method_not_allowed())
        }
        _ => Reply::Http(super::html(StatusCode::NOT_FOUND, "The resource cannot be found.")),
    }
}

/// On the main port: redirect to the streaming port (spec §8.2). On the streaming
/// port, or without one: the stream itself.
fn open(call: &Call<'_>) -> Reply {
    let stream_port = call.sim.ports.get().and_then(|p| p.stream);
    let on_main = call.connection.is_none_or(|c| c.role == ListenerRole::Main);
    if let (true, Some(port)) = (on_main, stream_port) {
        return Reply::Http(redirect(call, port));
    }
    let registration = call.sim.live().open_stream(&call.auth.key, call.auth.session_id);
    let body = stream::body(call.sim.clone(), registration, call.sim.settings.keepalive_interval);
    let mut response = (StatusCode::OK, body).into_response();
    // ASSUMPTION: the stream's content type is multipart with Genetec's boundary [I].
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("multipart/mixed; boundary=GENETECBOUNDARY"));
    Reply::Http(response)
}

/// ASSUMPTION: the redirect keeps the host the client used, swaps in the streaming
/// port, and keeps the path `{BaseUri}/events` (spec §8.2 [I]).
fn redirect(call: &Call<'_>, port: u16) -> Response {
    let host = call
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| match h.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
            _ => h.to_string(),
        })
        .unwrap_or_else(|| "127.0.0.1".into());
    let scheme = if call.sim.settings.tls { "https" } else { "http" };
    let location = format!("{scheme}://{host}:{port}{}/events", call.sim.settings.base_path);
    let status = match call.sim.settings.events_redirect {
        RedirectStatus::Found => StatusCode::FOUND,
        RedirectStatus::TemporaryRedirect => StatusCode::TEMPORARY_REDIRECT,
    };
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn change(call: &Call<'_>, subscribe: bool) -> SdkResponse {
    let Some(query) = query_parameter(call.raw_query, "q") else {
        return SdkResponse::fail(SdkFailure::invalid_operation("The request has no 'q' parameter"));
    };
    let parsed = match call.sim.read(|d| subscriptions::parse(d, &query)) {
        Ok(parsed) => parsed,
        Err(failure) => return SdkResponse::fail(failure),
    };
    let mut live = call.sim.live();
    let Some(session) = live.session_mut(&call.auth.key) else {
        return SdkResponse::fail(SdkFailure::invalid_operation("The session has expired"));
    };
    if subscribe {
        subscriptions::subscribe(session, parsed);
    } else {
        subscriptions::unsubscribe(session, parsed);
    }
    SdkResponse::ok()
}

fn subscribed(call: &Call<'_>) -> SdkResponse {
    let mut live = call.sim.live();
    let listing = live.session_mut(&call.auth.key).map(|s| subscriptions::listing(s)).unwrap_or_default();
    SdkResponse::with_result(listing)
}

fn close(call: &Call<'_>, id: &str) -> SdkResponse {
    let closed = parse_guid(id).is_some_and(|guid| call.sim.live().close_stream(&call.auth.key, guid));
    if closed {
        SdkResponse::ok()
    } else {
        // ASSUMPTION: closing an unknown or foreign connection is a Fail envelope [I].
        SdkResponse::fail(SdkFailure::invalid_value(format!("No open event connection '{id}' in this session")))
    }
}
