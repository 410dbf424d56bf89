//! Connector health per install, as the privacy sheet's availability monitor
//! reports it: uptime %, error rate, mean time between errors, mean time to
//! recover, and the last success, all from the durable attempt log.
//!
//! An *error* here is an attempt that says the vendor was not usable: a
//! transient failure (unreachable, timing out, busy) or a refused login. A
//! permanent, configuration or conflict error is an answer from a working
//! vendor about one request, so it counts as up, as the circuit breaker does.
//! The install is down from its first error until its next success; outages
//! are clipped to the window. The figures stay inside Gatehouse: nothing
//! sends them anywhere, whatever the tenant's `share_health` says.

use super::{Service, ServiceError};
use crate::domain::{ErrorKind, InstallId, TenantId};
use crate::store::AttemptRecord;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// One install's figures over `[window_start, window_end]`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ConnectorHealth {
    pub install_id: InstallId,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub attempts: u64,
    pub errors: u64,
    pub uptime_percent: f64,
    /// Errors per attempt; `None` without attempts.
    pub error_rate: Option<f64>,
    /// Up time per outage; `None` without outages.
    pub mean_seconds_between_errors: Option<f64>,
    /// Mean length of the outages that ended in the window; `None` if none did.
    pub mean_seconds_to_recover: Option<f64>,
    pub last_success: Option<DateTime<Utc>>,
    /// The tenant's choice; informational, Gatehouse never sends these figures.
    pub shared: bool,
}

fn is_error(attempt: &AttemptRecord) -> bool {
    matches!(attempt.error_kind, Some(ErrorKind::Transient | ErrorKind::Auth))
}

/// The arithmetic, from the attempts that finished in the window (oldest
/// first) and whether the install was down when the window opened.
pub fn health_figures(
    install_id: InstallId,
    window: (DateTime<Utc>, DateTime<Utc>),
    down_at_start: bool,
    attempts: &[AttemptRecord],
) -> ConnectorHealth {
    let (start, end) = window;
    let mut down_since = down_at_start.then_some(start);
    let (mut downtime, mut outages, mut recoveries) = (Duration::zero(), 0u32, Vec::new());
    for attempt in attempts {
        let at = attempt.finished_at.clamp(start, end);
        match (is_error(attempt), down_since) {
            (true, None) => {
                down_since = Some(at);
                outages += 1;
            }
            (false, Some(since)) => {
                downtime += at - since;
                recoveries.push(at - since);
                down_since = None;
            }
            _ => {}
        }
    }
    if let Some(since) = down_since {
        downtime += end - since;
    }
    let seconds = |d: Duration| d.num_milliseconds() as f64 / 1000.0;
    let length = seconds(end - start);
    let uptime = seconds(end - start - downtime);
    let errors = attempts.iter().filter(|a| is_error(a)).count() as u64;
    ConnectorHealth {
        install_id,
        window_start: start,
        window_end: end,
        attempts: attempts.len() as u64,
        errors,
        uptime_percent: if length > 0.0 { 100.0 * uptime / length } else { 100.0 },
        error_rate: (!attempts.is_empty()).then(|| errors as f64 / attempts.len() as f64),
        mean_seconds_between_errors: (outages > 0).then(|| uptime / f64::from(outages)),
        mean_seconds_to_recover: (!recoveries.is_empty())
            .then(|| recoveries.iter().map(|d| seconds(*d)).sum::<f64>() / recoveries.len() as f64),
        last_success: None,
        shared: false,
    }
}

/// Longer windows say nothing retention has not already purged.
pub const MAX_HEALTH_WINDOW: Duration = Duration::days(366);

