//! Every Genetec behaviour of the seed (`shared/specs/seed-features.md`, items A1–A7),
//! end to end: the built `genetec.wasm` component in the real host, against the running
//! Web SDK simulator, asserted by reading the simulator's state back. Test names carry
//! the seed item numbers.

mod genetec_common;

use chrono::{DateTime, TimeDelta, Utc};
use gatehouse_sdk_harness::contract::{Action, Credential, ErrorKind};
use gatehouse_sdk_harness::Connector;
use gatehouse_sim_genetec::model::status::{Expiration, State};
use gatehouse_sim_genetec::model::{CredentialFormat, WiegandFormat};
use gatehouse_sim_genetec::{BadgeDecision, BadgeSwipe, RunningSim};
use genetec_common::*;
use serde_json::json;
use uuid::Uuid;

// A1: prerequisites — licence part, service user privileges, reachable port.

#[tokio::test]
async fn seed_a1_1_an_unactivated_licence_part_fails_validation_in_plain_words() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"application_id": UNACTIVATED_APP_ID}))).await;

    let checks = connector.validate().await.unwrap();

    let connection = checks.iter().find(|c| c.name == "connection").unwrap();
    assert!(!connection.ok);
    assert!(connection.detail.contains("GSC-1SDK-ENVOY-Visitors"), "{}", connection.detail);
}

#[tokio::test]
async fn seed_a1_6_a_user_without_log_on_using_the_sdk_is_an_auth_error_naming_the_privilege() {
    let sim = sim().await;
    let config = config(&sim, json!({"username": NO_SDK_USER}));
    let connector = connector_with_password(&sim, config, NO_SDK_PASSWORD).await;

    let error = connector.run(upsert(visitor("v-1")), json!({})).await.unwrap_err();

    assert_eq!(kind(&error), Some(ErrorKind::Auth));
    assert!(!error.retryable());
    assert!(message(&error).contains("Log on using the SDK"), "{}", message(&error));
}

#[tokio::test]
async fn seed_a1_9_auto_check_in_validation_requires_the_door_activities_privilege() {
    let sim = sim().await;
    let extra = json!({"username": NO_DOOR_ACTIVITY_USER, "employees": {"method": "auto-checkin"}});
    let without = connector_with_password(&sim, config(&sim, extra), NO_DOOR_ACTIVITY_PASSWORD).await;
    let with = connector(&sim, config(&sim, json!({"employees": {"method": "auto-checkin"}}))).await;

    let refused = without.validate().await.unwrap();
    let accepted = with.validate().await.unwrap();

    let check = refused.iter().find(|c| c.name == "door activities").unwrap();
    assert!(!check.ok && check.detail.contains("Door activities"), "{check:?}");
    assert!(accepted.iter().all(|c| c.ok), "{accepted:?}");
}

#[tokio::test]
async fn seed_a1_3_a_web_sdk_url_outside_the_install_grant_is_refused() {
    let sim = sim().await;
    let config = config(&sim, json!({"web_sdk_url": "http://127.0.0.1:9/WebSdk"}));
    let connector = connector(&sim, config).await;

    let checks = connector.validate().await.unwrap();

    let connection = checks.iter().find(|c| c.name == "connection").unwrap();
    assert!(!connection.ok && connection.detail.contains("granted"), "{connection:?}");
}

// A2: what the app does.

#[tokio::test]
async fn seed_a2_11_a_signed_in_visitor_becomes_a_visitor_entity() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;

    let outcome = connector.run(upsert(visitor("visit-11")), json!({})).await.unwrap();

    let created = live_visitor(&sim, pacs_uuid(&outcome));
    assert_eq!((created.person.first_name.as_str(), created.person.last_name.as_str()), ("Grace", "Hopper"));
    assert_eq!(created.header.name, "Grace Hopper");
    assert_eq!(created.header.description, "gatehouse:visit-11");
    assert_eq!(detail(&outcome)["visitor"], pacs_uuid(&outcome).to_string());
}

