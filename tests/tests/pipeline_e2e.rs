//! The whole visit pipeline, end to end: events posted to the real HTTP intake, planned by each
//! install's policy, run by the job engine through the built genetec.wasm and symmetry.wasm in the
//! runtime, against both running simulators, on one manual clock. Every stage is asserted by
//! reading the simulators back (the Genetec directory, the Symmetry databases over TDS).
//!
//! The set-up is the demo's own (`gatehouse_demo::Stack`): one location in New York with one
//! install of each vendor, so every event below reaches both PACS.

mod genetec_common;
mod symmetry_support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use gatehouse::domain::{InstallId, JobStatus, VisitId};
use gatehouse::service::AttachmentView;
use gatehouse_demo::{Stack, GENETEC_INSTALL, LOCATION, SYMMETRY_INSTALL, TIME_ZONE};
use gatehouse_sim_genetec::model::{State, Visitor};
use gatehouse_sim_genetec::well_known::VISITORS_GROUP;
use serde_json::{json, Value};
use std::path::PathBuf;
use uuid::Uuid;

fn components() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/components")
}

/// `hh:mm` in New York on Monday 3 March 2025.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = NaiveDate::from_ymd_opt(2025, 3, 3).unwrap().and_hms_opt(hour, minute, 0).unwrap();
    TIME_ZONE.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
}

/// A Symmetry wall-clock time that day (the simulator keeps New York time).
fn symmetry_local(hour: u32, minute: u32) -> chrono::NaiveDateTime {
    at(hour, minute).with_timezone(&TIME_ZONE).naive_local()
}

fn invite(event_id: &str, visit: &str, arrival: &str) -> Value {
    json!({ "event_id": event_id, "location_id": LOCATION, "type": "visit.invited",
        "visit": { "id": visit, "visitor_type": "Guest", "expected_arrival": arrival },
        "person": { "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com" } })
}

fn sign_in(event_id: &str, visit: &str, invited: bool) -> Value {
    json!({ "event_id": event_id, "location_id": LOCATION, "type": "visitor.signed_in",
        "visit": { "id": visit, "visitor_type": "Guest", "invited": invited },
        "person": { "first_name": "Katherine", "last_name": "Johnson", "email": "katherine@example.com" } })
}

fn sign_out(event_id: &str, visit: &str) -> Value {
    json!({ "event_id": event_id, "location_id": LOCATION, "type": "visitor.signed_out", "visit": { "id": visit } })
}

/// What each install's intake answer planned: `status` per install, in install order.
async fn post(stack: &Stack, event: Value) -> Vec<String> {
    let receipt = stack.post_event(&event).await.expect("the intake accepts the event");
    let mut planned: Vec<(String, String)> = receipt
        .events
        .iter()
        .map(|e| (e.install_id.to_string(), e.job.as_ref().map(|j| j.status.clone()).unwrap_or_default()))
        .collect();
    planned.sort();
    planned.into_iter().map(|(_, status)| status).collect()
}

/// The Genetec visitor Gatehouse created for `visit` (its GUID is the PACS id the service stored).
async fn genetec_visitor(stack: &Stack, visit: &str) -> (Uuid, Visitor) {
    let install = InstallId::new(GENETEC_INSTALL);
    let person =
        stack.store.person(&stack.tenant, &install, visit).await.unwrap().expect("the service knows the visitor");
    let guid: Uuid = person.pacs_id.expect("the PACS id is stored").parse().expect("a GUID");
    (guid, genetec_common::live_visitor(&stack.genetec, guid))
}

fn genetec_pins(stack: &Stack, guid: Uuid) -> usize {
    genetec_common::credentials_of(&stack.genetec, guid).len()
}

fn in_visitors_group(stack: &Stack, guid: Uuid) -> bool {
    genetec_common::members(&stack.genetec, VISITORS_GROUP).contains(&guid)
}

/// Whether a timer of `visit` (activation or window end) has run at `install`.
async fn timer_ran(stack: &Stack, install: &str, visit: &str) -> bool {
    let jobs = stack.service.visit_jobs(&stack.tenant, &InstallId::new(install), &VisitId::new(visit)).await.unwrap();
    jobs.iter().any(|job| job.schedule_entry_id.is_some() && job.status == JobStatus::Done)
}

/// Every job of both installs finished well: nothing queued, failed or dead.
async fn no_job_went_wrong(stack: &Stack) {
    for status in ["queued", "running", "failed", "dead"] {
        let jobs = stack.store.jobs_with_status(&stack.tenant, status).await.unwrap();
        assert!(jobs.is_empty(), "{status} jobs: {jobs:?}");
    }
}

