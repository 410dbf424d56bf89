//! Operational metrics in the Prometheus text format.
//!
//! Two kinds: what happens in this process (events received, connector call
//! latency per plugin and version) is counted as it happens; what the store
//! and the engine already know (jobs by status, queue depth, circuit
//! breakers) is read at scrape time, so it is right even after a restart.

use crate::domain::{ActionKind, InstallId};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    plugin: String,
    version: String,
    action: String,
    /// "ok" or the error kind.
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstallLabels {
    install: String,
}

type LatencyFamily = Family<ActionLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 5 ms to about 41 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

/// The service's metrics; clones share them.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    events: Family<SourceLabels, Counter>,
    latency: LatencyFamily,
    jobs: Family<StatusLabels, Gauge>,
    queue_depth: Gauge,
    breakers: Family<InstallLabels, Gauge>,
    breaker_source: OnceLock<Arc<dyn BreakerReport>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("gatehouse");
        let events = Family::<SourceLabels, Counter>::default();
        let latency = LatencyFamily::new_with_constructor(latency_histogram);
        let jobs = Family::<StatusLabels, Gauge>::default();
        let queue_depth = Gauge::default();
        let breakers = Family::<InstallLabels, Gauge>::default();
        registry.register("events_received", "Events accepted by the intake, by source", events.clone());
        registry.register(
            "action_latency_seconds",
            "Connector action calls, by plugin, version, action and outcome",
            latency.clone(),
        );
        registry.register("jobs", "Stored jobs by status", jobs.clone());
        registry.register("queue_depth", "Steps due now that have not run yet", queue_depth.clone());
        registry.register("circuit_breaker_state", "Per install: 0 closed, 1 half-open, 2 open", breakers.clone());
        Self {
            inner: Arc::new(Inner {
                registry,
                events,
                latency,
                jobs,
                queue_depth,
                breakers,
                breaker_source: OnceLock::new(),
            }),
        }
    }
}

impl Metrics {
    /// An event stored by the intake.
    pub fn event_received(&self, source: &str) {
        self.inner.events.get_or_create(&SourceLabels { source: source.into() }).inc();
    }

    /// One connector call and how long it took.
    pub fn action_called(
        &self,
        plugin: &str,
        version: &str,
        action: ActionKind,
        outcome: &str,
        elapsed: std::time::Duration,
    ) {
        let labels = ActionLabels {
            plugin: plugin.into(),
            version: version.into(),
            action: action.as_str().into(),
            outcome: outcome.into(),
        };
        self.inner.latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
    }

    /// The breakers to report; the job engine hands over its own.
    pub fn watch_breakers(&self, breakers: Arc<dyn BreakerReport>) {
        if self.inner.breaker_source.set(breakers).is_err() {
            tracing::warn!("a second job engine on one service: /metrics reports the first one's breakers");
        }
    }

    /// Every metric in the Prometheus text format, with the store's figures read at scrape time.
    pub fn render(&self, figures: StoreFigures) -> String {
        let inner = &self.inner;
        inner.jobs.clear();
        for (status, count) in figures.jobs_by_status {
            inner.jobs.get_or_create(&StatusLabels { status }).set(count);
        }
        inner.queue_depth.set(figures.queue_depth);
        inner.breakers.clear();
        if let Some(breakers) = inner.breaker_source.get() {
            for (install, level) in breakers.levels() {
                let value = match level {
                    BreakerLevel::Closed => 0,
                    BreakerLevel::HalfOpen => 1,
                    BreakerLevel::Open => 2,
                };
                inner.breakers.get_or_create(&InstallLabels { install: install.to_string() }).set(value);
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &inner.registry)
            .expect("encoding into a String cannot fail");
        text
    }
}

/// What the store knows that `/metrics` reports, read at scrape time.
pub struct StoreFigures {
    pub jobs_by_status: Vec<(String, i64)>,
    /// Pending steps of unfinished jobs that are due now.
    pub queue_depth: i64,
}

/// A circuit breaker's state as a gauge shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerLevel {
    Closed,
    HalfOpen,
    Open,
}

/// Whoever keeps circuit breakers (the job engine) reports them through this.
pub trait BreakerReport: Send + Sync {
    fn levels(&self) -> Vec<(InstallId, BreakerLevel)>;
}