#[tokio::test]
async fn seed_a2_12_and_a6_35_a_visitor_type_maps_to_a_visitor_enabled_cardholder_group() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-35")), json!({})).await.unwrap());
    let contractors = json!({"groups": [CONTRACTORS_GROUP.to_string()]});

    let added = connector.run(Action::AddGroups(visitor("visit-35")), contractors.clone()).await.unwrap();
    let again = connector.run(Action::AddGroups(visitor("visit-35")), contractors).await.unwrap();
    let refused =
        connector.run(Action::AddGroups(visitor("visit-35")), json!({"groups": [ENGINEERING_GROUP.to_string()]})).await;

    assert!(added.changed && !again.changed);
    assert!(members(&sim, CONTRACTORS_GROUP).contains(&guid));
    let error = refused.unwrap_err();
    assert_eq!(kind(&error), Some(ErrorKind::Config));
    assert!(message(&error).contains("Available for visitors"), "{}", message(&error));
    assert!(!members(&sim, ENGINEERING_GROUP).contains(&guid));
}

// A3: API access.

#[tokio::test]
async fn seed_a3_17_the_web_sdk_url_can_be_an_address_and_port_with_the_default_base_path() {
    let sim = sim().await;
    let address = sim.base_url().trim_end_matches("/WebSdk").to_string();
    let connector = connector(&sim, config(&sim, json!({"web_sdk_url": address}))).await;

    let checks = connector.validate().await.unwrap();

    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert!(checks.iter().any(|c| c.name == "connection"));
}

#[tokio::test]
async fn seed_a3_18_a_wrong_password_is_an_auth_error_that_is_never_retried() {
    let sim = sim().await;
    let connector = connector_with_password(&sim, config(&sim, json!({})), "wrong").await;

    let error = connector.run(upsert(visitor("v-18")), json!({})).await.unwrap_err();
    let checks = connector.validate().await.unwrap();

    assert_eq!(kind(&error), Some(ErrorKind::Auth));
    assert!(!error.retryable());
    assert!(checks.iter().any(|c| c.name == "connection" && !c.ok && c.detail.contains("password")), "{checks:?}");
}

// A4: partitions.

#[tokio::test]
async fn seed_a4_19_visitors_and_credentials_are_created_in_the_chosen_partition() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"partition": HQ_PARTITION.to_string()}))).await;

    let partitions = connector.list_options("partitions").await.unwrap();
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-19")), json!({})).await.unwrap());
    connector.run(Action::IssueCard(windowed(visitor("visit-19"), window(&sim, 0, 60))), json!({})).await.unwrap();

    assert!(partitions.iter().any(|p| p.id == HQ_PARTITION.to_string() && p.label == "HQ Tower"), "{partitions:?}");
    assert_eq!(live_visitor(&sim, guid).header.partition, HQ_PARTITION);
    assert!(credentials_of(&sim, guid).iter().all(|c| c.header.partition == HQ_PARTITION));
    assert!(connector.validate().await.unwrap().iter().all(|c| c.ok));
}

// A5: employees, method 1 (auto check-in with badge swipe).

/// A granted swipe `seconds` after `start`.
fn swipe(door: Uuid, cardholder: Uuid, start: DateTime<Utc>, seconds: i64) -> BadgeSwipe {
    let timestamp = Some(start + TimeDelta::seconds(seconds));
    BadgeSwipe { door, credential: None, cardholder: Some(cardholder), timestamp, decision: BadgeDecision::Grant }
}

/// Puts the connector's clock at the simulator's now, polls without a cursor (which
/// starts from now), and returns that instant and the first cursor.
async fn start_polling(sim: &RunningSim, connector: &Connector) -> (DateTime<Utc>, String) {
    let start = sim.now();
    connector.clock().set(start);
    let batch = connector.poll_events(None, 10).await.unwrap();
    assert!(batch.events.is_empty(), "nothing old is handed out: {batch:?}");
    connector.clock().advance(TimeDelta::seconds(30));
    (start, batch.next_cursor)
}

#[tokio::test]
async fn seed_a5_21_a_badge_swipe_yields_a_sign_in_event_with_the_employee_email() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"employees": {"method": "auto-checkin"}}))).await;
    let (start, cursor) = start_polling(&sim, &connector).await;

    sim.swipe(&swipe(HQ_MAIN_ENTRANCE, ALICE, start, 5)).unwrap();
    let batch = connector.poll_events(Some(&cursor), 10).await.unwrap();

    assert_eq!(batch.events.len(), 1, "{batch:?}");
    let event = &batch.events[0];
    assert_eq!(event.email.as_deref(), Some("alice.martin@acme.example"));
    assert_eq!(event.pacs_person_id, ALICE.to_string());
    assert_eq!(event.door.as_deref(), Some(HQ_MAIN_ENTRANCE.to_string().as_str()));
}

