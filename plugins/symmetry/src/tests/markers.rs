//! Gatehouse's marker: cards are found by it, never by name; lossy names are warnings; sign-out
//! reaches every marked card; a redrive after a revoke reopens the same card.

use gatehouse_sdk::sql::Value;
use gatehouse_sdk::{Action, Connector, ErrorKind, Outcome, Person, Windowed};
use serde_json::json;

use super::*;
use crate::visitors::{record_key, Record};
use crate::Symmetry;

fn person(external_id: &str, last_name: &str) -> Person {
    Person {
        identity: visitor(external_id),
        first_name: "Ada".into(),
        last_name: last_name.into(),
        phone: None,
        company: None,
        host_name: None,
        include_contact: false,
    }
}

fn run(key: &str, action: Action) -> Result<Outcome, gatehouse_sdk::ConnectorError> {
    Symmetry::run(config(json!({})), call(key, json!({})), action)
}

fn upsert(key: &str, external_id: &str, last_name: &str) -> Outcome {
    run(key, Action::UpsertPerson(person(external_id, last_name))).unwrap()
}

fn detail(outcome: &Outcome) -> serde_json::Value {
    serde_json::from_str(&outcome.detail).unwrap()
}

fn warnings(outcome: &Outcome) -> Vec<String> {
    serde_json::from_value(detail(outcome)["warnings"].clone()).unwrap_or_default()
}

fn adds(symmetry: &FakeSymmetry) -> usize {
    symmetry.rows().iter().filter(|r| r.int("RecordRequest") == Some(0)).count()
}

fn windowed(external_id: &str) -> Windowed {
    Windowed { who: visitor(external_id), window: window(8) }
}

#[test]
fn the_add_row_itself_carries_the_marker() {
    let symmetry = FakeSymmetry::install();

    upsert("job-1/0", "visit-1", "Lovelace");

    let add = &symmetry.rows()[0];
    assert_eq!(add.int("RecordRequest"), Some(0));
    assert_eq!(add.text("PersonalData48").as_deref(), Some("Gatehouse"));
    assert_eq!(add.text("PersonalData49").as_deref(), Some("visit-1"));
    assert_eq!(add.text("PersonalData50").as_deref(), Some("visit-1"));
    assert_eq!(symmetry.card(1000).unwrap().personal_data, marker("visit-1"));
}

#[test]
fn a_name_symmetry_cannot_spell_is_provisioned_with_a_warning_and_a_redrive_finds_the_same_card() {
    let symmetry = FakeSymmetry::install();

    let created = upsert("job-1/0", "visit-1", "李");

    assert_eq!(symmetry.card(1000).unwrap().last_name, "?");
    assert!(created.changed);
    let said = warnings(&created);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("the last name \"李\" is stored as \"?\" because Symmetry keeps names in code page 1252"),
        "{said:?}"
    );
    // The kv record is lost and the host passes no PACS id: the marker alone finds the card.
    let unconfirmed = Record { card_number: 1000, facility_code: FACILITY, card_id: None };
    symmetry.host.set_kv(&record_key("visit-1"), serde_json::to_vec(&unconfirmed).unwrap());

    let again = upsert("job-2/0", "visit-1", "李");

    assert_eq!(adds(&symmetry), 1, "no second cardholder");
    assert!(!again.changed, "the stored name is what Symmetry keeps of the name");
    assert_eq!(again.pacs_id, created.pacs_id);
    assert_eq!(warnings(&again), said, "every attempt reports the loss");
}

#[test]
fn an_emoji_takes_one_question_mark_per_utf16_unit_and_a_long_name_is_cut_with_a_warning() {
    let symmetry = FakeSymmetry::install();

    let emoji = upsert("job-1/0", "visit-1", "😀");
    let long = upsert("job-2/0", "visit-2", &"Wolfeschlegelsteinhausenbergerdorff".repeat(6));

    assert_eq!(symmetry.card(1000).unwrap().last_name, "??");
    assert!(warnings(&emoji)[0].contains("is stored as \"??\""), "{:?}", warnings(&emoji));
    let cut = symmetry.rows().iter().find(|r| r.int("CardNumber") == Some(1001)).unwrap().text("LastName").unwrap();
    assert_eq!(cut.chars().count(), 40);
    assert!(warnings(&long)[0].contains("cut to"), "{:?}", warnings(&long));
    assert!(warnings(&long)[0].contains(&cut), "{:?}", warnings(&long));
}

