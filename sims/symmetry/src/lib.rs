//! A simulator of the AMAG Symmetry databases behind a real TDS (SQL Server) endpoint.
//!
//! Integrators point SQL Server clients (tiberius, FreeTDS, ...) at it; the Gatehouse tests use
//! it as the Symmetry site. It serves `multiMAX` (cardholders, cards, personal data, companies,
//! access codes, the SMS views) and `multiMAXImport` (`DataImportTable`, `MessageTable`), runs
//! the Data Connect import processor on an interval, and has test controls: a Rust API on
//! [`RunningSim`] and the same over HTTP (see [`control`]).
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use gatehouse_sim_symmetry::{SimConfig, SymmetrySim};
//! let sim = SymmetrySim::start(SimConfig::default()).await?;
//! println!("TDS at {}", sim.tds_addr());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod config;
pub mod control;
pub mod faults;
pub mod fixture;
pub mod model;
pub mod processor;
pub mod product;
mod server;
pub mod sql;
mod state;
pub mod tds;
pub mod value;

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Denial, EncryptionPolicy, Login, Permission, SimConfig, StatusCodes};
pub use faults::{DropPoint, Fault};
pub use fixture::{Fixture, FixtureError};
pub use gatehouse_sim_faults::{ClockSettings, FaultPlan, PlanError, SimClock};
pub use model::schema::{Database, ObjectId};
pub use value::Value;

use state::SimState;
use tds::tls::{TlsIdentity, TlsSetupError};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error(transparent)]
    FaultPlan(#[from] PlanError),
}

pub struct SymmetrySim;

impl SymmetrySim {
    /// Binds the TDS port (and the control port), loads the fixture and starts the processor.
    pub async fn start(config: SimConfig) -> Result<RunningSim, StartError> {
        let fault_plan = gatehouse_sim_faults::FaultInjector::new(config.fault_plan.clone())?;
        let tls = match config.encryption {
            EncryptionPolicy::Unsupported => None,
            _ => Some(TlsIdentity::self_signed(std::slice::from_ref(&config.server_name))?),
        };
        let tds_listener = bind(config.tds_addr).await?;
        let tds_addr =
            tds_listener.local_addr().map_err(|source| StartError::Bind { addr: config.tds_addr, source })?;
        let control_listener = match config.control_addr {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let control_addr = control_listener.as_ref().and_then(|l| l.local_addr().ok());
        let state = Arc::new(SimState::new(config, fault_plan, tls)?);
        let (shutdown, shutdown_rx) = watch::channel(false);

        let mut tasks = vec![
            tokio::spawn(server::serve(state.clone(), tds_listener, shutdown_rx.clone())),
            tokio::spawn(processor::run(state.clone(), shutdown_rx.clone())),
        ];
        if let Some(listener) = control_listener {
            let router = control::router(state.clone());
            let mut stop = shutdown_rx.clone();
            tasks.push(tokio::spawn(async move {
                let graceful = async move {
                    let _ = stop.changed().await;
                };
                if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(graceful).await {
                    tracing::warn!(%error, "control API stopped");
                }
            }));
        }
        Ok(RunningSim { state, tds_addr, control_addr, shutdown, tasks })
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).await.map_err(|source| StartError::Bind { addr, source })
}

/// A running simulator. Dropping it stops it; [`RunningSim::shutdown`] also waits for that.
pub struct RunningSim {
    state: Arc<SimState>,
    tds_addr: SocketAddr,
    control_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSim {
    pub fn tds_addr(&self) -> SocketAddr {
        self.tds_addr
    }

    /// `http://127.0.0.1:PORT`, when the control API is enabled.
    pub fn control_url(&self) -> Option<String> {
        self.control_addr.map(|a| format!("http://{a}"))
    }

    /// The self-signed TLS certificate, when TLS is enabled.
    pub fn cert_pem(&self) -> Option<&str> {
        self.state.tls.as_ref().map(|t| t.cert_pem.as_str())
    }

    /// An ADO.NET-style connection string for `user` (the form tiberius' `Config::from_ado_string` reads).
    pub fn connection_string(&self, user: &str, database: &str) -> Option<String> {
        let login = self.state.login(user)?;
        Some(format!(
            "server=tcp:{},{};user={};password={};database={database};TrustServerCertificate=true",
            self.tds_addr.ip(),
            self.tds_addr.port(),
            login.user,
            login.password
        ))
    }

    /// The whole state as JSON: databases, processor, faults, logins, clock.
    pub fn dump(&self) -> serde_json::Value {
        control::state_json(&self.state)
    }

    /// A snapshot of one table or view, rows in column order.
    pub fn rows(&self, object: ObjectId) -> Vec<Vec<Value>> {
        self.state.lock_catalog().rows(object)
    }

    pub fn pause(&self) {
        self.state.processor.pause();
    }

    pub fn resume(&self) {
        self.state.processor.resume();
    }

    /// Processes pending `ImportNow = 1` rows now, paused or not. Returns how many.
    pub fn process_pending(&self) -> usize {
        processor::process_pending(&self.state, false)
    }

    /// Symmetry's scheduled import: processes every pending row, with or without ImportNow.
    pub fn run_scheduled_import(&self) -> usize {
        processor::process_pending(&self.state, true)
    }

    /// Processor ticks so far (paused ticks included).
    pub fn processor_ticks(&self) -> u64 {
        self.state.processor.ticks()
    }

    /// Waits until the processor has ticked `count` more times from now.
    pub async fn wait_for_processor_ticks(&self, count: u64) {
        let now = self.state.processor.ticks();
        self.state.processor.wait_for_ticks(now, count).await;
    }

    pub fn inject(&self, fault: Fault) {
        self.state.faults.inject(fault);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    pub fn active_faults(&self) -> Vec<Fault> {
        self.state.faults.active()
    }

    /// Replaces the shared fault plan (also `PUT /fault-plan`).
    pub fn set_fault_plan(&self, plan: FaultPlan) -> Result<(), PlanError> {
        self.state.fault_plan.set(plan)
    }

    /// The shared fault plan as it stands (also `GET /fault-plan`).
    pub fn fault_plan(&self) -> FaultPlan {
        self.state.fault_plan.plan()
    }

    /// No shared faults any more (also `DELETE /fault-plan`).
    pub fn clear_fault_plan(&self) {
        self.state.fault_plan.clear();
    }

    /// The simulator's clock (also `GET`/`PUT /clock`).
    pub fn clock(&self) -> &SimClock {
        &self.state.clock
    }

    /// Upserts companies, access codes, titles, cardholders and logins; all or nothing.
    pub fn seed(&self, fixture: &Fixture) -> Result<(), FixtureError> {
        self.state.seed(fixture)
    }

    /// Fixes the simulator's clock (GETDATE(), processor timestamps); `None` frees it, back to
    /// its start settings.
    pub fn set_time(&self, utc: Option<DateTime<Utc>>) {
        self.state.set_time(utc);
    }

    pub fn logins(&self) -> Vec<Login> {
        self.state.logins().iter().map(|l| (**l).clone()).collect()
    }

    /// Stops listening, closes every connection and stops the processor.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
