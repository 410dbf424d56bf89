//! Retention on a controlled clock: defaults from the privacy sheet, validated
//! settings, personal data of ended visits anonymised after its period while
//! active and scheduled visits are left alone, history and audit deleted after
//! theirs, one audit entry of counts per purge, and the scheduled purge.

mod common;

use chrono::Duration;
use common::{invite, post_event, sign_in, visit_event, Harness};
use gatehouse::domain::{PersonDetails, PrivacySettings, Retention, VisitId};
use gatehouse::service::{run_purges, ServiceError, SCHEDULED_PURGE_ACTOR};
use gatehouse::store::PurgeCounts;

fn days(n: i64) -> Duration {
    Duration::days(n)
}

#[tokio::test]
async fn a_tenant_starts_with_the_privacy_sheet_defaults_and_bad_periods_are_refused() {
    let h = Harness::new().await;
    let settings = h.service.privacy_settings(&h.tenant).await.unwrap();
    assert_eq!(settings.retention, Retention { personal_data_days: 90, job_history_days: 90, audit_days: 90 });
    assert!(!settings.share_health, "health figures are shared with no one by default");

    let bad = PrivacySettings {
        retention: Retention { personal_data_days: 0, job_history_days: 90, audit_days: 4000 },
        share_health: false,
    };
    let refused = h.service.set_privacy_settings("operator", &h.tenant, bad).await.unwrap_err();
    assert!(
        matches!(&refused, ServiceError::InvalidInput(m) if m.contains("personal_data_days is 0") && m.contains("audit_days is 4000")),
        "{refused}"
    );
    assert_eq!(h.service.privacy_settings(&h.tenant).await.unwrap(), settings, "a refused change loses nothing");

    let good = PrivacySettings {
        retention: Retention { personal_data_days: 30, job_history_days: 365, audit_days: 730 },
        share_health: true,
    };
    h.service.set_privacy_settings("operator", &h.tenant, good).await.unwrap();
    assert_eq!(h.service.privacy_settings(&h.tenant).await.unwrap(), good);
    let audit = h
        .store
        .audit_entries(&h.tenant, &gatehouse::store::AuditFilter { limit: 1000, ..Default::default() })
        .await
        .unwrap();
    let entry = audit.iter().find(|e| e.action == "tenant.privacy").unwrap();
    assert_eq!(entry.detail["before"]["personal_data_days"], 90);
    assert_eq!(entry.detail["after"]["share_health"], true);
}

#[tokio::test]
async fn personal_data_of_ended_visits_goes_after_its_period_and_history_after_its_own() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    let engine = h.engine();
    let retention = Retention { personal_data_days: 90, job_history_days: 365, audit_days: 30 };
    h.service
        .set_privacy_settings("operator", &h.tenant, PrivacySettings { retention, share_health: false })
        .await
        .unwrap();
    // A walk-in who signs out an hour later: the visit has ended.
    post_event(&base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    engine.tick().await.unwrap();
    h.clock.advance(Duration::hours(1));
    post_event(&base, &h.token, visit_event("e2", "visitor.signed_out", "walk-1")).await;
    engine.tick().await.unwrap();
    // An invite for a visit more than a year away: its activation timer is pending throughout.
    post_event(&base, &h.token, invite("e3", "future-1", "Contractor", "2026-06-01 10:00")).await;
    engine.tick().await.unwrap();

    h.clock.advance(days(89));
    let counts = h.service.purge("operator", &h.tenant).await.unwrap();
    assert_eq!(counts.visits_anonymised, 0, "within the personal data period");
    assert!(counts.audit_entries_deleted > 0, "set-up entries are older than the 30 audit days");

    h.clock.advance(days(2));
    let counts = h.service.purge("operator", &h.tenant).await.unwrap();
    assert_eq!(counts.visits_anonymised, 1, "{counts:?}");
    assert_eq!(counts.events_scrubbed, 2, "the sign-in and the sign-out: {counts:?}");
    assert_eq!(counts.jobs_deleted, 0, "job history is kept for a year");
    let walk_in = h.store.person(&h.tenant, &h.install, "walk-1").await.unwrap().unwrap();
    assert_eq!(walk_in.details, PersonDetails::default(), "names and e-mail are gone");
    assert_eq!(walk_in.pacs_id.as_deref(), Some("pacs-walk-1"), "the vendor's record id is not personal data");
    let jobs = h.service.visit_jobs(&h.tenant, &h.install, &VisitId::new("walk-1")).await.unwrap();
    assert_eq!(jobs.len(), 2, "the job trail stays for its own period");
    let event = h.store.event(&h.tenant, jobs[0].event_id.as_ref().unwrap()).await.unwrap().unwrap();
    assert!(event.normalised.is_none(), "the event body held the visitor's name");
    let future = h.store.person(&h.tenant, &h.install, "future-1").await.unwrap().unwrap();
    assert_eq!(future.details.first_name, "Ada", "a visit with pending timers is never purged");

    let audit = h
        .store
        .audit_entries(&h.tenant, &gatehouse::store::AuditFilter { limit: 1000, ..Default::default() })
        .await
        .unwrap();
    let purges: Vec<_> = audit.iter().filter(|e| e.action == "retention.purge").collect();
    assert_eq!(purges.len(), 2, "one entry per purge that removed something");
    let recorded: PurgeCounts = serde_json::from_value(purges[1].detail["purged"].clone()).unwrap();
    assert_eq!(recorded, counts, "the audit entry holds the counts");
    assert!(!purges[1].detail.to_string().contains("Alan"), "and nothing personal");

    // A purge with nothing left to do changes nothing and records nothing.
    assert_eq!(h.service.purge("operator", &h.tenant).await.unwrap(), PurgeCounts::default());

    h.clock.advance(days(300));
    let counts = h.service.purge("operator", &h.tenant).await.unwrap();
    assert!(counts.jobs_deleted >= 3 && counts.steps_deleted > 0 && counts.attempts_deleted > 0, "{counts:?}");
    assert!(h.service.visit_jobs(&h.tenant, &h.install, &VisitId::new("walk-1")).await.unwrap().is_empty());
    let pending = h
        .store
        .pending_entries(&h.tenant, &h.install, &gatehouse::domain::Subject::Visit(VisitId::new("future-1")))
        .await
        .unwrap();
    assert!(!pending.is_empty(), "the future visit's timers survive the history purge");
}

#[tokio::test]
async fn the_scheduled_purge_runs_for_every_tenant_at_start_and_stops_on_shutdown() {
    let h = Harness::new().await;
    let base = h.serve(64 * 1024).await;
    post_event(&base, &h.token, sign_in("e1", "walk-1", "Contractor", false)).await;
    h.engine().tick().await.unwrap();
    h.clock.advance(days(400));
    h.engine().tick().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run_purges(h.service.clone(), std::time::Duration::from_secs(3600), async move {
        stopped.await.ok();
    }));
    let mut entry = None;
    for _ in 0..200 {
        let audit = h
            .store
            .audit_entries(&h.tenant, &gatehouse::store::AuditFilter { limit: 1000, ..Default::default() })
            .await
            .unwrap();
        entry = audit.into_iter().find(|e| e.action == "retention.purge");
        if entry.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let entry = entry.expect("the scheduled purge ran");
    assert_eq!(entry.actor, SCHEDULED_PURGE_ACTOR);
    assert_eq!(
        entry.detail["purged"]["visits_anonymised"], 1,
        "the walk-in's window closed 400 days ago, its revocation ran"
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}
