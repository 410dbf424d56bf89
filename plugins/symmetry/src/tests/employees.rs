//! Employee (Workplace) behaviour: matching by email, exclusions, the two toggles.

use gatehouse_sdk::{Action, Connector};
use serde_json::json;

use super::*;
use crate::Symmetry;

fn workplace(extra: serde_json::Value) -> Config {
    let mut workplace =
        json!({"enabled": true, "email_field": 12, "enable_on_sign_in": true, "disable_on_sign_out": true});
    if let (Some(w), serde_json::Value::Object(extra)) = (workplace.as_object_mut(), extra) {
        w.extend(extra);
    }
    config(json!({ "workplace": workplace }))
}

fn grace(number: i64, email: &str) -> FakeCard {
    FakeCard {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: Some(email.into()),
        inactive: true,
        ..FakeCard::someone(number)
    }
}

#[test]
fn sign_in_enables_the_card_whose_email_field_matches_trimmed_and_case_insensitively() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(grace(5000, "  Grace.Hopper@Example.com "));
    symmetry.add_card(FakeCard {
        email: Some("someone@example.com".into()),
        inactive: true,
        ..FakeCard::someone(5001)
    });

    let outcome = Symmetry::run(
        workplace(json!({})),
        call("job-1/0", json!({})),
        Action::Activate(employee("grace.hopper@example.com")),
    )
    .unwrap();

    assert!(outcome.changed);
    assert!(!symmetry.card(5000).unwrap().inactive);
    assert!(symmetry.card(5001).unwrap().inactive, "nobody else is touched");
    let rows = symmetry.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].int("RecordRequest"), rows[0].int("CardNumber")), (Some(5), Some(5000)));
}

#[test]
fn sign_out_disables_the_matched_card() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(FakeCard { inactive: false, ..grace(5000, "grace@example.com") });

    Symmetry::run(workplace(json!({})), call("job-1/0", json!({})), Action::Deactivate(employee("GRACE@example.com")))
        .unwrap();

    assert!(symmetry.card(5000).unwrap().inactive);
    assert_eq!(symmetry.rows()[0].int("RecordRequest"), Some(2));
}

#[test]
fn an_excluded_employee_is_never_touched() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(grace(5000, "grace@example.com"));
    let config = workplace(json!({"excluded": [" Grace@Example.com"]}));

    let outcome =
        Symmetry::run(config, call("job-1/0", json!({})), Action::Activate(employee("grace@example.com"))).unwrap();

    assert!(!outcome.changed);
    assert!(outcome.detail.contains("excluded"), "{}", outcome.detail);
    assert!(symmetry.host.sql_calls().is_empty(), "not even read");
}

#[test]
fn toggles_that_are_off_and_a_disabled_workplace_are_no_ops() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(grace(5000, "grace@example.com"));
    let off = workplace(json!({"enable_on_sign_in": false}));
    let disabled = config(json!({"workplace": {"enabled": false, "email_field": 12}}));

    let toggle_off =
        Symmetry::run(off, call("job-1/0", json!({})), Action::Activate(employee("grace@example.com"))).unwrap();
    let workplace_off =
        Symmetry::run(disabled, call("job-2/0", json!({})), Action::Activate(employee("grace@example.com"))).unwrap();

    assert!(!toggle_off.changed && !workplace_off.changed);
    assert!(workplace_off.detail.contains("workplace is disabled"), "{}", workplace_off.detail);
    assert!(symmetry.host.sql_calls().is_empty());
}

#[test]
fn an_email_on_several_cards_acts_only_on_the_primary_one() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(FakeCard { primary: false, ..grace(5000, "grace@example.com") });
    symmetry.add_card(grace(5001, "grace@example.com"));

    Symmetry::run(workplace(json!({})), call("job-1/0", json!({})), Action::Activate(employee("grace@example.com")))
        .unwrap();

    assert!(symmetry.card(5000).unwrap().inactive);
    assert!(!symmetry.card(5001).unwrap().inactive);
}

#[test]
fn an_email_nobody_has_is_a_permanent_error_and_writes_nothing() {
    let symmetry = FakeSymmetry::install();
    symmetry.add_card(grace(5000, "grace@example.com"));

    let error = Symmetry::run(
        workplace(json!({})),
        call("job-1/0", json!({})),
        Action::Deactivate(employee("ada@example.com")),
    )
    .unwrap_err();

    assert_eq!(error.kind, gatehouse_sdk::ErrorKind::Permanent);
    assert!(symmetry.rows().is_empty());
}