impl Service {
    /// The install's health over the `window` up to now.
    pub async fn connector_health(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        window: Duration,
    ) -> Result<ConnectorHealth, ServiceError> {
        if window <= Duration::zero() || window > MAX_HEALTH_WINDOW {
            return Err(ServiceError::InvalidInput(format!(
                "the health window must be positive and at most {} days",
                MAX_HEALTH_WINDOW.num_days()
            )));
        }
        self.store.install(tenant, install).await?.ok_or_else(|| ServiceError::not_found("install", install))?;
        let end = self.clock.now();
        let start = end - window;
        let before = self.store.attempt_before(tenant, install, start).await?;
        let attempts = self.store.attempts(tenant, install, start, end).await?;
        let mut health =
            health_figures(install.clone(), (start, end), before.as_ref().is_some_and(is_error), &attempts);
        health.last_success = self.store.last_success(tenant, install).await?;
        health.shared = self.store.privacy_settings(tenant).await?.share_health;
        Ok(health)
    }
}

impl Service {
    /// Every metric in the Prometheus text format, with the store's figures as of now.
    pub async fn metrics_text(&self) -> Result<String, ServiceError> {
        let figures = crate::metrics::StoreFigures {
            jobs_by_status: self.store.job_counts_any_tenant().await?,
            queue_depth: self.store.queue_depth_any_tenant(self.clock.now()).await?,
        };
        Ok(self.metrics.render(figures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap() + Duration::minutes(minute)
    }

    /// Attempts at the given minutes; `e` fails transiently, `a` fails on auth,
    /// `p` is a permanent (request) error, `o` succeeds.
    fn history(marks: &[(i64, char)]) -> Vec<AttemptRecord> {
        marks
            .iter()
            .map(|&(minute, mark)| AttemptRecord {
                started_at: at(minute),
                finished_at: at(minute),
                error_kind: match mark {
                    'e' => Some(ErrorKind::Transient),
                    'a' => Some(ErrorKind::Auth),
                    'p' => Some(ErrorKind::Permanent),
                    _ => None,
                },
            })
            .collect()
    }

    fn figures(down_at_start: bool, marks: &[(i64, char)]) -> ConnectorHealth {
        health_figures(InstallId::new("i"), (at(0), at(100)), down_at_start, &history(marks))
    }

    #[test]
    fn a_quiet_install_is_up_with_no_rates() {
        let health = figures(false, &[]);
        assert_eq!((health.uptime_percent, health.error_rate, health.mean_seconds_between_errors), (100.0, None, None));
    }

    #[test]
    fn two_outages_give_uptime_mean_time_between_errors_and_to_recover() {
        // Down 10..20 (two errors, one outage), down 50..80: 40 of 100 minutes down.
        let health = figures(false, &[(5, 'o'), (10, 'e'), (15, 'e'), (20, 'o'), (50, 'a'), (80, 'o'), (90, 'p')]);
        assert_eq!((health.attempts, health.errors), (7, 3));
        assert_eq!(health.uptime_percent, 60.0);
        assert_eq!(health.error_rate, Some(3.0 / 7.0));
        assert_eq!(health.mean_seconds_between_errors, Some(60.0 * 60.0 / 2.0), "60 minutes up over 2 outages");
        assert_eq!(health.mean_seconds_to_recover, Some(20.0 * 60.0), "10 and 30 minutes");
    }

    #[test]
    fn an_outage_open_at_either_edge_is_clipped_to_the_window() {
        // Down from before the window until 30, and again from 90 to the end.
        let health = figures(true, &[(30, 'o'), (90, 'e')]);
        assert_eq!(health.uptime_percent, 60.0);
        assert_eq!(health.mean_seconds_to_recover, Some(30.0 * 60.0));
        assert_eq!(health.mean_seconds_between_errors, Some(60.0 * 60.0), "one outage began inside the window");
    }

    #[test]
    fn request_errors_from_a_working_vendor_are_not_downtime() {
        let health = figures(false, &[(10, 'p'), (20, 'p')]);
        assert_eq!((health.uptime_percent, health.errors, health.error_rate), (100.0, 0, Some(0.0)));
    }
}
