//! The visitor's photo (`set-photo`): checked at the intake, where a bad one is a 400 that
//! stores nothing; planned only where the policy asks and the event carries one; sent
//! to the connector from the person's stored details; gone with them at the purge.

mod common;

use base64::Engine;
use chrono::Duration;
use common::{post_event, sign_in, visit_event, Harness};
use gatehouse::domain::{
    ActionKind, InviteDetails, PersonDetails, Photo, PhotoType, PrivacySettings, Retention, SignIn, StepAction,
    VisitId, VisitorEvent, MAX_PHOTO_BYTES,
};
use gatehouse::gateway::{ActionDescriptor, Manifest};
use gatehouse::policy::{parse, plan, validate, PlanContext, PolicyErrors};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

const POLICY: &str = r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240

[visitors.types.Guest]
groups = { groups = ["visitors-lobby"] }
photo = true

[visitors.types.Contractor]
groups = { groups = ["contractors"] }
"#;

fn png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(PNG).unwrap()
}

fn with_photo(mut event: Value, content_type: &str, data: &str) -> Value {
    event["person"]["photo"] = json!({ "content_type": content_type, "data": data });
    event
}

fn step_names(steps: &[gatehouse::domain::PlannedStep]) -> Vec<&'static str> {
    steps.iter().map(|s| s.action.name()).collect()
}

