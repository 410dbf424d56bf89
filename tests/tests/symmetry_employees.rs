//! Symmetry employees through Envoy Workplace (seed items B54, B60–B65): existing cardholders,
//! found by the email in the configured personal data field, enabled at sign-in and disabled at
//! sign-out through the import table, one card at a time.

mod symmetry_support;

use gatehouse_sdk_harness::contract::{Action, ErrorKind};
use serde_json::json;
use symmetry_support::*;

#[tokio::test]
async fn b54_employee_access_is_activated_at_sign_in_and_suspended_at_sign_out() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;
    assert!(card(&sim, 5001).await.unwrap().inactive, "the customer disabled employees first");

    let signed_in = connector.run(Action::Activate(employee("dana.scully@example.com")), json!({})).await.unwrap();
    assert!(signed_in.changed);
    assert!(!card(&sim, 5001).await.unwrap().inactive);

    let signed_out = connector.run(Action::Deactivate(employee("dana.scully@example.com")), json!({})).await.unwrap();
    assert!(signed_out.changed);
    assert!(card(&sim, 5001).await.unwrap().inactive);
    let requests: Vec<Option<i32>> = import_rows(&sim).await.iter().map(|r| r.request).collect();
    assert_eq!(requests, [Some(5), Some(2)], "enable, then disable, through DataImportTable");
}

#[tokio::test]
async fn b60_nobody_is_mass_disabled_only_the_employees_own_primary_card_changes() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    // Walter Skinner holds two cards; 5003 is his primary one.
    connector.run(Action::Deactivate(employee("walter.skinner@example.com")), json!({})).await.unwrap();

    assert!(card(&sim, 5003).await.unwrap().inactive);
    assert!(!card(&sim, 5103).await.unwrap().inactive, "his second card is untouched");
    assert!(!card(&sim, 5007).await.unwrap().inactive, "other employees are untouched");
    assert_eq!(import_rows(&sim).await.len(), 1, "exactly one row, for exactly one card");
}

#[tokio::test]
async fn b60_an_email_nobody_has_is_a_permanent_error_and_disables_nobody() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let (kind, message) =
        error_kind(connector.run(Action::Deactivate(employee("nobody@example.com")), json!({})).await);

    assert_eq!(kind, ErrorKind::Permanent);
    assert!(message.contains("personal data field 5"), "{message}");
    assert!(import_rows(&sim).await.is_empty());
}

#[tokio::test]
async fn b61_turning_workplace_off_turns_every_employee_feature_off() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({"workplace": {"enabled": false, "email_field": 5}}))).await;

    let outcome = connector.run(Action::Activate(employee("dana.scully@example.com")), json!({})).await.unwrap();

    assert!(!outcome.changed);
    assert!(outcome.detail.contains("workplace is disabled"), "{}", outcome.detail);
    assert!(card(&sim, 5001).await.unwrap().inactive);
    assert!(import_rows(&sim).await.is_empty());
}

#[tokio::test]
async fn b62_the_workplace_data_field_matches_the_email_trimmed_and_case_insensitively() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    // Symmetry holds "  Fox.Mulder@Example.com " in personal data field 5.
    connector.run(Action::Activate(employee("fox.mulder@example.com")), json!({})).await.unwrap();

    assert!(!card(&sim, 5002).await.unwrap().inactive);
}

#[tokio::test]
async fn b62_the_workplace_data_field_is_the_one_configured() {
    let sim = sim().await;
    // Monica Reyes has m.reyes@example.org in field 12, and another email in field 5.
    let connector =
        connector(&sim, config(json!({"workplace": {"enabled": true, "email_field": 12, "enable_on_sign_in": true}})))
            .await;

    connector.run(Action::Activate(employee("M.Reyes@example.org")), json!({})).await.unwrap();

    assert!(!card(&sim, 5004).await.unwrap().inactive);
}

#[tokio::test]
async fn b63_excluded_employees_are_never_touched() {
    let sim = sim().await;
    let workplace =
        json!({"enabled": true, "email_field": 5, "excluded": ["Dana.Scully@example.com "], "enable_on_sign_in": true});
    let connector = connector(&sim, config(json!({ "workplace": workplace }))).await;

    let outcome = connector.run(Action::Activate(employee("dana.scully@example.com")), json!({})).await.unwrap();

    assert!(!outcome.changed);
    assert!(outcome.detail.contains("excluded"), "{}", outcome.detail);
    assert!(card(&sim, 5001).await.unwrap().inactive);
    assert!(import_rows(&sim).await.is_empty());
}

#[tokio::test]
async fn b64_disable_during_sign_out_acts_only_when_switched_on() {
    let sim = sim().await;
    let off = connector(
        &sim,
        config(json!({"workplace": {"enabled": true, "email_field": 5, "disable_on_sign_out": false}})),
    )
    .await;

    let outcome = off.run(Action::Deactivate(employee("walter.skinner@example.com")), json!({})).await.unwrap();

    assert!(!outcome.changed && outcome.detail.contains("disable during sign-out is off"), "{}", outcome.detail);
    assert!(!card(&sim, 5003).await.unwrap().inactive);
}

#[tokio::test]
async fn b65_enable_during_sign_in_acts_only_when_switched_on() {
    let sim = sim().await;
    let off =
        connector(&sim, config(json!({"workplace": {"enabled": true, "email_field": 5, "enable_on_sign_in": false}})))
            .await;

    let outcome = off.run(Action::Activate(employee("dana.scully@example.com")), json!({})).await.unwrap();

    assert!(!outcome.changed && outcome.detail.contains("enable during sign-in is off"), "{}", outcome.detail);
    assert!(card(&sim, 5001).await.unwrap().inactive);
}

#[tokio::test]
async fn an_employee_already_enabled_is_left_alone() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let outcome = connector.run(Action::Activate(employee("walter.skinner@example.com")), json!({})).await.unwrap();

    assert!(!outcome.changed);
    assert!(import_rows(&sim).await.is_empty());
}
