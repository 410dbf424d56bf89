//! Symmetry fails closed ("Fail closed" issue): every visitor card carries Gatehouse's marker in
//! personal data 48-50 and is found by it, never by name; names Symmetry cannot spell (code page
//! 1252) or keep (40 characters) are provisioned with a warning; sign-out reaches every marked
//! card; a redrive under new idempotency keys after a compensation, or a retry after a crash
//! between the Add row and kv, makes no second card. Built component in the real host, the
//! simulator over TDS.

mod symmetry_support;

use chrono::{DateTime, Duration, Utc};
use gatehouse::domain::{ActionKind, InviteDetails, PersonDetails, SignIn, SignOut, VisitId, VisitorEvent};
use gatehouse_sdk_harness::contract::{Action, ErrorKind, Outcome};
use gatehouse_sim_symmetry::fixture::{CardSeed, CardholderSeed};
use gatehouse_sim_symmetry::{DropPoint, Fault, Fixture, RunningSim};
use serde_json::{json, Value};
use symmetry_support::*;

const POLICY: &str = r#"
[visitors]
early_access_minutes = 30
access_duration_minutes = 240

[visitors.types.Visitor]
groups = { access_codes = [20] }
card = { facility_code = 100 }
"#;

fn named(last_name: &str) -> PersonDetails {
    PersonDetails { first_name: "Ada".into(), last_name: last_name.into(), ..PersonDetails::default() }
}

fn walk_in(visit: &str, last_name: &str, at: DateTime<Utc>) -> VisitorEvent {
    VisitorEvent::VisitorSignedIn(SignIn {
        visit_id: VisitId::new(visit),
        visitor_type: "Visitor".into(),
        person: named(last_name),
        invited: false,
        occurred_at: at,
    })
}

fn sign_out(visit: &str, at: DateTime<Utc>) -> VisitorEvent {
    VisitorEvent::VisitorSignedOut(SignOut { visit_id: VisitId::new(visit), occurred_at: at })
}

fn detail(outcome: &Outcome) -> Value {
    serde_json::from_str(&outcome.detail).expect("the detail is JSON")
}

fn warnings(outcomes: &[(ActionKind, Outcome)]) -> Vec<String> {
    let (_, upsert) = outcomes.iter().find(|(kind, _)| *kind == ActionKind::UpsertPerson).expect("an upsert step");
    serde_json::from_value(detail(upsert)["warnings"].clone()).unwrap_or_default()
}

async fn add_rows_for(sim: &RunningSim, number: i32) -> usize {
    import_rows(sim).await.iter().filter(|r| r.request == Some(0) && r.card_number == Some(number)).count()
}

/// What the host runs after a failed provisioning job: revoke, remove the type's groups, deactivate.
async fn compensate(connector: &gatehouse_sdk_harness::Connector, visit: &str, key: &str) {
    let who = || visitor(visit);
    connector.run_with_key(Action::RevokeCredentials(who()), json!({}), &format!("{key}/0")).await.unwrap();
    connector
        .run_with_key(Action::RemoveGroups(who()), json!({"access_codes": [VISITOR_LOBBY]}), &format!("{key}/1"))
        .await
        .unwrap();
    connector.run_with_key(Action::Deactivate(who()), json!({}), &format!("{key}/2")).await.unwrap();
}

async fn assert_marked(sim: &RunningSim, card_id: i32, visit: &str) {
    let expected = [Some("Gatehouse".to_string()), Some(visit.to_string()), Some(visit.to_string())];
    assert_eq!(marker_fields(sim, card_id).await, expected, "Gatehouse's marker on CardID {card_id}");
}

#[tokio::test]
async fn names_symmetry_cannot_spell_or_keep_are_provisioned_with_a_warning_and_revoked() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let long_name = "Abcdefghij".repeat(20);
    let names: [(&str, &str, &str); 6] = [
        ("李", "?", "stored as \"?\""),
        ("😀", "??", "stored as \"??\""),
        ("שלום", "????", "stored as \"????\""),
        ("مريم", "????", "stored as \"????\""),
        ("e\u{301}", "e?", "stored as \"e?\""),
        (&long_name, &long_name[..40], "cut to"),
    ];
    let mut flows = Vec::new();
    for (i, (name, stored, warned)) in names.iter().enumerate() {
        let visit = format!("visit-{i}");
        let mut flow = Flow::new(&connector, POLICY);
        let handled = flow.handle(walk_in(&visit, name, start_time()), start_time()).await.unwrap();

        let said = warnings(&handled.outcomes);
        assert!(said.iter().any(|w| w.contains(warned)), "{name}: {said:?}");
        assert!(said.iter().all(|w| w.contains("last name")), "{name}: {said:?}");
        let number = 1001 + i as i32;
        let card = card(&sim, number).await.unwrap_or_else(|| panic!("{name}: card {number}"));
        assert_eq!(card.last_name.as_deref(), Some(*stored), "{name}");
        assert_eq!(cards_marked_with(&sim, &visit).await, [card.card_id], "{name}: one card for the visit");
        assert_eq!(add_rows_for(&sim, number).await, 1, "{name}: one Add row");
        assert_marked(&sim, card.card_id, &visit).await;
        assert!(!card.inactive, "{name}");
        assert_eq!(
            (card.active, card.expiry),
            (Some(local("2025-01-01 07:00:00")), Some(local("2025-01-01 11:00:00")))
        );
        assert_eq!(access_rights(&sim, card.card_id).await, ["Visitor Lobby"], "{name}");
        flows.push((visit, number, flow));
    }
    assert_eq!(card_count(&sim).await, 8 + names.len(), "one card per visitor, nothing more");

    let later = start_time() + Duration::hours(1);
    connector.clock().set(later);
    for (visit, number, flow) in &mut flows {
        flow.handle(sign_out(visit, later), later).await.unwrap();
        let card = card(&sim, *number).await.unwrap();
        assert!(card.inactive, "{visit}");
        assert_eq!(card.expiry, Some(local("2025-01-01 08:00:00")), "{visit} expired at the sign-out");
        assert!(access_rights(&sim, card.card_id).await.is_empty(), "{visit}");
    }
}