#[tokio::test]
async fn an_invited_visitor_is_provisioned_activated_early_and_revoked_when_signing_out_in_both_pacs() {
    let stack =
        Stack::start(&components(), at(7, 0)).await.expect("the stack starts (cargo xtask build-plugins first)");

    // 07:00 the invite: provisioned at once in both PACS, not yet active.
    assert_eq!(post(&stack, invite("e-1", "ada", "2025-03-03 10:00")).await, ["queued", "queued"]);
    stack.settle().await.unwrap();
    let (guid, visitor) = genetec_visitor(&stack, "ada").await;
    assert_eq!((visitor.person.first_name.as_str(), visitor.person.last_name.as_str()), ("Ada", "Lovelace"));
    assert_eq!(
        (visitor.arrival, visitor.departure),
        (Some(at(9, 30)), Some(at(14, 0))),
        "early access 30 min, 240 min from arrival"
    );
    assert_eq!(visitor.checkin_date, None, "not checked in before early access");
    assert!(in_visitors_group(&stack, guid));
    assert_eq!(genetec_pins(&stack, guid), 1, "one PIN credential");
    let card = symmetry_support::card(&stack.symmetry, 1001).await.expect("the first card of the install's pool");
    assert_eq!((card.first_name.as_deref(), card.last_name.as_deref()), (Some("Ada"), Some("Lovelace")));
    assert_eq!((card.active, card.expiry), (Some(symmetry_local(9, 30)), Some(symmetry_local(14, 0))));
    assert_eq!(symmetry_support::access_rights(&stack.symmetry, card.card_id).await, ["Visitor Lobby"]);
    assert!(!timer_ran(&stack, SYMMETRY_INSTALL, "ada").await, "Symmetry's card opens at its ActiveDateTime, 09:30");

    // 09:29 nothing yet; 09:30 (arrival − early access) the activation fires: Genetec checks her in.
    stack.advance_to(at(9, 29)).await.unwrap();
    assert_eq!(genetec_visitor(&stack, "ada").await.1.checkin_date, None);
    assert!(!timer_ran(&stack, GENETEC_INSTALL, "ada").await && !timer_ran(&stack, SYMMETRY_INSTALL, "ada").await);
    stack.advance_to(at(9, 30)).await.unwrap();
    let (_, visitor) = genetec_visitor(&stack, "ada").await;
    assert!(visitor.checkin_date.is_some_and(|t| t >= at(9, 30) && t < at(9, 31)), "checked in at 09:30: {visitor:?}");
    assert_eq!(visitor.person.status.state, State::Active);
    assert!(timer_ran(&stack, SYMMETRY_INSTALL, "ada").await, "the activation ran at Symmetry too");
    assert!(!symmetry_support::card(&stack.symmetry, 1001).await.unwrap().inactive, "the Symmetry card is enabled");

    // 09:45 the sign-in changes nothing: the invite already provisioned her.
    stack.advance_to(at(9, 45)).await.unwrap();
    assert_eq!(post(&stack, sign_in("e-2", "ada", true)).await, ["ignored", "ignored"]);
    stack.settle().await.unwrap();
    assert!(in_visitors_group(&stack, guid));

    // 12:00 the sign-out revokes everything in both PACS.
    stack.advance_to(at(12, 0)).await.unwrap();
    assert_eq!(post(&stack, sign_out("e-3", "ada")).await, ["queued", "queued"]);
    stack.settle().await.unwrap();
    let (_, visitor) = genetec_visitor(&stack, "ada").await;
    assert_ne!(visitor.person.status.state, State::Active, "deactivated");
    assert!(!in_visitors_group(&stack, guid), "out of the Visitors group");
    assert_eq!(genetec_pins(&stack, guid), 0, "the PIN is deleted");
    let card = symmetry_support::card(&stack.symmetry, 1001).await.unwrap();
    assert!(card.inactive);
    assert_eq!(card.expiry, Some(symmetry_local(12, 0)), "expired at the sign-out");
    assert!(symmetry_support::access_rights(&stack.symmetry, card.card_id).await.is_empty());

    // The rest of the day: the cancelled window-end revocation never runs, nothing fails.
    stack.advance_to(at(23, 59)).await.unwrap();
    no_job_went_wrong(&stack).await;
    stack.shutdown().await;
}

#[tokio::test]
async fn a_walk_in_who_never_signs_out_is_revoked_when_the_window_ends_in_both_pacs() {
    let stack =
        Stack::start(&components(), at(10, 0)).await.expect("the stack starts (cargo xtask build-plugins first)");

    // 10:15 a walk-in: provisioned and active at once, for 240 minutes.
    stack.advance_to(at(10, 15)).await.unwrap();
    assert_eq!(post(&stack, sign_in("e-1", "katherine", false)).await, ["queued", "queued"]);
    stack.settle().await.unwrap();
    let (guid, visitor) = genetec_visitor(&stack, "katherine").await;
    assert_eq!(visitor.person.status.state, State::Active);
    assert_eq!(visitor.departure, Some(at(14, 15)));
    assert!(in_visitors_group(&stack, guid));
    let card = symmetry_support::card(&stack.symmetry, 1001).await.expect("the walk-in's card");
    assert!(!card.inactive);
    assert_eq!(card.expiry, Some(symmetry_local(14, 15)));

    // 14:14 still in; at 14:15 the window ends and the revocation fires with no sign-out.
    stack.advance_to(at(14, 14)).await.unwrap();
    assert!(in_visitors_group(&stack, guid));
    assert!(!symmetry_support::card(&stack.symmetry, 1001).await.unwrap().inactive);
    stack.advance_to(at(14, 15)).await.unwrap();
    assert_ne!(genetec_visitor(&stack, "katherine").await.1.person.status.state, State::Active);
    assert!(!in_visitors_group(&stack, guid));
    assert_eq!(genetec_pins(&stack, guid), 0);
    let card = symmetry_support::card(&stack.symmetry, 1001).await.unwrap();
    assert!(card.inactive);
    assert!(symmetry_support::access_rights(&stack.symmetry, card.card_id).await.is_empty());
    no_job_went_wrong(&stack).await;
    stack.shutdown().await;
}