#[tokio::test]
async fn seed_a5_21_the_event_cursor_never_hands_out_a_swipe_twice() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"employees": {"method": "auto-checkin"}}))).await;
    let (start, cursor) = start_polling(&sim, &connector).await;
    for second in 1..=3 {
        sim.swipe(&swipe(HQ_MAIN_ENTRANCE, ALICE, start, second)).unwrap();
    }
    sim.swipe(&swipe(HQ_PARKING_GATE, BOB, start, 4)).unwrap();

    let first = connector.poll_events(Some(&cursor), 2).await.unwrap();
    let second = connector.poll_events(Some(&first.next_cursor), 10).await.unwrap();
    let third = connector.poll_events(Some(&second.next_cursor), 10).await.unwrap();

    assert_eq!((first.events.len(), second.events.len(), third.events.len()), (2, 2, 0));
    let mut ids: Vec<_> = first.events.iter().chain(&second.events).map(|e| e.event_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn seed_a5_24_excluded_employees_badges_are_ignored() {
    let sim = sim().await;
    let employees = json!({"employees": {"method": "auto-checkin", "excluded": ["Bob.Nguyen@acme.example"]}});
    let connector = connector(&sim, config(&sim, employees)).await;
    let (start, cursor) = start_polling(&sim, &connector).await;

    sim.swipe(&swipe(HQ_MAIN_ENTRANCE, BOB, start, 1)).unwrap();
    sim.swipe(&swipe(HQ_MAIN_ENTRANCE, ALICE, start, 2)).unwrap();
    let batch = connector.poll_events(Some(&cursor), 10).await.unwrap();

    let emails: Vec<_> = batch.events.iter().filter_map(|e| e.email.clone()).collect();
    assert_eq!(emails, vec!["alice.martin@acme.example".to_string()]);
}

#[tokio::test]
async fn seed_a5_25_only_badge_events_at_the_chosen_sites_count() {
    let sim = sim().await;
    let employees = json!({"employees": {"method": "auto-checkin", "sites": [HQ_AREA.to_string()]}});
    let connector = connector(&sim, config(&sim, employees)).await;
    let (start, cursor) = start_polling(&sim, &connector).await;
    let sites = connector.list_options("sites").await.unwrap();

    sim.swipe(&swipe(ANNEX_FRONT_DOOR, ERIN, start, 1)).unwrap();
    sim.swipe(&swipe(HQ_PARKING_GATE, ALICE, start, 2)).unwrap();
    let batch = connector.poll_events(Some(&cursor), 10).await.unwrap();

    assert_eq!(sites.len(), 2, "{sites:?}");
    assert_eq!(batch.events.iter().map(|e| e.pacs_person_id.clone()).collect::<Vec<_>>(), vec![ALICE.to_string()]);
}

// A5: employees, method 2 (check-in required for access).

#[tokio::test]
async fn seed_a5_27_and_32_toggle_user_status_enables_a_disabled_employee_and_disables_it_again() {
    let sim = sim().await;
    let employees = json!({"employees": {"method": "checkin-required", "restricted_access": "toggle-status"}});
    let connector = connector(&sim, config(&sim, employees)).await;
    let carol = employee("emp-1003", "carol.diaz@acme.example");
    assert_eq!(cardholder(&sim, CAROL).person.status.state, State::Inactive);

    let found = connector.run(upsert(carol.clone()), json!({})).await.unwrap();
    let signed_in = connector.run(Action::Activate(carol.clone()), json!({})).await.unwrap();
    let active = cardholder(&sim, CAROL).person.status.state;
    let signed_out = connector.run(Action::Deactivate(carol.clone()), json!({})).await.unwrap();

    assert_eq!((pacs_uuid(&found), found.changed), (CAROL, false));
    assert!(signed_in.changed && signed_out.changed);
    assert_eq!(active, State::Active);
    assert_eq!(cardholder(&sim, CAROL).person.status.state, State::Inactive);
}

#[tokio::test]
async fn seed_a5_28_and_29_toggle_access_groups_moves_the_employee_into_the_groups_and_out() {
    let sim = sim().await;
    let groups = [ENGINEERING_GROUP.to_string(), EMPLOYEES_GROUP.to_string()];
    let employees = json!({"employees": {"method": "checkin-required", "restricted_access": "toggle-groups", "access_groups": groups}});
    let connector = connector(&sim, config(&sim, employees)).await;
    let dan = employee("emp-1004", "dan.okafor@acme.example");

    connector.run(Action::Activate(dan.clone()), json!({})).await.unwrap();
    let inside = (members(&sim, ENGINEERING_GROUP).contains(&DAN), members(&sim, EMPLOYEES_GROUP).contains(&DAN));
    connector.run(Action::Deactivate(dan), json!({})).await.unwrap();

    assert_eq!(inside, (true, true));
    assert!(!members(&sim, ENGINEERING_GROUP).contains(&DAN) && !members(&sim, EMPLOYEES_GROUP).contains(&DAN));
    assert_eq!(cardholder(&sim, DAN).person.status.state, State::Inactive, "toggle groups leaves the status alone");
}

#[tokio::test]
async fn seed_a5_30_the_employee_access_duration_becomes_the_cardholder_expiry() {
    let sim = sim().await;
    let employees = json!({"employees": {"method": "checkin-required"}});
    let connector = connector(&sim, config(&sim, employees)).await;
    let access = window(&sim, -1, 480);

    let outcome = connector
        .run(Action::SetAccessWindow(windowed(employee("emp-1003", "carol.diaz@acme.example"), access)), json!({}))
        .await
        .unwrap();

    let status = cardholder(&sim, CAROL).person.status;
    assert!(outcome.changed);
    assert_eq!(status.state, State::Active);
    assert_eq!(status.activation_date.map(|d| d.timestamp_millis()), Some(access.starts_at));
    assert!(matches!(status.expiration, Expiration::SpecificDate { at } if at.timestamp_millis() == access.ends_at));
}

#[tokio::test]
async fn seed_a5_31_excluded_employees_are_never_toggled() {
    let sim = sim().await;
    let employees = json!({"employees": {"method": "checkin-required", "excluded": ["carol.diaz@acme.example"]}});
    let connector = connector(&sim, config(&sim, employees)).await;
    let before = sim.state();

    let outcome =
        connector.run(Action::Activate(employee("emp-1003", "carol.diaz@acme.example")), json!({})).await.unwrap();

    assert!(!outcome.changed && outcome.detail.contains("excluded"), "{outcome:?}");
    assert_eq!(sim.state().cardholders, before.cardholders);
}

#[tokio::test]
async fn seed_a5_an_employee_missing_from_security_center_is_never_created() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"employees": {"method": "auto-checkin"}}))).await;
    let count = sim.state().cardholders.len();

    let error = connector.run(upsert(employee("emp-9", "nobody@acme.example")), json!({})).await.unwrap_err();

    assert_eq!(kind(&error), Some(ErrorKind::Permanent));
    assert_eq!(sim.state().cardholders.len(), count);
}