#[test]
fn a_card_with_the_same_visit_id_from_another_source_is_not_ours() {
    let symmetry = FakeSymmetry::install();
    let mut envoy = FakeCard::marked(1000, "visit-1");
    envoy.personal_data.insert(48, "Envoy".into());
    symmetry.add_card(envoy);

    upsert("job-1/0", "visit-1", "Lovelace");

    assert_eq!(symmetry.card(1001).unwrap().personal_data, marker("visit-1"), "a card of our own");
    let revoked = run("job-2/0", Action::RevokeCredentials(visitor("visit-1"))).unwrap();
    assert_eq!(detail(&revoked)["card_number"], 1001);
    assert!(!symmetry.card(1000).unwrap().inactive, "the other integrator's card is untouched");
}

#[test]
fn sign_out_reaches_every_marked_card_and_upsert_keeps_only_the_lowest() {
    let symmetry = FakeSymmetry::install();
    let first = symmetry.add_card(FakeCard::marked(1003, "visit-1"));
    symmetry.add_card(FakeCard::marked(1004, "visit-1"));

    let kept = upsert("job-1/0", "visit-1", "Lovelace");

    assert_eq!(kept.pacs_id, Some(first.to_string()));
    assert_eq!(detail(&kept)["duplicates_revoked"], json!([1004]));
    assert!(!symmetry.card(1003).unwrap().inactive);
    assert!(symmetry.card(1004).unwrap().inactive, "the duplicate is disabled");
    assert_ne!(symmetry.card(1004).unwrap().expiry, Value::Null, "and expired");
    assert_eq!(adds(&symmetry), 0);

    symmetry.model.borrow_mut().cards.iter_mut().for_each(|c| c.inactive = false);
    let revoked = run("job-2/0", Action::RevokeCredentials(visitor("visit-1"))).unwrap();
    assert!(revoked.changed);
    assert!(symmetry.card(1003).unwrap().inactive && symmetry.card(1004).unwrap().inactive);
    let deactivated = run("job-2/1", Action::Deactivate(visitor("visit-1"))).unwrap();
    assert!(!deactivated.changed, "both are already inactive");
}

#[test]
fn sign_out_steps_without_any_card_change_nothing_and_do_not_fail() {
    let _symmetry = FakeSymmetry::install();
    for (key, action) in [
        ("c/0", Action::RevokeCredentials(visitor("visit-1"))),
        ("c/2", Action::Deactivate(visitor("visit-1"))),
        ("c/3", Action::ErasePerson(visitor("visit-1"))),
    ] {
        let outcome = run(key, action).unwrap();
        assert!(!outcome.changed && outcome.pacs_id.is_none(), "{outcome:?}");
    }
    let params = json!({"access_codes": []});
    let removed = Symmetry::run(config(json!({})), call("c/1", params), Action::RemoveGroups(visitor("visit-1")));
    assert!(!removed.unwrap().changed);
}

#[test]
fn a_legacy_card_found_by_the_kv_record_gets_the_marker() {
    let symmetry = FakeSymmetry::install();
    let card_id = symmetry.add_card(FakeCard { company_id: COMPANY, ..FakeCard::someone(1002) });
    let record = Record { card_number: 1002, facility_code: FACILITY, card_id: Some(card_id) };
    symmetry.host.set_kv(&record_key("visit-1"), serde_json::to_vec(&record).unwrap());

    let outcome = run("job-1/1", Action::SetAccessWindow(windowed("visit-1"))).unwrap();

    assert_eq!(outcome.pacs_id, Some(card_id.to_string()));
    assert_eq!(detail(&outcome)["marker_backfilled"], json!([1002]));
    assert_eq!(symmetry.card(1002).unwrap().personal_data, marker("visit-1"));
    let again = upsert("job-2/0", "visit-1", "Lovelace");
    assert_eq!(again.pacs_id, Some(card_id.to_string()), "found by its marker now");
    assert_eq!(adds(&symmetry), 0);
}

