//! The control routes every simulator mounts under its control API, one shape for all:
//!
//! | Method and path           | Body                        | Answer                                  |
//! |---------------------------|-----------------------------|-----------------------------------------|
//! | `GET /fault-plan`         |                             | the plan as it stands ([`FaultPlan`])   |
//! | `PUT /fault-plan`         | a [`FaultPlan`]             | the plan; 400 `{"error"}` when invalid  |
//! | `DELETE /fault-plan`      |                             | 204: no faults                          |
//! | `GET /clock`              |                             | [`ClockView`] `{now, offset_secs, frozen}` |
//! | `PUT /clock`              | a [`ClockChange`]           | [`ClockView`]; 400 when out of range    |
//!
//! A simulator serves the fault-plan routes with [`routes`] and the clock through
//! [`get_clock`] and [`put_clock`], so it can keep an older clock body of its own beside them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::clock::{ClockChange, ClockView, SimClock};
use crate::injector::FaultInjector;
use crate::plan::FaultPlan;

/// A simulator's state, as far as these routes need it.
pub trait Controlled: Send + Sync + 'static {
    fn fault_injector(&self) -> &FaultInjector;
    fn sim_clock(&self) -> &SimClock;
}

/// `/fault-plan`, for merging into a simulator's control router.
pub fn routes<T: Controlled>() -> Router<Arc<T>> {
    Router::new().route("/fault-plan", get(get_plan::<T>).put(put_plan::<T>).delete(clear_plan::<T>))
}

fn bad_request(error: impl std::fmt::Display) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": error.to_string() }))).into_response()
}

async fn get_plan<T: Controlled>(State(sim): State<Arc<T>>) -> Json<FaultPlan> {
    Json(sim.fault_injector().plan())
}

async fn put_plan<T: Controlled>(State(sim): State<Arc<T>>, Json(plan): Json<FaultPlan>) -> Response {
    match sim.fault_injector().set(plan) {
        Ok(()) => Json(sim.fault_injector().plan()).into_response(),
        Err(error) => bad_request(error),
    }
}

async fn clear_plan<T: Controlled>(State(sim): State<Arc<T>>) -> StatusCode {
    sim.fault_injector().clear();
    StatusCode::NO_CONTENT
}

/// `GET /clock`.
pub async fn get_clock<T: Controlled>(State(sim): State<Arc<T>>) -> Json<ClockView> {
    Json(sim.sim_clock().view())
}

/// `PUT /clock`, also for a simulator's own handler once it has a [`ClockChange`].
pub async fn put_clock<T: Controlled>(State(sim): State<Arc<T>>, Json(change): Json<ClockChange>) -> Response {
    match sim.sim_clock().apply(&change) {
        Ok(view) => Json(view).into_response(),
        Err(error) => bad_request(error),
    }
}
