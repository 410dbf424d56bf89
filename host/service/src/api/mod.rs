//! The management REST API under `/v1`, with the event intake beside it.
//!
//! Every route is one row of [`routes`]: the router is built from that table
//! and the OpenAPI document ([`openapi`]) must describe each row, which a
//! test checks. A handler extracts the [`auth::Principal`], checks its scope,
//! calls one [`Service`] method and maps the answer; the rules live in the
//! service. Routes of one tenant's data sit under `/v1/tenants/{tenant}/`, so
//! every scope check has the same shape. `/healthz`, `/openapi.json` and the
//! signed Envoy webhook need no token; everything else needs a bearer token.

mod audit;
pub mod auth;
mod delivery;
mod installs;
mod jobs;
mod metrics;
pub mod openapi;
mod plugins;
mod policies;
mod privacy;
mod tenants;
mod tokens;

use crate::domain::{InstallId, TenantId};
use crate::intake;
use crate::service::Service;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// What every handler is given.
#[derive(Clone)]
pub struct ApiState {
    pub service: Service,
    /// The cap on a request body, in bytes.
    pub body_limit: usize,
}

/// One route: a method, a path in OpenAPI's `{param}` form, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<ApiState>,
}

fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, ApiState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("routes use standard methods");
    Route { method, path, handler: on(filter, handler) }
}

/// Every route Gatehouse serves: the one table the router and the
/// OpenAPI completeness test read.
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        route(M::GET, "/healthz", intake::health),
        route(M::GET, "/openapi.json", openapi::document),
        route(M::GET, "/metrics", metrics::render),
        route(M::POST, "/v1/events", intake::post_event),
        route(M::POST, "/v1/installs/{install}/webhooks/envoy", intake::post_envoy_webhook),
        route(M::GET, "/v1/tokens", tokens::list_admin),
        route(M::POST, "/v1/tokens", tokens::create_admin),
        route(M::DELETE, "/v1/tokens/{token}", tokens::revoke_admin),
        route(M::GET, "/v1/tenants", tenants::list),
        route(M::POST, "/v1/tenants", tenants::create),
        route(M::GET, "/v1/tenants/{tenant}", tenants::get),
        route(M::GET, "/v1/tenants/{tenant}/tokens", tokens::list),
        route(M::POST, "/v1/tenants/{tenant}/tokens", tokens::create),
        route(M::DELETE, "/v1/tenants/{tenant}/tokens/{token}", tokens::revoke),
        route(M::GET, "/v1/tenants/{tenant}/delivery", delivery::get),
        route(M::PUT, "/v1/tenants/{tenant}/delivery/smtp", delivery::put_smtp),
        route(M::DELETE, "/v1/tenants/{tenant}/delivery/smtp", delivery::delete_smtp),
        route(M::PUT, "/v1/tenants/{tenant}/delivery/outbound-webhook", delivery::put_outbound_webhook),
        route(M::DELETE, "/v1/tenants/{tenant}/delivery/outbound-webhook", delivery::delete_outbound_webhook),
        route(M::PUT, "/v1/tenants/{tenant}/delivery/email-template", delivery::put_email_template),
        route(M::DELETE, "/v1/tenants/{tenant}/delivery/email-template", delivery::delete_email_template),
        route(M::GET, "/v1/tenants/{tenant}/locations", tenants::list_locations),
        route(M::GET, "/v1/tenants/{tenant}/locations/{location}", tenants::get_location),
        route(M::PUT, "/v1/tenants/{tenant}/locations/{location}", tenants::put_location),
        route(M::GET, "/v1/tenants/{tenant}/locations/{location}/occupancy", tenants::occupancy),
        route(M::GET, "/v1/tenants/{tenant}/installs", installs::list),
        route(M::POST, "/v1/tenants/{tenant}/installs", installs::create),
        route(M::GET, "/v1/tenants/{tenant}/installs/{install}", installs::get),
        route(M::PUT, "/v1/tenants/{tenant}/installs/{install}", installs::configure),
        route(M::POST, "/v1/tenants/{tenant}/installs/{install}/enable", installs::enable),
        route(M::POST, "/v1/tenants/{tenant}/installs/{install}/disable", installs::disable),
        route(M::POST, "/v1/tenants/{tenant}/installs/{install}/validate", installs::validate),
        route(M::GET, "/v1/tenants/{tenant}/installs/{install}/options/{picker}", installs::options),
        route(M::GET, "/v1/tenants/{tenant}/installs/{install}/secrets", installs::list_secrets),
        route(M::PUT, "/v1/tenants/{tenant}/installs/{install}/secrets/{name}", installs::put_secret),
        route(M::DELETE, "/v1/tenants/{tenant}/installs/{install}/secrets/{name}", installs::delete_secret),
        route(M::GET, "/v1/tenants/{tenant}/installs/{install}/policy", policies::current),
        route(M::PUT, "/v1/tenants/{tenant}/installs/{install}/policy", policies::put),
        route(M::GET, "/v1/tenants/{tenant}/installs/{install}/policy/versions", policies::versions),
        route(M::POST, "/v1/tenants/{tenant}/installs/{install}/policy/dry-run", policies::dry_run),
        route(M::GET, "/v1/tenants/{tenant}/jobs", jobs::list),
        route(M::GET, "/v1/tenants/{tenant}/jobs/{job}", jobs::get),
        route(M::POST, "/v1/tenants/{tenant}/jobs/{job}/redrive", jobs::redrive),
        route(M::GET, "/v1/tenants/{tenant}/events", jobs::events),
        route(M::GET, "/v1/tenants/{tenant}/audit", audit::list),
        route(M::GET, "/v1/tenants/{tenant}/privacy", privacy::get),
        route(M::PUT, "/v1/tenants/{tenant}/privacy", privacy::put),
        route(M::POST, "/v1/tenants/{tenant}/purge", privacy::purge),
        route(M::POST, "/v1/tenants/{tenant}/erasures", privacy::erase),
        route(M::GET, "/v1/tenants/{tenant}/erasures/{erasure}", privacy::erasure),
        route(M::GET, "/v1/tenants/{tenant}/installs/{install}/health", privacy::health),
    ]
    .into_iter()
    .chain(plugins::routes())
    .collect()
}

/// The whole HTTP surface, with request ids (`x-request-id`, kept when the
/// caller sends one) and a trace span per request that carries it.
pub fn router(state: ApiState) -> Router {
    let mut router = Router::new();
    for r in routes() {
        router = router.route(r.path, r.handler);
    }
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let id =
                request.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO));
    router
        .with_state(state)
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(trace)
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// A JSON body, capped at the state's limit, refused with our error body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<ApiState> for ApiJson<T> {
    type Rejection = intake::ApiError;

    async fn from_request(request: Request, state: &ApiState) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let bytes = intake::read_body(body, parts.headers.get(header::CONTENT_LENGTH), state.body_limit).await?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| intake::ApiError::bad_request(format!("the body is not valid for this request: {e}")))
    }
}

/// Query parameters, refused with our error body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = intake::ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e| intake::ApiError::bad_request(format!("the query is not valid: {}", e.body_text())))
    }
}

/// `/v1/tenants/{tenant}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TenantPath {
    /// The tenant's id.
    pub tenant: TenantId,
}

/// `/v1/tenants/{tenant}/installs/{install}`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct InstallPath {
    pub tenant: TenantId,
    /// The install's id.
    pub install: InstallId,
}

/// The most rows a list answers with, and the default.
const MAX_LIMIT: u32 = 1000;
const DEFAULT_LIMIT: u32 = 100;

fn limit(asked: Option<u32>) -> u32 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}