// A6: visitors.

#[tokio::test]
async fn seed_a6_37_sign_out_checks_the_visitor_out_and_frees_its_card() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-37")), json!({})).await.unwrap());
    let card =
        connector.run(Action::IssueCard(windowed(visitor("visit-37"), window(&sim, 0, 60))), json!({})).await.unwrap();

    let out = connector.run(Action::CheckOut(visitor("visit-37")), json!({})).await.unwrap();
    let again = connector.run(Action::CheckOut(visitor("visit-37")), json!({})).await.unwrap();
    connector.run(upsert(visitor("visit-38")), json!({})).await.unwrap();
    let next =
        connector.run(Action::IssueCard(windowed(visitor("visit-38"), window(&sim, 0, 60))), json!({})).await.unwrap();

    assert!(out.changed && !again.changed);
    let state = sim.state();
    assert!(state.archived_visitors.contains_key(&guid) && !state.visitors.contains_key(&guid));
    assert!(state.credentials.values().all(|c| c.cardholder != Some(guid)));
    assert_eq!(card_number(&next), card_number(&card), "the checked-out visitor's number is free again");
}

#[tokio::test]
async fn seed_a6_38_the_access_duration_sets_arrival_and_departure() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-38")), json!({})).await.unwrap());
    let stay = window(&sim, 0, 240);

    let first = connector.run(Action::SetAccessWindow(windowed(visitor("visit-38"), stay)), json!({})).await.unwrap();
    let again = connector.run(Action::SetAccessWindow(windowed(visitor("visit-38"), stay)), json!({})).await.unwrap();

    let visitor = live_visitor(&sim, guid);
    assert!(first.changed && !again.changed);
    assert_eq!(visitor.arrival.map(|d| d.timestamp_millis()), Some(stay.starts_at));
    assert_eq!(visitor.departure.map(|d| d.timestamp_millis()), Some(stay.ends_at));
}

