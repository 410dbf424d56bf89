//! Fail closed on Genetec: the built component in the real host, against the simulator.
//! Visitors are found by the marker stamped on them (never by name, never only through
//! kv), every action that takes access away reaches every visitor carrying the visit's
//! marker and never fails for want of one, and after a compensation a redrive with new
//! idempotency keys restores the visit's access on the same single visitor.

mod genetec_common;

use gatehouse_sdk_harness::contract::{AccessWindow, Action, Credential, ErrorKind, Outcome, Person};
use gatehouse_sdk_harness::Connector;
use gatehouse_sim_genetec::model::status::Expiration;
use gatehouse_sim_genetec::{AccessEventType, FaultKind, FaultRule, FaultTiming, RunningSim};
use genetec_common::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn contractors() -> Value {
    json!({"groups": [CONTRACTORS_GROUP.to_string()]})
}

/// The credential an issue-card or issue-pin outcome created.
fn credential_guid(outcome: &Outcome) -> Uuid {
    let detail = detail(outcome);
    detail["credential"].as_str().unwrap_or_else(|| panic!("no credential GUID in {detail}")).parse().unwrap()
}

/// What a provisioning job sends for a visitor who has arrived, each step with the
/// job's own idempotency key: upsert, groups, window, card, PIN, check-in.
async fn provision(sim: &RunningSim, connector: &Connector, person: &Person, job: &str) -> Vec<Outcome> {
    provision_in(connector, person, job, window(sim, 0, 120)).await
}

/// [`provision`] with the window given, for tests that check it afterwards.
async fn provision_in(connector: &Connector, person: &Person, job: &str, stay: AccessWindow) -> Vec<Outcome> {
    let who = person.identity.clone();
    let steps = [
        (Action::UpsertPerson(person.clone()), json!({})),
        (Action::AddGroups(who.clone()), contractors()),
        (Action::SetAccessWindow(windowed(who.clone(), stay)), json!({})),
        (Action::IssueCard(windowed(who.clone(), stay)), json!({})),
        (Action::IssuePin(windowed(who.clone(), stay)), json!({})),
        (Action::Activate(who), json!({})),
    ];
    let mut outcomes = Vec::new();
    for (step, (action, params)) in steps.into_iter().enumerate() {
        let key = format!("{job}/step-{}", step + 1);
        outcomes.push(connector.run_with_key(action, params, &key).await.unwrap_or_else(|e| panic!("{key}: {e}")));
    }
    outcomes
}

/// What the engine's compensation job sends when a provisioning job failed for good.
async fn compensate(
    connector: &Connector,
    who: &gatehouse_sdk_harness::contract::PersonRef,
    job: &str,
) -> Vec<Outcome> {
    let steps = [
        (Action::RevokeCredentials(who.clone()), json!({})),
        (Action::RemoveGroups(who.clone()), contractors()),
        (Action::Deactivate(who.clone()), json!({})),
    ];
    let mut outcomes = Vec::new();
    for (step, (action, params)) in steps.into_iter().enumerate() {
        let key = format!("{job}/step-{}", step + 1);
        outcomes.push(connector.run_with_key(action, params, &key).await.unwrap_or_else(|e| panic!("{key}: {e}")));
    }
    outcomes
}

/// No marked visitor of the visit is active, none holds a credential or a membership.
fn no_access_left(sim: &RunningSim, external_id: &str) {
    let visitors = visitors_with(sim, external_id);
    assert!(!visitors.is_empty(), "the visitor records stay, deactivated");
    for visitor in visitors {
        let guid = visitor.header.guid;
        assert!(!is_active(sim, guid), "{external_id}: visitor {guid} is still active");
        assert!(credentials_of(sim, guid).is_empty(), "{external_id}: visitor {guid} still holds a credential");
        assert!(!members(sim, CONTRACTORS_GROUP).contains(&guid), "{external_id}: {guid} is still in the group");
    }
}