#[test]
fn a_remembered_card_carrying_another_visits_marker_is_not_this_visitors() {
    let symmetry = FakeSymmetry::install();
    let card_id = symmetry.add_card(FakeCard::marked(1002, "visit-9"));
    let record = Record { card_number: 1002, facility_code: FACILITY, card_id: Some(card_id) };
    symmetry.host.set_kv(&record_key("visit-1"), serde_json::to_vec(&record).unwrap());

    let outcome = run("job-1/0", Action::RevokeCredentials(visitor("visit-1"))).unwrap();

    assert!(!outcome.changed);
    assert!(!symmetry.card(1002).unwrap().inactive);
}

#[test]
fn a_redrive_after_a_revoke_reopens_the_same_card_for_a_window_that_is_not_over() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1", "Lovelace");
    run("job-1/1", Action::SetAccessWindow(windowed("visit-1"))).unwrap();
    symmetry.host.set_now(NOON_UTC + 3_600_000);
    run("comp/0", Action::RevokeCredentials(visitor("visit-1"))).unwrap();
    assert!(symmetry.card(1000).unwrap().inactive);

    upsert("redrive/0", "visit-1", "Lovelace");
    let reopened = run("redrive/1", Action::SetAccessWindow(windowed("visit-1"))).unwrap();

    let card = symmetry.card(1000).unwrap();
    assert!(reopened.changed);
    assert!(!card.inactive, "enabled again");
    assert_eq!(card.expiry, Value::LocalTimestamp(1_735_743_600_000), "15:00 in New York, the window's end");
    assert_eq!(adds(&symmetry), 1);

    // Once the window is over, setting it again reopens nothing.
    run("comp/1", Action::RevokeCredentials(visitor("visit-1"))).unwrap();
    symmetry.host.set_now(NOON_UTC + 9 * 3_600_000);
    run("redrive/2", Action::SetAccessWindow(windowed("visit-1"))).unwrap();
    assert!(symmetry.card(1000).unwrap().inactive);
}

#[test]
fn erasing_blanks_the_marker_ids_so_the_stripped_card_belongs_to_no_visit() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1", "Lovelace");

    let erased = run("erase/0", Action::ErasePerson(visitor("visit-1"))).unwrap();

    assert!(erased.changed);
    let card = symmetry.card(1000).unwrap();
    assert_eq!((card.first_name.as_str(), card.last_name.as_str()), ("Visitor", "Erased"));
    assert_eq!(card.personal_data.get(&48).map(String::as_str), Some("Gatehouse"));
    assert!(card.personal_data.get(&49).is_none_or(|v| v.is_empty()));
    assert!(card.personal_data.get(&50).is_none_or(|v| v.is_empty()));
    assert!(!run("erase/1", Action::RevokeCredentials(visitor("visit-1"))).unwrap().changed);
}

#[test]
fn a_visit_id_a_field_cannot_keep_exactly_is_marked_by_its_digest() {
    let symmetry = FakeSymmetry::install();
    let long_id = format!("visit-{}", "x".repeat(80));

    upsert("job-1/0", &long_id, "Lovelace");
    upsert("job-2/0", &long_id, "Lovelace");

    let marked = symmetry.card(1000).unwrap().personal_data[&50].clone();
    assert!(marked.starts_with("sha256:") && marked.len() <= 60, "{marked}");
    assert_eq!(adds(&symmetry), 1);
}

#[test]
fn marker_fields_are_configurable_and_may_not_hold_anything_else() {
    let _host = FakeHost::install();
    let install = config(json!({})).checked().unwrap();
    assert_eq!(
        (install.markers.source.number(), install.markers.identity.number(), install.markers.visit.number()),
        (48, 49, 50)
    );
    let moved = config(json!({"marker_fields": {"source": 40, "identity": 41, "visit": 42}})).checked().unwrap();
    assert_eq!(moved.markers.visit.number(), 42);
    for (extra, says) in [
        (json!({"visitor_fields": {"email": 50}}), "visitor_fields.email and marker_fields.visit"),
        (json!({"workplace": {"enabled": true, "email_field": 48}}), "workplace.email_field and marker_fields.source"),
        (json!({"marker_fields": {"identity": 50}}), "marker_fields.identity and marker_fields.visit"),
    ] {
        let error = config(extra).checked().unwrap_err();
        assert_eq!(error.kind, ErrorKind::Config);
        assert!(error.message.contains(says), "{} should say {says}", error.message);
    }
    let unknown: Result<Config, _> = serde_json::from_value(json!({"marker_fields": {"visit_id": 50}}));
    assert!(unknown.is_err(), "unknown marker settings are refused");
}
