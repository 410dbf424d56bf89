//! Visitor behaviour: card numbers, idempotent retries, windows, PINs, sign-out.

use gatehouse_sdk::sql::Value;
use gatehouse_sdk::{Action, Connector, Credential, ErrorKind, Person, Windowed};
use serde_json::json;

use super::*;
use crate::import::batch_reference;
use crate::visitors::{derive_pin, record_key, Record};
use crate::{cards, Symmetry};

fn person(external_id: &str) -> Person {
    Person {
        identity: visitor(external_id),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        phone: None,
        company: None,
        host_name: None,
        include_contact: false,
    }
}

fn upsert(key: &str, external_id: &str) -> Result<gatehouse_sdk::Outcome, gatehouse_sdk::ConnectorError> {
    Symmetry::run(config(json!({})), call(key, json!({})), Action::UpsertPerson(person(external_id)))
}

fn inserts(symmetry: &FakeSymmetry) -> usize {
    symmetry.host.sql_calls().iter().filter(|c| c.statement.starts_with("INSERT INTO dbo.DataImportTable")).count()
}

#[test]
fn a_new_visitor_gets_the_lowest_free_number_as_a_cardholder_of_the_target_company() {
    let symmetry = FakeSymmetry::install();

    let outcome = upsert("job-1/0", "visit-1").unwrap();

    let card = symmetry.card(1000).expect("card 1000 was created");
    assert_eq!((card.last_name.as_str(), card.first_name.as_str(), card.company_id), ("Lovelace", "Ada", COMPANY));
    assert_eq!(outcome.pacs_id, Some(card.card_id.to_string()));
    assert!(outcome.changed);
    let row = &symmetry.rows()[0];
    assert_eq!(row.int("RecordRequest"), Some(0));
    assert_eq!(row.int("CardFormat"), Some(4));
    assert_eq!(row.columns.get("ImportNow"), Some(&Value::Boolean(true)));
    assert_eq!(row.text("BatchReference"), Some(batch_reference("gatehouse:", "job-1/0")));
    let record: Record = serde_json::from_slice(&symmetry.host.kv_value(&record_key("visit-1")).unwrap()).unwrap();
    assert_eq!(record.card_id, Some(card.card_id));
}

#[test]
fn allocation_skips_numbers_taken_by_existing_cards_and_by_other_integrators_pending_rows() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(FakeCard::someone(1000));
    symmetry.foreign_pending_add(1001);

    upsert("job-1/0", "visit-1").unwrap();

    assert!(symmetry.card(1002).is_some_and(|c| c.last_name == "Lovelace"));
    assert_eq!(symmetry.host.pool_in_use(&cards::pool(FACILITY)), vec![1000, 1001, 1002]);
    assert_eq!(symmetry.card(1000).unwrap().last_name, "One", "someone else's card is untouched");
}

#[test]
fn card_already_exists_from_the_import_service_is_resolved_with_the_next_number() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(FakeCard { hidden: true, ..FakeCard::someone(1000) });

    let outcome = upsert("job-1/0", "visit-1").unwrap();

    let rows = symmetry.rows();
    assert_eq!(rows.iter().map(|r| r.int("CardNumber")).collect::<Vec<_>>(), vec![Some(1000), Some(1001)]);
    assert_eq!(outcome.pacs_id, Some(symmetry.card(1001).unwrap().card_id.to_string()));
    assert!(symmetry.host.pool_in_use(&cards::pool(FACILITY)).contains(&1000), "1000 stays reserved");
}

#[test]
fn a_processing_timeout_is_transient_and_the_retry_waits_on_the_same_row() {
    let symmetry = FakeSymmetry::install();
    symmetry.set_paused(true);

    let error = upsert("job-1/0", "visit-1").unwrap_err();
    assert_eq!(error.kind, ErrorKind::Transient);
    assert!(error.message.contains("has not processed"), "{}", error.message);
    assert!(error.retry_after_ms.is_some());

    symmetry.set_paused(false);
    let outcome = upsert("job-1/0", "visit-1").unwrap();

    assert_eq!(inserts(&symmetry), 1, "the retry wrote no second row");
    assert_eq!(symmetry.model.borrow().cards.len(), 1, "one cardholder, one card");
    assert_eq!(outcome.pacs_id, Some(symmetry.card(1000).unwrap().card_id.to_string()));
}

#[test]
fn a_retry_under_a_new_key_adopts_the_card_an_earlier_attempt_created() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1").unwrap();
    // The confirmation was lost (a crash after Symmetry processed the row).
    symmetry.host.set_kv(
        &record_key("visit-1"),
        serde_json::to_vec(&Record { card_number: 1000, facility_code: FACILITY, card_id: None }).unwrap(),
    );

    let outcome = upsert("job-2/0", "visit-1").unwrap();

    assert_eq!(inserts(&symmetry), 1);
    assert!(!outcome.changed);
    assert_eq!(symmetry.model.borrow().cards.len(), 1);
}