#[tokio::test]
async fn names_in_any_script_and_of_200_characters_are_provisioned_then_revoked() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let long: String = "Ab李😀e\u{301}".chars().cycle().take(200).collect();
    let names = [
        ("cjk", "李", "王小明"),
        ("emoji", "😀", "Smith 😀"),
        ("hebrew", "שלום", "כהן"),
        ("arabic", "مريم", "الحسيني"),
        ("combining", "Rene\u{301}e", "Zoe\u{301}"),
        ("long", "Grace", long.as_str()),
    ];

    for (id, first, last) in names {
        let external_id = format!("visit-name-{id}");
        let person = person(visitor(&external_id), first, last);
        let outcomes = provision(&sim, &connector, &person, &format!("{id}-job-1")).await;
        let guid = pacs_uuid(&outcomes[0]);
        let card = credential_guid(&outcomes[3]);
        let provisioned = live_visitor(&sim, guid);
        let warnings = detail(&outcomes[0])["warnings"].clone();
        if id == "long" {
            // ASSUMPTION (names.rs): at most 100 UTF-16 units per name field reach Security Center.
            assert!(provisioned.person.last_name.encode_utf16().count() <= 100, "{}", provisioned.person.last_name);
            assert!(last.starts_with(&provisioned.person.last_name) && !provisioned.person.last_name.is_empty());
            assert!(provisioned.header.name.starts_with("Grace Ab李"), "{}", provisioned.header.name);
            let warnings = warnings.as_array().expect("a warnings array");
            assert!(warnings.len() == 1 && warnings[0].is_string(), "{warnings:?}");
        } else {
            assert_eq!((provisioned.person.first_name.as_str(), provisioned.person.last_name.as_str()), (first, last));
            assert_eq!(provisioned.header.name, format!("{first} {last}"));
            assert!(warnings.is_null(), "{id}: {warnings}");
        }
        assert_eq!(swipe_at(&sim, HQ_MAIN_ENTRANCE, card), AccessEventType::AccessGranted, "{id}");
        // Upserting again changes nothing: what Security Center holds is what we send.
        let again = connector.run(Action::UpsertPerson(person.clone()), json!({})).await.unwrap();
        assert!(!again.changed, "{id}: {again:?}");

        let revoked = compensate(&connector, &person.identity, &format!("{id}-job-2")).await;

        assert!(revoked.iter().all(|o| o.changed), "{id}: {revoked:?}");
        no_access_left(&sim, &external_id);
        assert_ne!(swipe_at(&sim, HQ_MAIN_ENTRANCE, card), AccessEventType::AccessGranted, "{id}");
        assert_eq!(visitors_with(&sim, &external_id).len(), 1);
    }
}

#[tokio::test]
async fn a_visitor_whose_creation_answer_was_lost_is_compensated_and_found_again_by_the_redrive() {
    for (name, fault) in [
        ("http 500", FaultKind::HttpStatus { status: 500 }),
        ("fail", FaultKind::FailEnvelope { sdk_error_code: "InvalidOperation".into(), message: "lost".into() }),
    ] {
        let sim = sim().await;
        let connector = connector(&sim, config(&sim, json!({}))).await;
        let who = visitor("visit-lost");
        let rule = FaultRule {
            kind: fault,
            count: Some(1),
            matching: Some("newentity(visitor)".into()),
            when: FaultTiming::After,
        };
        sim.add_fault(rule);

        let lost = connector.run_with_key(upsert(who.clone()), json!({}), "job-1/step-1").await.unwrap_err();
        let created = visitors_with(&sim, "visit-lost");
        let compensation = compensate(&connector, &who, "job-2").await;
        let redriven = connector.run_with_key(upsert(who.clone()), json!({}), "job-3/step-1").await.unwrap();
        let retried = connector.run_with_key(upsert(who.clone()), json!({}), "job-3/step-1").await.unwrap();

        assert!(kind(&lost).is_some(), "{name}: {lost}");
        assert_eq!(created.len(), 1, "{name}: the create happened on the server");
        let guid = created[0].header.guid;
        // The compensation finds the visitor kv never learnt of, and deactivates it.
        assert!(!compensation[0].changed && !compensation[1].changed, "{name}: {compensation:?}");
        assert!(compensation[2].changed && pacs_uuid(&compensation[2]) == guid, "{name}: {compensation:?}");
        assert!(!is_active(&sim, guid));
        // The redrive (new keys) and its retry find it: still exactly one visitor.
        assert_eq!((pacs_uuid(&redriven), pacs_uuid(&retried)), (guid, guid), "{name}");
        assert_eq!(visitors_with(&sim, "visit-lost").len(), 1, "{name}");
    }
}