#[tokio::test]
async fn seed_a6_39_advanced_access_gives_an_invited_visitor_a_credential_valid_before_arrival() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-39")), json!({})).await.unwrap());
    let early = window(&sim, 60, 600);

    connector.run(Action::IssueCard(windowed(visitor("visit-39"), early)), json!({})).await.unwrap();

    let credential = credentials_of(&sim, guid).remove(0);
    assert_eq!(credential.status.activation_date.map(|d| d.timestamp_millis()), Some(early.starts_at));
    assert!(
        matches!(credential.status.expiration, Expiration::SpecificDate { at } if at.timestamp_millis() == early.ends_at)
    );
}

#[tokio::test]
async fn seed_a6_40_and_41_qr_code_credentials_come_from_the_card_range_with_the_facility_code() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-40")), json!({})).await.unwrap());

    let issued =
        connector.run(Action::IssueCard(windowed(visitor("visit-40"), window(&sim, 0, 60))), json!({})).await.unwrap();
    let retried =
        connector.run(Action::IssueCard(windowed(visitor("visit-40"), window(&sim, 0, 60))), json!({})).await.unwrap();

    let Some(Credential::Card(card)) = &issued.credential else { panic!("{issued:?}") };
    assert_eq!((card.card_number, card.facility_code, card.format.as_str()), (5000, 101, "wiegand-standard-26"));
    assert_eq!(retried.credential, issued.credential);
    let held = credentials_of(&sim, guid);
    assert_eq!(held.len(), 1);
    assert_eq!(
        held[0].format,
        CredentialFormat::Wiegand { format: WiegandFormat::Standard26, facility: 101, card: 5000 }
    );
}

#[tokio::test]
async fn seed_a6_41_a_card_number_already_in_security_center_is_skipped() {
    let sim = sim().await;
    let cards = json!({"cards": {"facility_code": 101, "min": 1999, "max": 2001}});
    let connector = connector(&sim, config(&sim, cards)).await;
    connector.run(upsert(visitor("visit-41")), json!({})).await.unwrap();

    let issued =
        connector.run(Action::IssueCard(windowed(visitor("visit-41"), window(&sim, 0, 60))), json!({})).await.unwrap();

    assert_eq!(card_number(&issued), 2000, "101-1999 is the fixture's spare card");
    assert_eq!(sim.state().credentials[&SPARE_CARD].cardholder, None, "the spare card is left alone");
}

#[tokio::test]
async fn seed_a6_42_a_card_range_beyond_the_wiegand_26_format_is_refused_at_set_up() {
    let sim = sim().await;
    let cards = json!({"cards": {"format": "wiegand-standard-26", "facility_code": 101, "min": 0, "max": 65536}});
    let connector = connector(&sim, config(&sim, cards)).await;

    let checks = connector.validate().await.unwrap();
    let formats = connector.list_options("card-formats").await.unwrap();

    assert!(!checks[0].ok && checks[0].detail.contains("65535"), "{checks:?}");
    assert!(formats.iter().any(|f| f.id == "wiegand-standard-26" && f.label.contains("0–255")), "{formats:?}");
}

#[tokio::test]
async fn seed_a6_44_pin_code_credentials_are_keypad_credentials_returned_once() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({"pin_length": 6}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-44")), json!({})).await.unwrap());

    let issued = connector
        .run_with_key(Action::IssuePin(windowed(visitor("visit-44"), window(&sim, 0, 60))), json!({}), "pin-1")
        .await
        .unwrap();
    let retried = connector
        .run_with_key(Action::IssuePin(windowed(visitor("visit-44"), window(&sim, 0, 60))), json!({}), "pin-1")
        .await
        .unwrap();

    let Some(Credential::Pin(pin)) = &issued.credential else { panic!("{issued:?}") };
    assert_eq!(pin.len(), 6);
    assert_eq!(retried.credential, issued.credential);
    let held = credentials_of(&sim, guid);
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].format, CredentialFormat::Keypad { pin: pin.clone() });
    assert!(!held[0].header.name.contains(pin.as_str()), "the credential name must not reveal the PIN");
}

#[tokio::test]
async fn seed_a6_pickers_list_groups_marking_visitor_enabled_ones_and_doors() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;

    let groups = connector.list_options("cardholder-groups").await.unwrap();
    let doors = connector.list_options("doors").await.unwrap();

    let enabled: Vec<_> =
        groups.iter().filter(|g| g.detail.as_deref() == Some("visitor-enabled")).map(|g| g.label.as_str()).collect();
    assert_eq!(enabled, vec!["Contractors", "Interview Candidates", "Visitors"]);
    assert_eq!(doors.len(), 4);
}