#[tokio::test]
async fn a_redrive_after_the_compensation_finds_the_same_card_and_restores_its_access() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);
    flow.handle(walk_in("visit-1", "李", start_time()), start_time()).await.unwrap();
    connector.clock().set(start_time() + Duration::minutes(30));
    compensate(&connector, "visit-1", "compensation-1").await;
    let revoked = card(&sim, 1001).await.unwrap();
    assert!(revoked.inactive && revoked.expiry == Some(local("2025-01-01 07:30:00")), "{revoked:?}");
    assert!(access_rights(&sim, revoked.card_id).await.is_empty());

    let outcomes = flow.redrive().await.unwrap();

    assert!(outcomes.iter().any(|(kind, _)| *kind == ActionKind::Activate), "the window has started");
    assert_eq!(warnings(&outcomes).len(), 1, "the redrive reports the loss again");
    let restored = card(&sim, 1001).await.unwrap();
    assert_eq!(restored.card_id, revoked.card_id, "the same card");
    assert!(!restored.inactive);
    assert_eq!(
        (restored.active, restored.expiry),
        (Some(local("2025-01-01 07:00:00")), Some(local("2025-01-01 11:00:00")))
    );
    assert_eq!(access_rights(&sim, restored.card_id).await, ["Visitor Lobby"]);
    assert_eq!(cards_marked_with(&sim, "visit-1").await, [restored.card_id]);
    assert_eq!(card_count(&sim).await, 9, "no second card");
}

#[tokio::test]
async fn a_redrive_of_an_invite_whose_window_starts_later_reopens_the_card_without_an_activate_step() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut flow = Flow::new(&connector, POLICY);
    let invite = InviteDetails {
        visit_id: VisitId::new("visit-1"),
        visitor_type: "Visitor".into(),
        person: named("Lovelace"),
        expected_arrival: start_time() + Duration::hours(3),
        registration_complete: false,
        occurred_at: start_time(),
    };
    flow.handle(VisitorEvent::VisitInvited(invite), start_time()).await.unwrap();
    compensate(&connector, "visit-1", "compensation-1").await;
    assert!(card(&sim, 1001).await.unwrap().inactive);

    let outcomes = flow.redrive().await.unwrap();

    assert!(outcomes.iter().all(|(kind, _)| *kind != ActionKind::Activate), "activation is scheduled for later");
    let reopened = card(&sim, 1001).await.unwrap();
    assert!(!reopened.inactive, "setting the window lifted the forced-inactive flag");
    // Arrival 15:00Z is 10:00 in New York: 09:30 with early access, 240 minutes.
    assert_eq!(
        (reopened.active, reopened.expiry),
        (Some(local("2025-01-01 09:30:00")), Some(local("2025-01-01 14:00:00")))
    );
    assert_eq!(card_count(&sim).await, 9);
}

#[tokio::test]
async fn a_crash_between_the_add_row_and_kv_leaves_exactly_one_card_after_a_retry() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let add = |visit: &str| Action::UpsertPerson(person(visit, "Ada", "李"));
    let lose_the_reply = || Fault::DropConnections {
        count: 1,
        when: DropPoint::AfterExecute,
        matching: Some("INSERT INTO dbo.DataImportTable".into()),
    };

    // The row is written and processed, the connector never hears back; the retry is a redrive.
    sim.inject(lose_the_reply());
    let (kind, _) = error_kind(connector.run_with_key(add("visit-1"), json!({}), "job-1/0").await);
    assert_eq!(kind, ErrorKind::Transient);
    let ticks = sim.processor_ticks();
    sim.wait_for_processor_ticks(ticks + 2).await;
    let retried = connector.run_with_key(add("visit-1"), json!({}), "job-2/0").await.unwrap();
    let first = card(&sim, 1001).await.unwrap();
    assert_eq!(retried.pacs_id, Some(first.card_id.to_string()));
    assert_eq!(add_rows_for(&sim, 1001).await, 1);

    // The row is written but not processed yet when the redrive comes: it waits on that row.
    sim.pause();
    sim.inject(lose_the_reply());
    let (kind, _) = error_kind(connector.run_with_key(add("visit-2"), json!({}), "job-3/0").await);
    assert_eq!(kind, ErrorKind::Transient);
    let (kind, _) = error_kind(connector.run_with_key(add("visit-2"), json!({}), "job-4/0").await);
    assert_eq!(kind, ErrorKind::Transient, "the processor is paused");
    sim.resume();
    let retried = connector.run_with_key(add("visit-2"), json!({}), "job-5/0").await.unwrap();
    let second = card(&sim, 1002).await.unwrap();
    assert_eq!(retried.pacs_id, Some(second.card_id.to_string()));
    assert_eq!(add_rows_for(&sim, 1002).await, 1, "no second Add row");

    assert_eq!(card_count(&sim).await, 10, "exactly one card per visitor");
    assert_marked(&sim, first.card_id, "visit-1").await;
    assert_marked(&sim, second.card_id, "visit-2").await;
}