#[tokio::test]
async fn revoke_and_deactivate_reach_a_second_visitor_planted_with_the_same_marker() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let who = visitor("visit-twin");
    let outcomes = provision(&sim, &connector, &person(who.clone(), "Grace", "Hopper"), "job-1").await;
    let ours = pacs_uuid(&outcomes[0]);
    // A second record with the same marker, made by hand, with a card of the install's
    // range Gatehouse never recorded and an operator's card outside it.
    let twin = plant_visitor(&sim, "visit-twin", "Grace", "Hopper").await;
    let in_range = operator_card(&sim, 5999, twin).await;
    let operators = operator_card(&sim, 7777, twin).await;
    assert_eq!(swipe_at(&sim, HQ_MAIN_ENTRANCE, operators), AccessEventType::AccessGranted);

    let revoked = connector.run(Action::RevokeCredentials(who.clone()), json!({})).await.unwrap();
    let deactivated = connector.run(Action::Deactivate(who.clone()), json!({})).await.unwrap();

    assert!(revoked.changed && deactivated.changed);
    assert_eq!(pacs_uuid(&revoked), ours, "the remembered visitor comes first");
    let detail = detail(&deactivated);
    assert_eq!(detail["deactivated"], json!([ours.to_string(), twin.to_string()]));
    for guid in [ours, twin] {
        assert!(credentials_of(&sim, guid).is_empty() && !is_active(&sim, guid), "{guid}");
    }
    let state = sim.state();
    assert!(!state.credentials.contains_key(&in_range), "a card of our range is deleted");
    assert_eq!(state.credentials[&operators].cardholder, None, "the operator's card is only unassigned");
    assert_ne!(swipe_at(&sim, HQ_MAIN_ENTRANCE, operators), AccessEventType::AccessGranted);
}

#[tokio::test]
async fn upsert_keeps_one_of_two_marked_visitors_and_retires_the_other_with_a_warning() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let who = visitor("visit-dup");
    let first = plant_visitor(&sim, "visit-dup", "Grace", "Hopper").await;
    let second = plant_visitor(&sim, "visit-dup", "Grace", "Hopper").await;
    let card = operator_card(&sim, 7001, second).await;

    let outcome = connector.run(upsert(who.clone()), json!({})).await.unwrap();
    let again = connector.run(upsert(who.clone()), json!({})).await.unwrap();

    let kept = pacs_uuid(&outcome);
    let retired = if kept == first { second } else { first };
    assert!([first, second].contains(&kept));
    assert_eq!(pacs_uuid(&again), kept, "the kept visitor stays the kept one");
    assert!(is_active(&sim, kept) && !is_active(&sim, retired));
    let warnings = detail(&outcome)["warnings"].as_array().cloned().unwrap_or_default();
    assert!(warnings.len() == 1 && warnings[0].as_str().unwrap().contains(&retired.to_string()), "{warnings:?}");
    assert!(credentials_of(&sim, retired).is_empty());
    assert_eq!(visitors_with(&sim, "visit-dup").len(), 2, "nothing is created or deleted");
    if retired == second {
        assert_eq!(sim.state().credentials[&card].cardholder, None);
    }
}

#[tokio::test]
async fn actions_that_take_access_away_answer_unchanged_when_no_visitor_exists() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let who = visitor("visit-never");
    let before = sim.state();

    let compensation = compensate(&connector, &who, "job-2").await;
    let checked_out = connector.run(Action::CheckOut(who.clone()), json!({})).await.unwrap();
    let erased = connector.run(Action::ErasePerson(who.clone()), json!({})).await.unwrap();
    let activated = connector.run(Action::Activate(who.clone()), json!({})).await.unwrap_err();

    for outcome in compensation.iter().chain([&checked_out, &erased]) {
        assert!(!outcome.changed && outcome.pacs_id.is_none(), "{outcome:?}");
    }
    assert_eq!(kind(&activated), Some(ErrorKind::Permanent), "granting access still needs the visitor");
    let after = sim.state();
    assert_eq!((after.visitors.len(), after.credentials.len()), (before.visitors.len(), before.credentials.len()));
}

