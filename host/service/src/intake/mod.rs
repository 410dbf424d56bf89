//! The HTTP intake (axum): our event JSON (bearer token of the tenant,
//! read-write) and the Envoy-compatible webhook (signed, no token). Handlers
//! translate HTTP to service calls and back; the rules live in
//! [`crate::service`]; the routes are rows of [`crate::api::routes`].
//!
//! Answers: 202 once the event is committed (a redelivery gets the same body
//! again, marked `x-gatehouse-duplicate: true`); 400 malformed; 401 bad or
//! missing signature or token; 404 unknown install or location (also for one
//! of another tenant); 413 oversized body. Nothing is stored on any error.

mod envoy;
mod error;
pub(crate) mod native;
pub mod timestamps;

pub use envoy::{sign as envoy_signature, signature_is_valid, SIGNATURE_HEADER};
pub use error::ApiError;

use crate::api::auth::Principal;
use crate::api::ApiState;
use crate::domain::InstallId;
use crate::service::{EventSource, IncomingEvent, IngestReceipt, ServiceError, Target};
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use native::NativeEvent;

/// The default cap on a request body.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// Reads the whole body, refusing more than `limit` bytes.
pub(crate) async fn read_body(
    body: Body,
    content_length: Option<&HeaderValue>,
    limit: usize,
) -> Result<Bytes, ApiError> {
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

/// Liveness: answers while the process serves HTTP.
#[utoipa::path(get, path = "/healthz", tag = "intake", security(()), responses((status = 200, body = String, example = "ok")))]
pub(crate) async fn health() -> &'static str {
    "ok"
}

/// Takes one event of our JSON for an install or every enabled install of a location.
#[utoipa::path(post, path = "/v1/events", tag = "intake",
    request_body(content = NativeEvent, description = "an event of our JSON (see docs/intake.md)"),
    responses((status = 202, body = IngestReceipt, description = "stored; redeliveries are marked `x-gatehouse-duplicate: true`")))]
pub(crate) async fn post_event(
    State(app): State<ApiState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let body = read_body(body, parts.headers.get(header::CONTENT_LENGTH), app.body_limit).await?;
    let native = NativeEvent::parse(&body).map_err(ApiError::bad_request)?;
    let target = native.target().map_err(ApiError::bad_request)?;
    let (location, installs) = app.service.resolve_target(&target).await?;
    if !principal.scope.reaches(&location.tenant_id) {
        // Another tenant's install looks exactly like an unknown one.
        return Err(match target {
            Target::Install(id) => ServiceError::not_found("install", id),
            Target::Location(id) => ServiceError::not_found("location", id),
        }
        .into());
    }
    principal.write(&location.tenant_id)?;
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

/// The Envoy-compatible webhook, verified by its `X-Envoy-Signature`.
#[utoipa::path(post, path = "/v1/installs/{install}/webhooks/envoy", tag = "intake", security(()),
    params(("install" = String, Path, description = "the install the webhook is for")),
    request_body(content = Object, description = "an Envoy webhook body, signed with the install's webhook secret"),
    responses((status = 202, body = IngestReceipt)))]
pub(crate) async fn post_envoy_webhook(
    State(app): State<ApiState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let (install, location) = app.service.webhook_install(&InstallId::new(id)).await?;
    let (parts, body) = request.into_parts();
    let body = read_body(body, parts.headers.get(header::CONTENT_LENGTH), app.body_limit).await?;
    let signature = parts
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("the X-Envoy-Signature header is missing"))?;
    let secret = app.service.webhook_secret(&install).await?.ok_or_else(|| {
        ApiError::unauthorized(format!(
            "install `{}` has no webhook secret; set one to accept Envoy webhooks",
            install.id
        ))
    })?;
    if !signature_is_valid(&secret, &body, signature) {
        return Err(ApiError::unauthorized(
            "the X-Envoy-Signature does not match the body and the install's webhook secret",
        ));
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
