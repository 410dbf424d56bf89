//! The simulator-only control API under `/_sim` (no authentication; a real role has
//! nothing here): badge swipes, state dump, reset, Web SDK faults, sessions, the TLS
//! certificate, and the fault plan and clock every simulator serves the same way
//! (`/fault-plan`, `GET`/`PUT /clock`, from `gatehouse_sim_faults::control`). Each
//! handler is a thin JSON wrapper over a `SimState` method that the library API calls too.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, TimeDelta, Utc};
use gatehouse_sim_faults::control;
use serde::Deserialize;
use serde_json::json;

use crate::access::{BadgeSwipe, SwipeError};
use crate::faults::FaultRule;
use crate::model::status::format_date;
use crate::state::SimState;

pub const PREFIX: &str = "/_sim";

pub fn router() -> Router<Arc<SimState>> {
    Router::new()
        .route("/info", get(info))
        .route("/state", get(state))
        .route("/reset", post(reset))
        .route("/badge", post(badge))
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/faults/{id}", delete(remove_fault))
        .route("/sessions", get(sessions))
        .route("/sessions/expire", post(expire_sessions))
        .route("/clock", get(control::get_clock::<SimState>).put(control::put_clock::<SimState>).post(move_clock))
        .route("/cert", get(cert))
        .merge(control::routes())
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

async fn info(State(sim): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(json!({
        "base_url": sim.base_url(),
        "stream_url": sim.stream_url(),
        "control_url": sim.control_url(),
        "tls": sim.settings.tls,
    }))
}

async fn state(State(sim): State<Arc<SimState>>) -> Json<crate::model::Directory> {
    Json(sim.snapshot())
}

async fn reset(State(sim): State<Arc<SimState>>) -> Json<serde_json::Value> {
    sim.reset();
    Json(json!({ "reset": true }))
}

async fn badge(State(sim): State<Arc<SimState>>, Json(swipe): Json<BadgeSwipe>) -> Response {
    match sim.swipe(&swipe) {
        Ok((event, delivered)) => Json(json!({
            "event_type": event.event_type.name(),
            "event_type_id": event.event_type.number(),
            "row": event.to_row(),
            "delivered_to_streams": delivered,
        }))
        .into_response(),
        Err(e @ (SwipeError::UnknownDoor(_) | SwipeError::UnknownCardholder(_))) => error(StatusCode::NOT_FOUND, e),
        Err(e) => error(StatusCode::BAD_REQUEST, e),
    }
}

async fn list_faults(State(sim): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(json!(sim.faults().list()))
}

async fn add_fault(State(sim): State<Arc<SimState>>, Json(rule): Json<FaultRule>) -> Json<serde_json::Value> {
    Json(json!({ "id": sim.faults().add(rule) }))
}

async fn clear_faults(State(sim): State<Arc<SimState>>) -> StatusCode {
    sim.faults().clear();
    StatusCode::NO_CONTENT
}

async fn remove_fault(State(sim): State<Arc<SimState>>, Path(id): Path<u64>) -> Response {
    if sim.faults().remove(id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("no fault {id}"))
    }
}

async fn sessions(State(sim): State<Arc<SimState>>) -> Json<serde_json::Value> {
    let live = sim.live();
    Json(json!({ "sessions": live.views(), "sessions_started": live.sessions_started() }))
}

#[derive(Debug, Default, Deserialize)]
struct ExpireRequest {
    #[serde(default)]
    user: Option<String>,
}

async fn expire_sessions(
    State(sim): State<Arc<SimState>>,
    body: Option<Json<ExpireRequest>>,
) -> Json<serde_json::Value> {
    let request = body.map(|Json(r)| r).unwrap_or_default();
    Json(json!({ "expired": sim.live().expire(request.user.as_deref()) }))
}

/// The older `POST /_sim/clock` body, kept beside the shared `PUT`.
#[derive(Debug, Deserialize)]
struct ClockRequest {
    #[serde(default)]
    advance_seconds: Option<i64>,
    #[serde(default)]
    set: Option<DateTime<Utc>>,
}

async fn move_clock(State(sim): State<Arc<SimState>>, Json(request): Json<ClockRequest>) -> Json<serde_json::Value> {
    if let Some(at) = request.set {
        sim.clock.set(at);
    }
    if let Some(seconds) = request.advance_seconds {
        sim.clock.advance(TimeDelta::seconds(seconds));
    }
    Json(json!({ "now": format_date(sim.clock.now()) }))
}

async fn cert(State(sim): State<Arc<SimState>>) -> Response {
    match &sim.cert_pem {
        Some(pem) => ([(header::CONTENT_TYPE, "application/x-pem-file")], pem.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "the simulator is not serving TLS"),
    }
}
