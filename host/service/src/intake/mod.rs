//! The HTTP intake (axum): our event JSON, the Envoy-compatible webhook and
//! the policy dry run. Handlers translate HTTP to service calls and back;
//! the rules live in [`crate::service`].
//!
//! Answers: 202 once the event is committed (a redelivery gets the same body
//! again, marked `x-gatehouse-duplicate: true`); 400 malformed; 401 bad or
//! missing signature; 404 unknown install or location; 413 oversized body.
//! Nothing is stored on any error.

mod envoy;
mod error;
mod native;
pub mod timestamps;

pub use envoy::{sign as envoy_signature, signature_is_valid, SIGNATURE_HEADER};
pub use error::ApiError;

use crate::domain::{InstallId, TenantId};
use crate::service::{EventSource, IncomingEvent, Service};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use native::NativeEvent;
use serde::Deserialize;

/// The default cap on a request body.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
struct App {
    service: Service,
    body_limit: usize,
}

/// The intake routes, bodies capped at `body_limit` bytes.
pub fn router(service: Service, body_limit: usize) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/events", post(post_event))
        .route("/v1/installs/{id}/webhooks/envoy", post(post_envoy_webhook))
        .route("/v1/installs/{id}/policy/dry-run", post(post_dry_run))
        .with_state(App { service, body_limit })
}

/// Reads the whole body, refusing more than `limit` bytes.
async fn read_body(body: Body, content_length: Option<&HeaderValue>, limit: usize) -> Result<Bytes, ApiError> {
    let declared = content_length.and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::too_large(limit));
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::too_large(limit)),
        Err(e) => Err(ApiError::bad_request(format!("the body could not be read: {e}"))),
    }
}

fn accepted(ingested: crate::service::Ingested) -> Response {
    let mut response = (StatusCode::ACCEPTED, Json(ingested.receipt)).into_response();
    if ingested.duplicate {
        response.headers_mut().insert("x-gatehouse-duplicate", HeaderValue::from_static("true"));
    }
    response
}

async fn post_event(State(app): State<App>, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let body = read_body(body, parts.headers.get(header::CONTENT_LENGTH), app.body_limit).await?;
    let native = NativeEvent::parse(&body).map_err(ApiError::bad_request)?;
    let target = native.target().map_err(ApiError::bad_request)?;
    let (location, installs) = app.service.resolve_target(&target).await?;
    let event = native.normalise(location.time_zone, app.service.clock().now()).map_err(ApiError::bad_request)?;
    let incoming = IncomingEvent {
        source: EventSource::Gatehouse,
        name: native.kind.clone(),
        dedup_key: native.event_id.clone(),
        raw: String::from_utf8_lossy(&body).into_owned(),
        event: Ok(event),
    };
    Ok(accepted(app.service.ingest(&location, &installs, incoming).await?))
}

async fn post_envoy_webhook(State(app): State<App>, Path(id): Path<String>, request: Request) -> Result<Response, ApiError> {
    let (install, location) = app.service.webhook_install(&InstallId::new(id)).await?;
    let (parts, body) = request.into_parts();
    let body = read_body(body, parts.headers.get(header::CONTENT_LENGTH), app.body_limit).await?;
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("the X-Envoy-Signature header is missing"))?;
    let secret = app
        .service
        .webhook_secret(&install)
        .await?
        .ok_or_else(|| ApiError::unauthorized(format!("install `{}` has no webhook secret; set one to accept Envoy webhooks", install.id)))?;
    if !signature_is_valid(&secret, &body, signature) {
        return Err(ApiError::unauthorized("the X-Envoy-Signature does not match the body and the install's webhook secret"));
    }
    if !install.enabled {
        return Err(ApiError::new(StatusCode::CONFLICT, "disabled", format!("install `{}` is disabled", install.id)));
    }
    let parsed = envoy::parse(&body, location.time_zone, app.service.clock().now()).map_err(ApiError::bad_request)?;
    let incoming = IncomingEvent {
        source: EventSource::Envoy,
        name: parsed.name,
        dedup_key: parsed.dedup_key,
        raw: String::from_utf8_lossy(&body).into_owned(),
        event: parsed.event,
    };
    Ok(accepted(app.service.ingest(&location, std::slice::from_ref(&install), incoming).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DryRunRequest {
    /// An event in our JSON format (`event_id` and target may be left out).
    event: serde_json::Value,
    /// A candidate policy (TOML) to try instead of the stored one.
    #[serde(default)]
    policy: Option<String>,
    /// Plan as of this instant instead of now.
    #[serde(default)]
    at: Option<String>,
}

async fn post_dry_run(State(app): State<App>, Path(id): Path<String>, request: Request) -> Result<Response, ApiError> {
    let (install, location) = app.service.webhook_install(&InstallId::new(id)).await?;
    let (parts, body) = request.into_parts();
    let body = read_body(body, parts.headers.get(header::CONTENT_LENGTH), app.body_limit).await?;
    let request: DryRunRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("the body is not a dry-run request: {e}")))?;
    let native: NativeEvent =
        serde_json::from_value(request.event).map_err(|e| ApiError::bad_request(format!("`event` is not a valid event: {e}")))?;
    let zone = location.time_zone;
    let at = request
        .at
        .as_deref()
        .map(|t| timestamps::parse_instant(t, zone).map_err(|e| ApiError::bad_request(format!("`at`: {e}"))))
        .transpose()?;
    let now = at.unwrap_or_else(|| app.service.clock().now());
    let event = native.normalise(zone, now).map_err(ApiError::bad_request)?;
    let tenant: &TenantId = &install.tenant_id;
    let dry_run = app.service.dry_run(tenant, &install.id, &event, request.policy.as_deref(), Some(now)).await?;
    Ok((StatusCode::OK, Json(dry_run)).into_response())
}
