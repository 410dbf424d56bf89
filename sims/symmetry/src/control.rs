//! The HTTP control API (outside the TDS port) that tests and integrators use to steer the
//! simulator: pause/resume/run the import processor, inject faults, seed fixtures, set the
//! clock, fetch the certificate and dump the state. The fault plan and the clock are served as
//! every simulator serves them (`gatehouse_sim_faults::control`).
//!
//! | Method and path            | Body                                  | Effect                          |
//! |----------------------------|---------------------------------------|---------------------------------|
//! | GET  /health               |                                       | "ok"                            |
//! | GET  /state                |                                       | databases, processor, faults    |
//! | POST /processor/pause      |                                       | stop processing import rows     |
//! | POST /processor/resume     |                                       | process again                   |
//! | POST /processor/run        | `{"include_scheduled": bool}` (opt.)  | process pending rows now        |
//! | GET/POST/DELETE /faults    | a fault (see `faults::Fault`)         | list / inject / clear all       |
//! | GET/PUT/DELETE /fault-plan | a `FaultPlan`                         | the shared plan: show/set/clear |
//! | POST /fixture              | a fixture (see `fixture::Fixture`)    | upsert multiMAX data and logins |
//! | GET  /clock                |                                       | `{now, offset_secs, frozen}`    |
//! | PUT  /clock                | a `ClockChange`, e.g. `{"offset_secs": -3600}` | the clock as above     |
//! | PUT  /clock                | `{"utc": "2024-05-01T12:00:00Z"}` or `{"utc": null}` | fix or free it (204) |
//! | GET  /cert                 |                                       | the TLS certificate (PEM)       |

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use gatehouse_sim_faults::{control, ClockChange};
use serde::Deserialize;
use serde_json::json;

use crate::faults::Fault;
use crate::fixture::Fixture;
use crate::processor::process_pending;
use crate::state::SimState;

pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/state", get(dump))
        .route("/processor/pause", post(pause))
        .route("/processor/resume", post(resume))
        .route("/processor/run", post(run))
        .route("/faults", get(list_faults).post(inject).delete(clear_faults))
        .route("/fixture", post(seed))
        .route("/clock", get(control::get_clock::<SimState>).put(set_clock))
        .route("/cert", get(cert))
        .merge(control::routes())
        .with_state(state)
}

/// The full state as JSON (also what `RunningSim::dump` returns).
pub fn state_json(state: &SimState) -> serde_json::Value {
    let databases = state.lock_catalog().dump();
    json!({
        "databases": databases,
        "processor": {
            "paused": state.processor.is_paused(),
            "ticks": state.processor.ticks(),
            "interval_ms": state.config.process_interval.as_millis() as u64,
        },
        "faults": state.faults.active(),
        "connections": state.transport_counts(),
        "logins": state.logins().iter().map(|l| l.user.clone()).collect::<Vec<_>>(),
        "fault_plan": state.fault_plan.plan(),
        "clock_utc": state.now_utc().to_rfc3339(),
    })
}

async fn dump(State(state): State<Arc<SimState>>) -> Json<serde_json::Value> {
    Json(state_json(&state))
}

async fn pause(State(state): State<Arc<SimState>>) -> StatusCode {
    state.processor.pause();
    StatusCode::NO_CONTENT
}

async fn resume(State(state): State<Arc<SimState>>) -> StatusCode {
    state.processor.resume();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Default, Deserialize)]
struct RunRequest {
    #[serde(default)]
    include_scheduled: bool,
}

async fn run(State(state): State<Arc<SimState>>, body: Option<Json<RunRequest>>) -> Json<serde_json::Value> {
    let request = body.map(|Json(b)| b).unwrap_or_default();
    let processed = process_pending(&state, request.include_scheduled);
    Json(json!({ "processed": processed }))
}

async fn list_faults(State(state): State<Arc<SimState>>) -> Json<Vec<Fault>> {
    Json(state.faults.active())
}

async fn inject(State(state): State<Arc<SimState>>, Json(fault): Json<Fault>) -> StatusCode {
    state.faults.inject(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(state): State<Arc<SimState>>) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn seed(State(state): State<Arc<SimState>>, Json(fixture): Json<Fixture>) -> Response {
    match state.seed(&fixture) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e.to_string() }))).into_response(),
    }
}

/// `PUT /clock` takes the shared change, or the older `{"utc": …}` that fixes or frees the clock.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ClockRequest {
    Change(ClockChange),
    Fixed { utc: Option<DateTime<Utc>> },
}

async fn set_clock(State(state): State<Arc<SimState>>, Json(request): Json<ClockRequest>) -> Response {
    match request {
        ClockRequest::Change(change) => control::put_clock(State(state), Json(change)).await,
        ClockRequest::Fixed { utc } => {
            state.set_time(utc);
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

async fn cert(State(state): State<Arc<SimState>>) -> Response {
    match &state.tls {
        Some(tls) => ([("content-type", "application/x-pem-file")], tls.cert_pem.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "this simulator runs without TLS").into_response(),
    }
}