#[tokio::test]
async fn after_compensation_a_redrive_with_fresh_keys_restores_the_visit_on_the_same_single_visitor() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"pin_length": 6}))).await;
    let person = person(visitor("visit-redrive"), "Grace", "Hopper");
    let first = provision(&sim, &connector, &person, "job-1").await;
    let guid = pacs_uuid(&first[0]);
    let (card, pin) = (credential_guid(&first[3]), credential_guid(&first[4]));
    assert_eq!(swipe_at(&sim, HQ_MAIN_ENTRANCE, card), AccessEventType::AccessGranted);

    let compensation = compensate(&connector, &person.identity, "job-2").await;

    assert!(compensation.iter().all(|o| o.changed), "{compensation:?}");
    no_access_left(&sim, "visit-redrive");
    assert!(!sim.state().credentials.contains_key(&card) && !sim.state().credentials.contains_key(&pin));

    let stay = window(&sim, 0, 120);
    let redriven = provision_in(&connector, &person, "job-3", stay).await;

    let visitors = visitors_with(&sim, "visit-redrive");
    assert_eq!(visitors.len(), 1, "one visitor, never a second");
    assert_eq!(pacs_uuid(&redriven[0]), guid);
    // Groups, card, PIN and check-in had to be given again; the record and its window had not changed.
    assert!([1, 3, 4, 5].iter().all(|&step| redriven[step].changed), "{redriven:?}");
    assert!(is_active(&sim, guid));
    assert!(members(&sim, CONTRACTORS_GROUP).contains(&guid));
    let new_card = credential_guid(&redriven[3]);
    assert_ne!(new_card, card, "a new credential, not the revoked one");
    let held = credentials_of(&sim, guid);
    assert_eq!(held.len(), 2, "the new card and the new PIN: {held:?}");
    let issued = held.iter().find(|c| c.header.guid == new_card).unwrap();
    assert_eq!(issued.status.activation_date.map(|d| d.timestamp_millis()), Some(stay.starts_at));
    assert!(
        matches!(issued.status.expiration, Expiration::SpecificDate { at } if at.timestamp_millis() == stay.ends_at)
    );
    assert_eq!(swipe_at(&sim, HQ_MAIN_ENTRANCE, new_card), AccessEventType::AccessGranted);
    assert!(matches!(&redriven[3].credential, Some(Credential::Card(c)) if c.card_number == card_number(&first[3])));
    assert!(matches!(&redriven[4].credential, Some(Credential::Pin(_))));
}

#[tokio::test]
async fn with_a_custom_field_marker_a_lost_create_and_a_planted_twin_are_reached_too() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"external_id_field": "External Id"}))).await;
    let who = visitor("visit-cf");
    let marked = |sim: &RunningSim| -> Vec<Uuid> {
        let state = sim.state();
        let carries = |v: &&gatehouse_sim_genetec::model::Visitor| {
            v.header.custom_fields.get("External Id") == Some(&json!("visit-cf"))
        };
        state.visitors.values().filter(carries).map(|v| v.header.guid).collect()
    };
    let lost = FaultRule {
        kind: FaultKind::HttpStatus { status: 502 },
        count: Some(1),
        matching: Some("newentity(visitor)".into()),
        when: FaultTiming::After,
    };
    sim.add_fault(lost);

    connector.run_with_key(upsert(who.clone()), json!({}), "job-1/step-1").await.unwrap_err();
    let found = connector.run_with_key(upsert(who.clone()), json!({}), "job-1/step-1").await.unwrap();
    let twin: Uuid = as_operator(&sim, "entity=NewEntity(Visitor),Name=Grace Hopper,External Id=visit-cf,Guid").await
        ["Guid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let deactivated = connector.run(Action::Deactivate(who.clone()), json!({})).await.unwrap();

    let guid = pacs_uuid(&found);
    assert_eq!(marked(&sim).len(), 2);
    assert!(marked(&sim).contains(&guid) && marked(&sim).contains(&twin));
    assert_eq!(detail(&deactivated)["deactivated"], json!([guid.to_string(), twin.to_string()]));
    assert!(!is_active(&sim, guid) && !is_active(&sim, twin));
}
