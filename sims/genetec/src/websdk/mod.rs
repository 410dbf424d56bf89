//! The Web SDK surface under the base path: the shared fault plan, the Web SDK's own
//! faults, the POST rule, authentication, then routing to the endpoint handlers.
//!
//! Routing is done here by hand rather than by axum's router because the role
//! matches paths case-insensitively.
//! ASSUMPTION: the base path and endpoint names are case-insensitive (`/WebSdk/` and
//! `/WebSDK/` both appear in Genetec's guide; spec §1 [I]).

mod auth;
mod custom_fields;
mod entity;
mod events;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

use crate::envelope::{render, Representation, SdkErrorCode, SdkFailure, SdkResponse};
use crate::faults::Terminal;
use crate::server::ConnectionContext;
use crate::state::SimState;

pub use auth::Authenticated;

/// What an endpoint produced: an envelope to serialise, or a raw HTTP answer
/// (a stream, a redirect, a protocol error).
pub enum Reply {
    Sdk(SdkResponse),
    Http(Response),
}

impl From<SdkResponse> for Reply {
    fn from(response: SdkResponse) -> Self {
        Reply::Sdk(response)
    }
}

/// The request as endpoint handlers see it.
pub struct Call<'a> {
    pub sim: &'a Arc<SimState>,
    pub auth: &'a Authenticated,
    pub method: &'a Method,
    /// Percent-decoded path segments after the base path, original case.
    pub segments: &'a [String],
    pub raw_query: Option<&'a str>,
    pub headers: &'a axum::http::HeaderMap,
    pub connection: Option<&'a ConnectionContext>,
    /// The request body: empty but for the multipart picture upload (spec §3.2).
    pub body: &'a [u8],
}

/// ASSUMPTION: the role refuses bodies over 8 MiB, before running them [I].
const MAX_BODY_BYTES: usize = 8 << 20;

/// The request boundary: the shared fault plan wraps everything the role answers.
pub async fn handle(State(sim): State<Arc<SimState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let connection = parts.extensions.get::<ConnectionContext>().cloned();
    let Some(rest) = strip_base(parts.uri.path(), &sim.settings.base_path) else {
        // A wrong BaseUri is a plain 404 (spec §4.2).
        return html(StatusCode::NOT_FOUND, "The resource cannot be found.");
    };
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let target = format!(
        "/{}?{}",
        segments.join("/"),
        parts
            .uri
            .query()
            .map(|q| percent_decode_str(&q.replace('+', " ")).decode_utf8_lossy().into_owned())
            .unwrap_or_default()
    );
    let plan = sim.fault_plan.decide(&target);
    plan.before_running().await;
    let response = if plan.fail {
        server_failure(Representation::negotiate(&parts.headers))
    } else {
        answer(&sim, &parts, body, &segments, &target, connection.as_ref()).await
    };
    plan.before_answering().await;
    if let Some(connection) = &connection {
        connection.cut.limit(plan.drop_after_bytes);
    }
    response
}

/// What the role answers, the Web SDK's own fault rules included.
async fn answer(
    sim: &Arc<SimState>,
    parts: &axum::http::request::Parts,
    body: axum::body::Body,
    segments: &[String],
    target: &str,
    connection: Option<&ConnectionContext>,
) -> Response {
    let decision = sim.faults().decide(target);
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    let representation = Representation::negotiate(&parts.headers);
    if let Some(terminal) = decision.before {
        return apply(terminal, connection, representation, decision.bom).await;
    }
    if parts.method == Method::POST && !parts.headers.contains_key(header::CONTENT_LENGTH) {
        // POST carries no body but must say `Content-Length: 0` (spec §3.2, C S1).
        return html(StatusCode::LENGTH_REQUIRED, "Length Required");
    }
    let authenticated = match auth::authenticate(sim, &parts.headers).await {
        Ok(authenticated) => authenticated,
        Err(refusal) => return refusal.into_response(),
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return html(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let call = Call {
        sim,
        auth: &authenticated,
        method: &parts.method,
        segments,
        raw_query: parts.uri.query(),
        headers: &parts.headers,
        connection,
        body: &body,
    };
    let reply = route(&call).await;
    if !decision.latency_after.is_zero() {
        tokio::time::sleep(decision.latency_after).await;
    }
    if let Some(terminal) = decision.after {
        return apply(terminal, connection, representation, decision.bom).await;
    }
    match reply {
        Reply::Sdk(response) => render(&response, representation, decision.bom),
        Reply::Http(response) => response,
    }
}

async fn route(call: &Call<'_>) -> Reply {
    let lower: Vec<String> = call.segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let method = call.method;
    match lower.as_slice() {
        // Ping: keeps the session alive (spec §6 OP1).
        [] if method == Method::GET || method == Method::POST => SdkResponse::ok().into(),
        ["entity", ..] => entity::handle(call, &lower[1..]),
        ["report", report_type] if method == Method::GET => entity::report(call, report_type),
        ["events", ..] => events::handle(call, &lower[1..]),
        ["customfield", ..] => custom_fields::handle(call),
        ["creationpartition", _] if method == Method::POST => entity::creation_partition(call, &call.segments[1]),
        ["action"] if method == Method::POST => entity::action(call),
        [] | ["report", _] | ["creationpartition", _] | ["action"] => Reply::Http(method_not_allowed()),
        _ => Reply::Http(html(StatusCode::NOT_FOUND, "The resource cannot be found.")),
    }
}

/// Strips the base path case-insensitively; `None` when the path is outside it.
fn strip_base<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    if base.is_empty() {
        return Some(path);
    }
    let head = path.get(..base.len())?;
    let rest = &path[base.len()..];
    (head.eq_ignore_ascii_case(base) && (rest.is_empty() || rest.starts_with('/'))).then_some(rest)
}

async fn apply(
    terminal: Terminal,
    connection: Option<&ConnectionContext>,
    representation: Representation,
    bom: bool,
) -> Response {
    match terminal {
        Terminal::HttpStatus(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            html(status, "Injected server error")
        }
        Terminal::FailEnvelope { code, message } => {
            let mut response = SdkResponse::fail(SdkFailure::new(SdkErrorCode::InvalidOperation, message));
            if let Some(result) = response.result.as_mut() {
                result["SdkErrorCode"] = code.into();
            }
            render(&response, representation, bom)
        }
        Terminal::DropConnection => match connection {
            Some(connection) => {
                connection.kill.cancel();
                // The connection task drops this future with the socket.
                std::future::pending::<Response>().await
            }
            None => html(StatusCode::INTERNAL_SERVER_ERROR, "Connection drop requested outside a connection"),
        },
    }
}

/// An error the fault plan's error rate injects: the request did not run, and the role
/// answers as for a failure of its own.
/// ASSUMPTION: a server-side failure is HTTP 503 carrying the `Fail` envelope with
/// `InvalidOperation`, the one SdkErrorCode seen on a real server (spec §4.2 lists 500 for a
/// server fault [I]; clients treat 500 and 503 alike, as transient).
fn server_failure(representation: Representation) -> Response {
    let failure = SdkFailure::new(
        SdkErrorCode::InvalidOperation,
        "The Directory is temporarily unavailable (injected by the simulator's fault plan)",
    );
    let mut response = render(&SdkResponse::fail(failure), representation, false);
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
}

pub fn html(status: StatusCode, message: &str) -> Response {
    let body = format!("<html><head><title>{}</title></head><body><h1>{message}</h1></body></html>", status.as_u16());
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

/// ASSUMPTION: a known endpoint with the wrong verb answers 405 [I].
pub fn method_not_allowed() -> Response {
    html(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
}
