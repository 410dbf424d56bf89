//! `GET /metrics`: the service's metrics in the Prometheus text format.

use crate::service::Service;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The Prometheus text format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The `/metrics` route over `service`.
pub fn metrics_router(service: Service) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(service)
}

async fn render(State(service): State<Service>) -> Response {
    match service
        .metrics()
        .render(service.store(), service.clock().now())
        .await
    {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering /metrics failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "metrics are unavailable: the store could not be read\n",
            )
                .into_response()
        }
    }
}