/// The card numbers the jobs of `visit` at `install` attached, as the visitor received them.
async fn issued_cards(stack: &Stack, install: &str, visit: &str) -> Vec<u64> {
    let mut cards = Vec::new();
    for job in stack.service.visit_jobs(&stack.tenant, &InstallId::new(install), &VisitId::new(visit)).await.unwrap() {
        for attachment in stack.service.job_view(&stack.tenant, &job.id).await.unwrap().attachments {
            if let AttachmentView::Card { card, .. } = attachment {
                cards.push(card.card_number);
            }
        }
    }
    cards
}

#[tokio::test]
async fn the_host_pool_holds_the_numbers_symmetry_really_gave_the_cards() {
    let stack =
        Stack::start(&components(), at(10, 0)).await.expect("the stack starts (cargo xtask build-plugins first)");
    let live = || async {
        let mut tx = stack.store.begin().await.unwrap();
        tx.live_cards(&stack.tenant, &InstallId::new(SYMMETRY_INSTALL), 100).await.unwrap()
    };

    // A walk-in comes and goes: her revoked card stays in Symmetry, expired, so its number is not free there.
    post(&stack, sign_in("e-1", "katherine", false)).await;
    stack.settle().await.unwrap();
    post(&stack, sign_out("e-2", "katherine")).await;
    stack.settle().await.unwrap();
    assert_eq!(issued_cards(&stack, SYMMETRY_INSTALL, "katherine").await, [1001]);
    assert!(live().await.is_empty(), "revoked: the host pool released 1001");

    // The next walk-in: the host pool offers 1001 again, the connector numbers the card itself.
    post(&stack, sign_in("e-3", "grace", false)).await;
    stack.settle().await.unwrap();
    let issued = issued_cards(&stack, SYMMETRY_INSTALL, "grace").await;
    assert_eq!(issued, [1002], "the number of the card Symmetry holds");
    assert!(symmetry_support::card(&stack.symmetry, 1002).await.is_some());
    assert_eq!(live().await, issued, "the pool holds what the PACS issued, not what it offered");
    no_job_went_wrong(&stack).await;
    stack.shutdown().await;
}

#[tokio::test]
async fn the_demo_day_provisions_and_revokes_visitors_in_both_pacs_and_reports_it_as_json() {
    let summary = gatehouse_demo::run(&components()).await.expect("the demo runs");
    let json = serde_json::to_value(&summary).unwrap();

    let installs = json["installs"].as_array().unwrap();
    let ids: Vec<&str> = installs.iter().map(|i| i["install_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [GENETEC_INSTALL, SYMMETRY_INSTALL]);
    for install in installs {
        let visitors = install["visitors"].as_array().unwrap();
        let visitor =
            |name: &str| visitors.iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("{name} in {install}"));
        for v in visitors {
            assert!(v["provisioned_at"].is_string() && v["revoked_at"].is_string(), "provisioned and revoked: {v}");
            assert!(v["in_pacs"].is_object(), "read back from the PACS: {v}");
            assert_eq!(v["in_pacs"]["status"], "inactive", "no visitor keeps access after the day: {v}");
        }
        assert_eq!(visitor("Ada Lovelace")["activated_at"], "09:30 EST", "early access");
        assert_eq!(visitor("Ada Lovelace")["revoked_because"], "the visitor signed out");
        assert_eq!(visitor("Katherine Johnson")["revoked_because"], "the access window ended");
        assert_eq!(visitor("Katherine Johnson")["revoked_at"], "14:15 EST");
        assert_eq!(visitor("Alan Turing")["revoked_because"], "the invite was cancelled");
        assert_eq!(install["jobs"].get("failed"), None, "{install}");
        assert_eq!(install["jobs"].get("dead"), None, "{install}");
    }
    let symmetry = &installs[1];
    assert_eq!(symmetry["visitors"][0]["cards"], json!(["card 100/1001"]));
    assert_eq!(symmetry["employees"][0]["in_pacs"]["status"], "inactive", "Dana signed out");
    let badges = json["badge_sign_ins"].as_array().unwrap();
    assert_eq!(badges.len(), 1);
    assert_eq!(badges[0]["email"], "alice.martin@acme.example");
    assert_eq!(badges[0]["door"], "HQ Main Entrance");
    assert!(summary.to_string().contains("revoked 14:15 EST: the access window ended"), "{summary}");
}
