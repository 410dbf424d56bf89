//! Symmetry set-up (seed items B53, B57–B59, B62, B63, B66): the live connection test over the
//! operator's SQL login, and the pickers read from the Symmetry databases.

mod symmetry_support;

use gatehouse_runtime::EncryptMode;
use serde_json::json;
use symmetry_support::*;

#[tokio::test]
async fn b53_b58_a_sql_login_on_host_and_custom_port_passes_the_live_validation() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let checks = connector.validate().await.unwrap();

    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "configuration",
            "import database",
            "multiMAX database",
            "company",
            "card range",
            "access codes",
            "workplace email field"
        ]
    );
    let range = checks.iter().find(|c| c.name == "card range").unwrap();
    assert!(
        range.detail.contains("99 of 100 numbers free"),
        "card 1000 belongs to an earlier visitor: {}",
        range.detail
    );
}

#[tokio::test]
async fn b58_the_connection_can_be_encrypted_with_a_trusted_self_signed_certificate() {
    let sim = sim().await;
    let connector = connector_as(&sim, config(json!({})), USER, PASSWORD, EncryptMode::Required).await;

    let checks = connector.validate().await.unwrap();

    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");
}

#[tokio::test]
async fn b58_a_wrong_password_fails_validation_in_plain_words() {
    let sim = sim().await;
    let connector = connector_as(&sim, config(json!({})), USER, "not-the-password", EncryptMode::Off).await;

    let checks = connector.validate().await.unwrap();

    let import = checks.iter().find(|c| c.name == "import database").unwrap();
    assert!(!import.ok);
    assert!(
        import.detail.contains("refused the login") && import.detail.contains("user name and password"),
        "{}",
        import.detail
    );
    let multimax = checks.iter().find(|c| c.name == "multiMAX database").unwrap();
    assert!(!multimax.ok);
}

#[tokio::test]
async fn b59_the_target_company_is_picked_from_the_companies_in_the_database() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let companies = connector.list_options("companies").await.unwrap();

    let labels: Vec<(&str, &str)> = companies.iter().map(|c| (c.id.as_str(), c.label.as_str())).collect();
    assert!(labels.contains(&("2", "Globex Visitors")), "{labels:?}");
    assert_eq!(companies.len(), 3);
}

#[tokio::test]
async fn b59_a_company_that_does_not_exist_fails_validation() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({"company_id": 99}))).await;

    let checks = connector.validate().await.unwrap();

    let company = checks.iter().find(|c| c.name == "company").unwrap();
    assert!(!company.ok && company.detail.contains("company 99 does not exist"), "{company:?}");
}

#[tokio::test]
async fn b66_access_codes_are_offered_for_the_visitor_type_mapping() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let codes = connector.list_options("access-codes").await.unwrap();

    let lobby = codes.iter().find(|c| c.id == VISITOR_LOBBY.to_string()).expect("Visitor Lobby is offered");
    assert_eq!(lobby.label, "Visitor Lobby");
    assert_eq!(lobby.detail.as_deref(), Some("company 2"));
    assert_eq!(codes.len(), 7);
}

#[tokio::test]
async fn b62_personal_data_fields_are_offered_with_the_site_titles() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let fields = connector.list_options("personal-data-fields").await.unwrap();

    assert_eq!(fields.len(), 50);
    let email = fields.iter().find(|f| f.id == "5").unwrap();
    assert_eq!(email.label, "5 - Email");
    assert_eq!(fields.iter().find(|f| f.id == "7").unwrap().label, "Personal data 7");
}

#[tokio::test]
async fn b63_employees_are_offered_for_exclusion_by_their_email() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({}))).await;

    let employees = connector.list_options("employees").await.unwrap();

    let mulder = employees.iter().find(|e| e.label == "Mulder, Fox").expect("Fox Mulder is listed");
    assert_eq!(mulder.id, "fox.mulder@example.com", "ids are normalised emails");
    assert_eq!(mulder.detail.as_deref(), Some("card 5002 (facility code 100)"));
}

#[tokio::test]
async fn an_invalid_configuration_is_reported_before_any_connection() {
    let sim = sim().await;
    let connector = connector(&sim, config(json!({"time_zone": "Atlantis/Capital"}))).await;

    let checks = connector.validate().await.unwrap();

    assert_eq!(checks.len(), 1);
    assert!(!checks[0].ok && checks[0].detail.contains("IANA"), "{checks:?}");
}
