//! `GET /metrics`: the service's metrics in the Prometheus text format, for
//! admin tokens (a scrape sees every tenant's installs).

use super::auth::Principal;
use super::ApiState;
use crate::intake::ApiError;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The Prometheus text format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Events, jobs by status, action latency per plugin version, queue depth and breaker states.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, body = String, content_type = "text/plain", description = "the Prometheus text exposition format")))]
pub(crate) async fn render(State(app): State<ApiState>, principal: Principal) -> Result<Response, ApiError> {
    principal.admin_read()?;
    match app.service.metrics_text().await {
        Ok(text) => Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "rendering /metrics failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "metrics are unavailable: the store could not be read",
            ))
        }
    }
}
