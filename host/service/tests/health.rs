//! Connector health from the attempts the job engine records, on a
//! controlled clock, against a PACS that goes down and comes back.

mod common;

use chrono::Duration;
use common::{monday_morning, post_event, sign_in, Harness};

#[tokio::test]
async fn an_outage_shows_in_uptime_recovery_time_and_last_success() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    h.pacs.go_down();
    post_event(&base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    engine.tick().await.unwrap();
    h.clock.advance(Duration::minutes(10));
    h.pacs.recover();
    engine.tick().await.unwrap();

    let health = h.service.connector_health(&h.tenant, &h.install, Duration::hours(1)).await.unwrap();
    assert_eq!(health.errors, 1, "{health:?}");
    assert!(health.attempts > 1, "the retried step and the rest of the job");
    assert!((health.uptime_percent - 100.0 * 50.0 / 60.0).abs() < 1e-9, "down 10 of 60 minutes: {health:?}");
    assert_eq!(health.mean_seconds_to_recover, Some(600.0));
    assert_eq!(health.last_success, Some(monday_morning() + Duration::minutes(10)));
    assert!(!health.shared, "figures are not shared by default");

    let refused = h.service.connector_health(&h.tenant, &h.install, Duration::zero()).await;
    assert!(refused.is_err());
}