#[test]
fn the_access_window_is_written_in_the_sms_servers_local_time() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1").unwrap();
    let windowed = Windowed { who: visitor("visit-1"), window: window(8) };

    let outcome = Symmetry::run(config(json!({})), call("job-1/1", json!({})), Action::IssueCard(windowed)).unwrap();

    let card = symmetry.card(1000).unwrap();
    // 12:00Z and 20:00Z are 07:00 and 15:00 in New York in January.
    assert_eq!(card.active, Value::LocalTimestamp(1_735_714_800_000));
    assert_eq!(card.expiry, Value::LocalTimestamp(1_735_743_600_000));
    match outcome.credential {
        Some(Credential::Card(credential)) => {
            assert_eq!((credential.card_number, credential.facility_code), (1000, FACILITY as u32));
        }
        other => panic!("expected a card credential, got {other:?}"),
    }
}

#[test]
fn a_card_already_in_the_window_is_left_alone() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1").unwrap();
    let windowed = || Windowed { who: visitor("visit-1"), window: window(8) };
    Symmetry::run(config(json!({})), call("job-1/1", json!({})), Action::SetAccessWindow(windowed())).unwrap();

    let again =
        Symmetry::run(config(json!({})), call("job-1/2", json!({})), Action::SetAccessWindow(windowed())).unwrap();

    assert!(!again.changed);
    assert_eq!(inserts(&symmetry), 2);
}

#[test]
fn a_retried_issue_pin_returns_the_pin_it_already_wrote() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1").unwrap();
    let windowed = || Windowed { who: visitor("visit-1"), window: window(8) };
    let issue =
        || Symmetry::run(config(json!({})), call("job-1/3", json!({"digits": 6})), Action::IssuePin(windowed()));
    symmetry.set_paused(true);
    assert_eq!(issue().unwrap_err().kind, ErrorKind::Transient);
    symmetry.host.advance(1_000);
    symmetry.set_paused(false);

    let outcome = issue().unwrap();

    let Some(Credential::Pin(pin)) = outcome.credential else { panic!("expected a PIN") };
    assert_eq!(pin.len(), 6);
    assert_eq!(symmetry.card(1000).unwrap().pin, Some(pin));
    assert_eq!(inserts(&symmetry), 2, "one add row, one PIN row");
}

#[test]
fn pins_have_the_asked_length_never_start_with_zero_and_depend_on_the_key() {
    let card = crate::db::CardKey { number: 1000, facility_code: 42 };
    for digits in 4..=9 {
        for key in ["a", "b", "c", "d"] {
            let pin = derive_pin(key, card, NOON_UTC, digits, None);
            assert_eq!(pin.len(), digits as usize);
            assert!(!pin.starts_with('0'));
        }
    }
    assert_ne!(derive_pin("a", card, NOON_UTC, 6, None), derive_pin("b", card, NOON_UTC, 6, None));
    assert_ne!(derive_pin("a", card, NOON_UTC, 6, None), derive_pin("a", card, NOON_UTC, 6, Some("pepper")));
}

#[test]
fn sign_out_expires_the_card_now_and_forces_it_inactive() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1").unwrap();
    let windowed = Windowed { who: visitor("visit-1"), window: window(8) };
    Symmetry::run(config(json!({})), call("job-1/1", json!({})), Action::SetAccessWindow(windowed)).unwrap();
    symmetry.host.set_now(NOON_UTC + 3_600_000);

    let outcome =
        Symmetry::run(config(json!({})), call("job-2/0", json!({})), Action::RevokeCredentials(visitor("visit-1")))
            .unwrap();

    let card = symmetry.card(1000).unwrap();
    assert!(outcome.changed);
    assert!(card.inactive);
    // 13:00Z is 08:00 in New York.
    assert_eq!(card.expiry, Value::LocalTimestamp(1_735_718_400_000));
}

#[test]
fn a_modify_for_a_card_symmetry_does_not_know_is_permanent_with_the_services_message() {
    let symmetry = FakeSymmetry::install();
    upsert("job-1/0", "visit-1").unwrap();
    // Someone deleted the card in Symmetry between our read and the import service's run.
    let windowed = Windowed { who: visitor("visit-1"), window: window(8) };
    let card_id = symmetry.card(1000).unwrap().card_id;
    symmetry.host.on_sql_execute("WAITFOR DELAY @P1", {
        let model = symmetry.model.clone();
        move |_| {
            let mut model = model.borrow_mut();
            model.cards.retain(|c| c.card_id != card_id);
            model.process();
            Ok(0)
        }
    });

    let error =
        Symmetry::run(config(json!({})), call("job-1/1", json!({})), Action::SetAccessWindow(windowed)).unwrap_err();

    assert_eq!(error.kind, ErrorKind::Permanent);
    assert!(error.message.contains("Card not found"), "{}", error.message);
}