#[tokio::test]
async fn a_bad_photo_gets_400_naming_the_problem_and_nothing_is_stored() {
    let h = Harness::with_policy(POLICY).await;
    let base = h.serve(4 << 20).await;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut too_big = png();
    too_big.resize(MAX_PHOTO_BYTES + 1, 0);
    let jpeg_label = with_photo(sign_in("e1", "v1", "Guest", false), "image/jpeg", PNG);
    let cases = [
        (with_photo(sign_in("e1", "v1", "Guest", false), "image/gif", "R0lGODlhAQABAAAAACw="), "image/gif"),
        (jpeg_label, "labelled image/jpeg"),
        (with_photo(sign_in("e1", "v1", "Guest", false), "image/png", "not base64!"), "not base64"),
        (with_photo(sign_in("e1", "v1", "Guest", false), "image/png", &engine.encode(&too_big)), "1 MiB"),
        (with_photo(sign_in("e1", "v1", "Guest", false), "image/png", ""), "empty"),
    ];
    for (event, expected) in cases {
        let response = reqwest::Client::new()
            .post(format!("{base}/v1/events"))
            .bearer_auth(&h.token)
            .json(&event)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    assert_eq!(h.store.count_events(&h.tenant).await.unwrap(), 0);
    assert!(h.store.person(&h.tenant, &h.install, "v1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_walk_in_with_a_photo_gets_it_on_the_record_right_after_the_upsert() {
    let h = Harness::with_policy(POLICY).await;
    let base = h.serve(64 * 1024).await;

    let receipt =
        post_event(&base, &h.token, with_photo(sign_in("e1", "walk-1", "Guest", false), "image/png", PNG)).await;
    h.engine().tick().await.unwrap();

    let planned = &receipt.events[0].job.as_ref().unwrap().steps;
    assert_eq!(planned[..2], ["upsert-person", "set-photo"]);
    assert_eq!(h.pacs.person("walk-1").unwrap().photo, Some(png()));
    assert_eq!(h.visit_job_statuses("walk-1").await, ["done"]);
    let call = h.pacs.calls().into_iter().find(|c| c.action.kind() == ActionKind::SetPhoto).unwrap();
    assert_eq!(call.params, json!({}));
}

#[tokio::test]
async fn a_photo_replaced_by_a_later_event_before_its_step_ran_is_skipped_and_the_job_goes_on() {
    let h = Harness::with_policy(POLICY).await;
    let base = h.serve(64 * 1024).await;
    post_event(&base, &h.token, with_photo(sign_in("e1", "walk-1", "Guest", false), "image/png", PNG)).await;
    // The kiosk sends the sign-in again, without the photo, before the job ran.
    post_event(&base, &h.token, sign_in("e2", "walk-1", "Guest", false)).await;

    h.engine().tick().await.unwrap();

    assert_eq!(h.pacs.person("walk-1").unwrap().photo, None);
    assert!(!h.pacs.call_log().contains(&"set-photo:walk-1".to_string()));
    let statuses = h.visit_job_statuses("walk-1").await;
    assert_eq!(statuses[0], "done", "{statuses:?}");
}

#[tokio::test]
async fn the_photo_goes_with_the_rest_of_the_personal_data_at_the_purge() {
    let h = Harness::with_policy(POLICY).await;
    let base = h.serve(64 * 1024).await;
    let retention = Retention { personal_data_days: 90, job_history_days: 365, audit_days: 90 };
    h.service
        .set_privacy_settings("operator", &h.tenant, PrivacySettings { retention, share_health: false })
        .await
        .unwrap();
    post_event(&base, &h.token, with_photo(sign_in("e1", "walk-1", "Guest", false), "image/png", PNG)).await;
    h.engine().tick().await.unwrap();
    let stored = h.store.person(&h.tenant, &h.install, "walk-1").await.unwrap().unwrap();
    assert_eq!(stored.details.photo.map(|p| p.data), Some(png()), "kept for the steps that need it");
    h.clock.advance(Duration::hours(1));
    post_event(&base, &h.token, visit_event("e2", "visitor.signed_out", "walk-1")).await;
    h.engine().tick().await.unwrap();

    h.clock.advance(Duration::days(91));
    h.service.purge("operator", &h.tenant).await.unwrap();

    let purged = h.store.person(&h.tenant, &h.install, "walk-1").await.unwrap().unwrap();
    assert_eq!(purged.details, PersonDetails::default());
    let jobs = h.service.visit_jobs(&h.tenant, &h.install, &VisitId::new("walk-1")).await.unwrap();
    let event = h.store.event(&h.tenant, jobs[0].event_id.as_ref().unwrap()).await.unwrap().unwrap();
    assert!(event.normalised.is_none(), "the event that carried the photo is scrubbed");
}

/// The planner alone: which events and policies plan `set-photo`.
mod planning {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn photo() -> Photo {
        Photo { content_type: PhotoType::Png, data: png() }
    }

    fn person(photo: Option<Photo>) -> PersonDetails {
        PersonDetails { first_name: "Ada".into(), last_name: "Lovelace".into(), photo, ..Default::default() }
    }

    fn walk_in(visitor_type: &str, photo: Option<Photo>) -> VisitorEvent {
        let at = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        VisitorEvent::VisitorSignedIn(SignIn {
            visit_id: VisitId::new("v1"),
            visitor_type: visitor_type.into(),
            person: person(photo),
            invited: false,
            occurred_at: at,
        })
    }

    fn planned(event: &VisitorEvent, visit: Option<&gatehouse::domain::Visit>) -> gatehouse::policy::Plan {
        let policy = parse(POLICY).unwrap();
        let supported: BTreeSet<ActionKind> = ActionKind::ALL.into_iter().collect();
        let now = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        plan(event, &PlanContext { policy: &policy, supported: &supported, visit, now })
    }

    #[test]
    fn only_a_type_that_asks_for_it_and_an_event_that_carries_one_plan_set_photo() {
        let with = planned(&walk_in("Guest", Some(photo())), None);
        assert_eq!(step_names(&with.immediate)[..3], ["upsert-person", "set-photo", "add-groups"]);
        for event in [walk_in("Guest", None), walk_in("Contractor", Some(photo()))] {
            let plan = planned(&event, None);
            assert!(!plan.immediate.iter().any(|s| s.action == StepAction::Connector(ActionKind::SetPhoto)));
        }
    }

    #[test]
    fn a_photo_never_counts_as_access_so_a_compensation_never_waits_for_it() {
        assert!(!StepAction::Connector(ActionKind::SetPhoto).grants_access());
        assert_eq!(ActionKind::parse("set-photo").unwrap(), ActionKind::SetPhoto);
    }

    #[test]
    fn an_invited_visitor_whose_access_runs_gets_the_kiosk_photo_and_keeps_the_window() {
        let arrival = Utc.with_ymd_and_hms(2025, 3, 3, 9, 15, 0).unwrap();
        let invite = VisitorEvent::VisitInvited(InviteDetails {
            visit_id: VisitId::new("v1"),
            visitor_type: "Guest".into(),
            person: person(None),
            expected_arrival: arrival,
            registration_complete: true,
            occurred_at: arrival - Duration::days(1),
        });
        let invited = planned(&invite, None).visit.unwrap();
        assert!(!step_names(&planned(&invite, None).immediate).contains(&"set-photo"));
        let mut sign_in = walk_in("Guest", Some(photo()));
        if let VisitorEvent::VisitorSignedIn(s) = &mut sign_in {
            s.invited = true;
        }

        let with_photo = planned(&sign_in, Some(&invited));
        let without = planned(&walk_in("Guest", None), Some(&invited));

        assert_eq!(step_names(&with_photo.immediate), ["upsert-person", "set-photo", "set-access-window", "activate"]);
        assert_eq!(with_photo.visit.unwrap().window, invited.window, "the window stays as the invite set it");
        assert_eq!(
            with_photo.scheduled.iter().map(|w| w.due_at).collect::<Vec<_>>(),
            [invited.window.unwrap().ends_at()]
        );
        assert!(without.ignored.is_some(), "without a photo the sign-in changes nothing, as before");
    }

    #[test]
    fn a_policy_asking_for_photos_needs_a_plugin_that_sets_them() {
        let actions = [ActionKind::UpsertPerson, ActionKind::SetAccessWindow, ActionKind::AddGroups]
            .into_iter()
            .chain([ActionKind::RevokeCredentials]);
        let manifest = Manifest {
            plugin_id: "symmetry".into(),
            version: "0.1.0".into(),
            actions: actions
                .map(|kind| ActionDescriptor { kind, description: String::new(), params_schema: json!({}) })
                .collect(),
            emits_events: false,
        };
        let Err(PolicyErrors(issues)) = validate(&parse(POLICY).unwrap(), &manifest, &[]) else {
            panic!("the policy needs set-photo");
        };
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].path, "visitors.types.Guest.photo");
        assert!(issues[0].message.contains("`set-photo`"), "{}", issues[0].message);
    }
}
