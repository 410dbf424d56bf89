//! A Genetec Security Center Web SDK role, simulated: a real HTTP(S) server that
//! speaks the protocol of `shared/specs/genetec-websdk.md`, for integrators and for
//! Gatehouse's end-to-end tests.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gatehouse_sim_genetec::SimError> {
//! use gatehouse_sim_genetec::{GenetecSim, SimConfig};
//! let sim = GenetecSim::start(SimConfig::default()).await?;
//! println!("Web SDK at {}, controls at {}", sim.base_url(), sim.control_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Behaviour the spec marks as inferred ([I]) is flagged `ASSUMPTION:` where it is
//! implemented.

pub mod access;
pub mod config;
mod controls;
pub mod envelope;
mod events;
pub mod faults;
pub mod fixture;
mod live;
pub mod model;
mod ops;
mod persist;
pub mod query;
mod reports;
mod server;
mod state;
mod tls;
mod websdk;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use access::{BadgeSwipe, Decision as BadgeDecision, SwipeError};
pub use config::{FixtureSource, RedirectStatus, SimConfig, StreamListener};
pub use faults::{ActiveFault, FaultKind, FaultRule, FaultTiming};
pub use gatehouse_sim_faults::{ClockSettings, FaultPlan, PlanError, SimClock};
pub use model::well_known;
pub use model::{AccessEvent, AccessEventType, Directory};

use server::ListenerRole;
use state::{Ports, SimState};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Fixture(#[from] fixture::FixtureError),
    #[error(transparent)]
    StateFile(#[from] persist::PersistError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    FaultPlan(#[from] PlanError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
}

/// Entry point: `GenetecSim::start(config)`.
pub struct GenetecSim;

impl GenetecSim {
    /// Loads the fixture (or the state file), binds the listeners and serves until
    /// [`RunningSim::shutdown`].
    pub async fn start(config: SimConfig) -> Result<RunningSim, SimError> {
        let fault_plan = gatehouse_sim_faults::FaultInjector::new(config.fault_plan.clone())?;
        let fixture = fixture::load(&config.fixture)?;
        let state_file = config.state_file.clone().map(persist::StateFile::new);
        let initial = match &state_file {
            Some(file) => file.load()?.unwrap_or_else(|| fixture.clone()),
            None => fixture.clone(),
        };
        let tls = if config.tls { Some(tls::self_signed(&config.tls_hostnames)?) } else { None };
        let (cert_pem, acceptor) = match tls {
            Some(tls) => (Some(tls.cert_pem), Some(tls.acceptor)),
            None => (None, None),
        };
        if let Some(file) = &state_file {
            file.write(&initial, 0)?;
        }
        let sim = Arc::new(SimState::new(&config, fault_plan, fixture, initial, state_file, cert_pem));

        let main = bind(SocketAddr::new(config.bind, config.port)).await?;
        let stream = match config.stream {
            StreamListener::SeparatePort(port) => Some(bind(SocketAddr::new(config.bind, port)).await?),
            StreamListener::SamePort => None,
        };
        let port_of = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or_default();
        let ports = Ports { host: config.bind.to_string(), main: port_of(&main), stream: stream.as_ref().map(port_of) };
        let _ = sim.ports.set(ports);

        let app =
            Router::new().nest(controls::PREFIX, controls::router()).fallback(websdk::handle).with_state(sim.clone());
        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();
        tasks.spawn(server::serve(
            main,
            ListenerRole::Main,
            app.clone(),
            acceptor.clone(),
            shutdown.clone(),
            tasks.clone(),
        ));
        if let Some(stream) = stream {
            tasks.spawn(server::serve(stream, ListenerRole::Stream, app, acceptor, shutdown.clone(), tasks.clone()));
        }
        Ok(RunningSim { sim, shutdown, tasks })
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, SimError> {
    TcpListener::bind(address).await.map_err(|source| SimError::Bind { address, source })
}

/// A simulator serving on its sockets; dropping it without `shutdown` leaves the
/// server running until the runtime ends.
pub struct RunningSim {
    sim: Arc<SimState>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl RunningSim {
    /// `http(s)://127.0.0.1:{port}/WebSdk`.
    pub fn base_url(&self) -> String {
        self.sim.base_url()
    }

    /// `http(s)://127.0.0.1:{stream port}/WebSdk/events`: where `GET {base}/events` redirects.
    pub fn stream_url(&self) -> String {
        self.sim.stream_url()
    }

    /// `http(s)://127.0.0.1:{port}/_sim`.
    pub fn control_url(&self) -> String {
        self.sim.control_url()
    }

    /// The self-signed certificate, when serving TLS.
    pub fn cert_pem(&self) -> Option<&str> {
        self.sim.cert_pem.as_deref()
    }

    /// A snapshot of the whole directory (also `GET /_sim/state`).
    pub fn state(&self) -> Directory {
        self.sim.snapshot()
    }

    /// Injects a badge swipe (also `POST /_sim/badge`); returns the recorded event.
    pub fn swipe(&self, swipe: &BadgeSwipe) -> Result<AccessEvent, SwipeError> {
        self.sim.swipe(swipe).map(|(event, _)| event)
    }

    /// Adds a fault rule (also `POST /_sim/faults`); returns its id.
    pub fn add_fault(&self, rule: FaultRule) -> u64 {
        self.sim.faults().add(rule)
    }

    /// Clears the Web SDK fault rules (the shared fault plan stays).
    pub fn clear_faults(&self) {
        self.sim.faults().clear();
    }

    /// Replaces the shared fault plan (also `PUT /_sim/fault-plan`).
    pub fn set_fault_plan(&self, plan: FaultPlan) -> Result<(), PlanError> {
        self.sim.fault_plan.set(plan)
    }

    /// The shared fault plan as it stands (also `GET /_sim/fault-plan`).
    pub fn fault_plan(&self) -> FaultPlan {
        self.sim.fault_plan.plan()
    }

    /// No shared faults any more (also `DELETE /_sim/fault-plan`).
    pub fn clear_fault_plan(&self) {
        self.sim.fault_plan.clear();
    }

    /// The simulator's clock (also `GET`/`PUT /_sim/clock`).
    pub fn clock(&self) -> &SimClock {
        &self.sim.clock
    }

    /// Ends sessions, all or one user's, closing their event streams; returns how many.
    pub fn expire_sessions(&self, user: Option<&str>) -> usize {
        self.sim.live().expire(user)
    }

    /// Sessions started since the simulator started (expired ones included).
    pub fn sessions_started(&self) -> u64 {
        self.sim.live().sessions_started()
    }

    /// Back to the fixture (also `POST /_sim/reset`).
    pub fn reset(&self) {
        self.sim.reset();
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.sim.clock.now()
    }

    /// Moves the simulator clock forward (session expiry, activation windows).
    pub fn advance_clock(&self, by: TimeDelta) {
        self.sim.clock.advance(by);
    }

    /// Stops accepting, closes every connection (event streams included) and waits.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}
