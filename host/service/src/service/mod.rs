//! The service layer: the one place that owns Gatehouse's rules.
//!
//! HTTP handlers, the CLI and the declarative config file all call these
//! methods; none of them touches the store or the planner directly. Every
//! method is scoped by tenant, except webhook routing, which finds the tenant
//! from the install.

mod delivery;
mod erasure;
mod health;
mod ingest;
mod manage;
mod plugins;
mod queries;
mod retention;
mod setup;
mod tokens;

pub use delivery::{
    check_outbound_webhook, DeliverySetting, DeliveryView, OutboundWebhookView, SmtpRelaySpec, SmtpRelayView,
};
pub use erasure::{ErasureOutcome, ErasureTarget, ErasureView, PersonSelector};
pub use health::{health_figures, ConnectorHealth};
pub use ingest::{EventReceipt, EventSource, IncomingEvent, IngestReceipt, Ingested, JobSummary, Target};
pub use plugins::{CanaryView, PluginRestore, PluginVersionView, PluginView, RoutingView};
pub use queries::{AttachmentView, DryRun, JobQuery, JobView, Occupancy};
pub use retention::{run_purges, SCHEDULED_PURGE_ACTOR};
pub use setup::{CheckedPolicy, InstallSpec, PolicyPut};
pub use tokens::IssuedToken;

use crate::gateway::{ConnectorError, ConnectorGateway, PluginCatalog, PluginError, SecretError};
use crate::metrics::Metrics;
use crate::policy::PolicyErrors;
use crate::store::{Store, StoreError};
use gatehouse_core::Clock;
use gatehouse_core::{SealError, Sealer};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{what} `{id}` not found")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    InvalidInput(String),
    #[error(transparent)]
    InvalidPolicy(#[from] PolicyErrors),
    #[error("the connector could not be asked: {0}")]
    Connector(#[from] ConnectorError),
    #[error(transparent)]
    Plugin(#[from] PluginError),
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The change would overwrite something that already exists.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
}

impl ServiceError {
    pub(crate) fn not_found(what: &'static str, id: impl ToString) -> Self {
        ServiceError::NotFound { what, id: id.to_string() }
    }
}

/// Everything the rules need: the store, the clock, the connectors and the sealer.
#[derive(Clone)]
pub struct Service {
    store: Store,
    clock: Arc<dyn Clock>,
    gateway: Arc<dyn ConnectorGateway>,
    sealer: Sealer,
    work_arrived: Arc<Notify>,
    /// Set with [`Service::with_plugin_catalog`]; without it plugins are not managed.
    plugins: Option<Arc<dyn PluginCatalog>>,
    metrics: Metrics,
}

impl Service {
    pub fn new(store: Store, clock: Arc<dyn Clock>, gateway: Arc<dyn ConnectorGateway>, sealer: Sealer) -> Self {
        Self {
            store,
            clock,
            gateway,
            sealer,
            work_arrived: Arc::new(Notify::new()),
            plugins: None,
            metrics: Metrics::default(),
        }
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
    /// The parts the job engine works with directly; nothing else reaches
    /// them (the layering test in `tests/` holds every other module to the rules).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
    pub(crate) fn gateway(&self) -> &Arc<dyn ConnectorGateway> {
        &self.gateway
    }
    pub(crate) fn sealer(&self) -> &Sealer {
        &self.sealer
    }
    /// The counters and histograms `/metrics` reports.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
    /// Signalled whenever new work was committed; the job engine waits on it.
    pub fn work_arrived(&self) -> &Arc<Notify> {
        &self.work_arrived
    }
}