#[tokio::test]
async fn a_legacy_card_without_the_marker_is_found_by_the_kv_record_and_marked() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    connector.run(Action::UpsertPerson(person("visit-1", "Ada", "Lovelace")), json!({})).await.unwrap();
    let created = card(&sim, 1001).await.unwrap();
    // The card as an earlier connector version left it: same cardholder and card, no marker.
    let mut legacy = Fixture::default();
    legacy.cardholders.push(CardholderSeed {
        card_id: i64::from(created.card_id),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        company_id: Some(VISITOR_COMPANY),
        cards: vec![CardSeed { number: 1001, facility_code: FACILITY, ..CardSeed::default() }],
        ..CardholderSeed::default()
    });
    sim.seed(&legacy).unwrap();
    assert_eq!(marker_fields(&sim, created.card_id).await, [None, None, None]);

    let at = start_time();
    let windowed = windowed(visitor("visit-1"), at, at + Duration::hours(4));
    let outcome = connector.run(Action::SetAccessWindow(windowed), json!({})).await.unwrap();

    assert_eq!(outcome.pacs_id, Some(created.card_id.to_string()));
    assert_eq!(detail(&outcome)["marker_backfilled"], json!([1001]));
    assert_marked(&sim, created.card_id, "visit-1").await;
    let again = connector.run(Action::UpsertPerson(person("visit-1", "Ada", "Lovelace")), json!({})).await.unwrap();
    assert_eq!(again.pacs_id, Some(created.card_id.to_string()));
    assert_eq!(card_count(&sim).await, 9, "no second card");
}

#[tokio::test]
async fn another_integrators_marker_with_the_same_visit_id_is_not_ours() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    // The fixture's card 1000 carries Source "Envoy" and VisitId "visit-0001".
    let outcome =
        connector.run(Action::UpsertPerson(person("visit-0001", "Ada", "Lovelace")), json!({})).await.unwrap();
    let ours = card(&sim, 1001).await.expect("a card of our own");
    assert_eq!(outcome.pacs_id, Some(ours.card_id.to_string()));

    let revoked = connector.run(Action::RevokeCredentials(visitor("visit-0001")), json!({})).await.unwrap();

    assert_eq!(detail(&revoked)["card_number"], 1001);
    assert_eq!(card(&sim, 1000).await.unwrap().expiry, None, "the other integrator's card is untouched");
    assert_eq!(marker_fields(&sim, 6).await[0].as_deref(), Some("Envoy"));
}

#[tokio::test]
async fn duplicate_marked_cards_left_by_the_defect_are_revoked_and_the_lowest_cardid_is_kept() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    let mut duplicates = Fixture::default();
    for (card_id, number) in [(100, 1005), (101, 1006)] {
        duplicates.cardholders.push(CardholderSeed {
            card_id,
            first_name: Some("Ada".into()),
            last_name: Some("?".into()),
            company_id: Some(VISITOR_COMPANY),
            personal_data: [(48, "Gatehouse"), (49, "visit-1"), (50, "visit-1")]
                .map(|(n, v)| (n, v.to_string()))
                .into(),
            cards: vec![CardSeed { number, facility_code: FACILITY, ..CardSeed::default() }],
            ..CardholderSeed::default()
        });
    }
    sim.seed(&duplicates).unwrap();

    let kept = connector.run(Action::UpsertPerson(person("visit-1", "Ada", "李")), json!({})).await.unwrap();

    assert_eq!(kept.pacs_id.as_deref(), Some("100"));
    assert_eq!(detail(&kept)["duplicates_revoked"], json!([1006]));
    assert!(!card(&sim, 1005).await.unwrap().inactive);
    let revoked = card(&sim, 1006).await.unwrap();
    assert!(revoked.inactive && revoked.expiry == Some(local("2025-01-01 07:00:00")), "{revoked:?}");

    let signed_out = connector.run(Action::Deactivate(visitor("visit-1")), json!({})).await.unwrap();
    assert!(signed_out.changed);
    assert!(card(&sim, 1005).await.unwrap().inactive, "sign-out reaches every marked card");
    assert_eq!(card_count(&sim).await, 10, "no new card");
}