// A7: invites and badges.

#[tokio::test]
async fn seed_a7_46_an_invite_is_created_at_once_with_its_credential_expiring_at_the_expected_arrival() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let until_arrival = window(&sim, 0, 24 * 60);

    let guid = pacs_uuid(&connector.run(upsert(visitor("invite-46")), json!({})).await.unwrap());
    connector.run(Action::SetAccessWindow(windowed(visitor("invite-46"), until_arrival)), json!({})).await.unwrap();
    connector.run(Action::IssueCard(windowed(visitor("invite-46"), until_arrival)), json!({})).await.unwrap();
    // On arrival, the policy moves the window to the visit itself; the card follows.
    let visit = window(&sim, 24 * 60, 26 * 60);
    let moved = connector.run(Action::SetAccessWindow(windowed(visitor("invite-46"), visit)), json!({})).await.unwrap();

    let credential = credentials_of(&sim, guid).remove(0);
    assert!(moved.changed && detail(&moved)["credentials_updated"].as_array().unwrap().len() == 1);
    assert!(
        matches!(credential.status.expiration, Expiration::SpecificDate { at } if at.timestamp_millis() == visit.ends_at)
    );
    assert_eq!(live_visitor(&sim, guid).departure.map(|d| d.timestamp_millis()), Some(visit.ends_at));
}

#[tokio::test]
async fn seed_a7_47_without_qr_credentials_the_visitor_is_created_without_a_card() {
    let sim = sim().await;
    let mut config = config(&sim, json!({}));
    config.as_object_mut().unwrap().remove("cards");
    let connector = connector(&sim, config).await;

    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-47")), json!({})).await.unwrap());
    let error = connector
        .run(Action::IssueCard(windowed(visitor("visit-47"), window(&sim, 0, 60))), json!({}))
        .await
        .unwrap_err();

    assert!(credentials_of(&sim, guid).is_empty());
    assert_eq!(kind(&error), Some(ErrorKind::Config));
}

#[tokio::test]
async fn seed_a7_48_a_pre_numbered_card_assigned_in_security_center_survives_revocation() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-48")), json!({})).await.unwrap());
    connector.run(Action::IssueCard(windowed(visitor("visit-48"), window(&sim, 0, 60))), json!({})).await.unwrap();
    // The operator hands over the pre-numbered spare card in Security Desk.
    operator_assigns(&sim, SPARE_CARD, guid).await;

    let revoked = connector.run(Action::RevokeCredentials(visitor("visit-48")), json!({})).await.unwrap();

    // Fail closed: the visitor keeps no credential, but the operator's card is only taken
    // off the visitor, not deleted, so it can be handed to the next one.
    assert!(revoked.changed);
    assert!(credentials_of(&sim, guid).is_empty());
    assert_eq!(sim.state().credentials[&SPARE_CARD].cardholder, None);
    assert_eq!(detail(&revoked)["credentials_unassigned"], json!([SPARE_CARD.to_string()]));
}

/// An operator assigns a credential to its owner in Security Desk.
async fn operator_assigns(sim: &gatehouse_sim_genetec::RunningSim, credential: Uuid, owner: Uuid) {
    as_operator(sim, &format!("entity={owner},Credentials@{credential}")).await;
}

#[tokio::test]
async fn seed_erasing_a_visitor_deletes_it_and_its_credentials() {
    let sim = sim().await;
    let connector = connector(&sim, config(&sim, json!({}))).await;
    let guid = pacs_uuid(&connector.run(upsert(visitor("visit-erase")), json!({})).await.unwrap());
    connector.run(Action::IssuePin(windowed(visitor("visit-erase"), window(&sim, 0, 60))), json!({})).await.unwrap();
    let credentials = sim.state().credentials.len();

    let erased = connector.run(Action::ErasePerson(visitor("visit-erase")), json!({})).await.unwrap();
    let again = connector.run(Action::ErasePerson(visitor("visit-erase")), json!({})).await.unwrap();

    assert!(erased.changed && !again.changed);
    let state = sim.state();
    assert!(!state.visitors.contains_key(&guid) && !state.archived_visitors.contains_key(&guid));
    assert_eq!(state.credentials.len(), credentials - 1);
}
