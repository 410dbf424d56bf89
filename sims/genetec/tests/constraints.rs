//! The documented constraints of entity writes (spec §5, §10.7): credential formats,
//! ranges, uniqueness and ownership; visitors and groups; activation; custom fields;
//! partitions; deletion.

mod common;

use common::{start, Sdk};
use gatehouse_sim_genetec::model::credentials::standard26_raw_hex;
use gatehouse_sim_genetec::model::{CredentialFormat, State, WiegandFormat};
use gatehouse_sim_genetec::well_known::{self, default_fixture as fx};
use serde_json::json;

async fn new_card(sdk: &Sdk, format: &str) -> common::Reply {
    sdk.write(&format!("entity=NewEntity(Credential),Name=card,Format={format},Guid")).await
}

#[tokio::test]
async fn wiegand_26_credential_accepts_constructor_and_raw_forms_as_the_same_card() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid: uuid::Uuid = new_card(&sdk, "WiegandStandardCredentialFormat(101,12345)").await.ok()["Guid"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let expected = CredentialFormat::Wiegand { format: WiegandFormat::Standard26, facility: 101, card: 12345 };
    assert_eq!(sim.state().credentials[&guid].format, expected);
    let raw = format!(
        "<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>{}</Raw></UndecodedWiegand>",
        standard26_raw_hex(101, 12345)
    );
    let (_, message) = new_card(&sdk, &raw).await.fail();
    assert!(message.contains("already exists"), "the raw form decodes to the same card: {message}");
    let format = sdk.read(&format!("entity={guid},Format")).await.ok()["Format"].clone();
    assert_eq!(format["RawData"], standard26_raw_hex(101, 12345));
    assert_eq!(format["CardId"], "12345");
    assert_eq!(format["FacilityCode"], 101);
    assert_eq!(format["FormatId"], "00000000-0000-0000-0000-000000000200");
    sim.shutdown().await;
}

#[tokio::test]
async fn raw_wiegand_with_a_wrong_parity_bit_fails() {
    let sim = start().await;
    let good = u32::from_str_radix(&standard26_raw_hex(101, 777), 16).unwrap();
    let raw = format!(
        "<UndecodedWiegand><BitLength>26</BitLength><FormatType>00000000-0000-0000-0000-000000000200</FormatType><Raw>{:032X}</Raw></UndecodedWiegand>",
        good ^ (1 << 25)
    );
    let (code, message) = new_card(&Sdk::envoy(&sim), &raw).await.fail();
    assert_eq!(code, "InvalidValue");
    assert!(message.contains("parity"));
    sim.shutdown().await;
}

#[tokio::test]
async fn wiegand_26_facility_code_and_card_number_out_of_range_fail() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    assert!(new_card(&sdk, "WiegandStandardCredentialFormat(256,1)").await.fail().1.contains("Facility code 256"));
    assert!(new_card(&sdk, "WiegandStandardCredentialFormat(1,65536)").await.fail().1.contains("Card number 65536"));
    new_card(&sdk, "WiegandStandardCredentialFormat(255,65535)").await.ok();
    sim.shutdown().await;
}

#[tokio::test]
async fn the_same_card_number_in_another_format_is_a_different_credential() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    new_card(&sdk, "WiegandH10306CredentialFormat(101,1001)").await.ok();
    assert!(new_card(&sdk, "WiegandStandardCredentialFormat(101,1001)").await.fail().1.contains("already exists"));
    sim.shutdown().await;
}

#[tokio::test]
async fn new_credential_without_a_format_fails_assumed() {
    let sim = start().await;
    Sdk::envoy(&sim).write("entity=NewEntity(Credential),Name=blank,Guid").await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn pin_credential_respects_the_minimum_and_sixteen_digit_maximum() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    new_card(&sdk, "KeypadCredentialFormat(4821)").await.ok();
    new_card(&sdk, "KeypadCredentialFormat(12)").await.fail();
    new_card(&sdk, "KeypadCredentialFormat(12345678901234567)").await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn credential_is_assigned_by_cardholder_guid_or_credentials_collection() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let card = sdk
        .create(&format!("entity=NewEntity(Credential),Name=101-4000,Format=WiegandStandardCredentialFormat(101,4000),CardholderGuid={},Guid", fx::DAN))
        .await;
    assert_eq!(
        sdk.read(&format!("entity={},Credentials", fx::DAN)).await.ok()["Credentials"],
        json!([card.to_string()])
    );
    assert_eq!(sdk.read(&format!("entity={card},Cardholder.Guid")).await.ok()["Cardholder.Guid"], fx::DAN.to_string());
    sdk.write(&format!("entity={},Credentials-{card}", fx::DAN)).await.ok();
    sdk.write(&format!("entity={},Credentials@{card}", fx::ALICE)).await.ok();
    assert_eq!(sim.state().credentials[&card].cardholder, Some(fx::ALICE));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_credential_has_one_owner_at_a_time() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let (_, message) = sdk.write(&format!("entity={},Credentials@{}", fx::BOB, fx::ALICE_CARD)).await.fail();
    assert!(message.contains("already assigned"), "{message}");
    sdk.write(&format!("entity={},CardholderGuid={}", fx::ALICE_CARD, fx::BOB)).await.fail();
    assert_eq!(sim.state().credentials[&fx::ALICE_CARD].cardholder, Some(fx::ALICE));
    sim.shutdown().await;
}

async fn new_visitor(sdk: &Sdk, extra: &str) -> uuid::Uuid {
    sdk.create(&format!("entity=NewEntity(Visitor),Name=John Smith,FirstName=John,LastName=Smith,EmailAddress=john@example.com,Arrival=2025-06-15T08:00:00Z,Departure=2025-06-15T18:00:00Z{extra},Guid")).await
}

#[tokio::test]
async fn visitor_can_join_only_visitor_enabled_groups() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let visitor = new_visitor(&sdk, "").await;
    let (_, message) = sdk.write(&format!("entity={visitor},Groups@{}", fx::EMPLOYEES_GROUP)).await.fail();
    assert!(message.contains("not available for visitors"), "{message}");
    sdk.write(&format!("entity={},Members@({visitor})", fx::EMPLOYEES_GROUP)).await.fail();
    sdk.write(&format!("entity={visitor},Groups@{}", fx::INTERVIEW_GROUP)).await.ok();
    assert!(sim.state().cardholder_groups[&fx::INTERVIEW_GROUP].members.contains(&visitor));
    sim.shutdown().await;
}

#[tokio::test]
async fn visitor_activation_and_expiration_dates_have_no_setter() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    for property in ["ActivationDate", "ExpirationDate"] {
        let q = format!("entity=NewEntity(Visitor),Name=V,{property}=2025-06-15T08:00:00Z,Guid");
        let (code, message) = sdk.write(&q).await.fail();
        assert_eq!((code.as_str(), message), ("InvalidOperation", format!("The property {property} has no setter")));
    }
    assert!(sim.state().visitors.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn visitor_created_without_a_name_is_named_new_visitor_hex() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid = sdk.create("entity=NewEntity(Visitor),FirstName=Anon,Guid").await;
    assert_eq!(sdk.read(&format!("entity={guid},Name")).await.ok()["Name"], format!("New_Visitor_{}", guid.simple()));
    sim.shutdown().await;
}

#[tokio::test]
async fn checkout_archives_the_visitor_and_later_reads_fail() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let visitor = new_visitor(&sdk, &format!(",Groups@{}", fx::INTERVIEW_GROUP)).await;
    sdk.write(&format!("entity={visitor},Credentials@{}", fx::SPARE_CARD)).await.ok();
    sdk.write(&format!("entity={visitor},Status.Activate()")).await.ok();
    assert!(sdk.read(&format!("entity={visitor},CheckinDate")).await.ok()["CheckinDate"].is_string());
    sdk.write(&format!("entity={visitor},Checkout()")).await.ok();
    let (code, _) = sdk.read(&format!("entity={visitor},Name")).await.fail();
    assert_eq!(code, "UnableToRetrieveEntity");
    let state = sim.state();
    assert!(state.archived_visitors[&visitor].checkout_date.is_some());
    assert_eq!(state.credentials[&fx::SPARE_CARD].cardholder, None, "the badge is returned (assumed)");
    assert!(!state.cardholder_groups[&fx::INTERVIEW_GROUP].members.contains(&visitor));
    sim.shutdown().await;
}

#[tokio::test]
async fn adding_an_existing_group_membership_fails_from_either_side() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let (_, message) = sdk.write(&format!("entity={},Groups@{}", fx::ALICE, fx::EMPLOYEES_GROUP)).await.fail();
    assert!(message.contains("already a member"));
    sdk.write(&format!("entity={},Members@({})", fx::EMPLOYEES_GROUP, fx::ALICE)).await.fail();
    sdk.write(&format!("entity={},AddCardholderIntoGroup({})", fx::EMPLOYEES_GROUP, fx::ALICE)).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn remove_then_add_of_a_group_works_even_for_a_non_member() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.write(&format!("entity={},Groups-{},Groups@{}", fx::DAN, fx::EMPLOYEES_GROUP, fx::EMPLOYEES_GROUP)).await.ok();
    sdk.write(&format!("entity={},Groups-{},Groups@{}", fx::DAN, fx::EMPLOYEES_GROUP, fx::EMPLOYEES_GROUP)).await.ok();
    let groups = sdk.read(&format!("entity={},Groups", fx::DAN)).await.ok()["Groups"].clone();
    assert!(groups.as_array().unwrap().contains(&json!(fx::EMPLOYEES_GROUP.to_string())));
    sdk.write(&format!("entity={},RemoveCardholderFromGroup({})", fx::EMPLOYEES_GROUP, fx::DAN)).await.ok();
    assert!(!sim.state().cardholder_groups[&fx::EMPLOYEES_GROUP].members.contains(&fx::DAN));
    sim.shutdown().await;
}

#[tokio::test]
async fn status_activate_with_a_window_is_inactive_before_and_expired_after() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let now = sim.now();
    let (from, to) = (now + chrono::TimeDelta::hours(1), now + chrono::TimeDelta::hours(2));
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    sdk.write(&format!("entity={},Status.Activate({},{})", fx::CAROL, fmt(from), fmt(to))).await.ok();
    let query = format!("entity={},State", fx::CAROL);
    assert_eq!(sdk.read(&query).await.ok()["State"], "Inactive");
    sim.advance_clock(chrono::TimeDelta::minutes(90));
    assert_eq!(sdk.read(&query).await.ok()["State"], "Active");
    sim.advance_clock(chrono::TimeDelta::minutes(60));
    assert_eq!(sdk.read(&query).await.ok()["State"], "Expired");
    let status = sdk.read(&format!("entity={},Status", fx::CAROL)).await.ok()["Status"].clone();
    assert_eq!(status["ExpirationType"], "SpecificDate");
    sim.shutdown().await;
}

#[tokio::test]
async fn toggling_status_and_the_legacy_state_setter_enable_and_disable_an_employee() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.write(&format!("entity={},Status.Deactivate()", fx::ALICE)).await.ok();
    assert_eq!(sim.state().cardholders[&fx::ALICE].person.status.state, State::Inactive);
    sdk.write(&format!("entity={},State=Active", fx::ALICE)).await.ok();
    assert_eq!(sim.state().cardholders[&fx::ALICE].person.status.state, State::Active);
    sdk.write(&format!("entity={},ActivationMode=RelativeDeactivation(6.00:00:00)", fx::ALICE_CARD)).await.ok();
    let status = sdk.read(&format!("entity={},Status", fx::ALICE_CARD)).await.ok()["Status"].clone();
    assert_eq!(
        (status["ExpirationType"].clone(), status["ExpirationDuration"].clone()),
        (json!("OnFirstUse"), json!("6.00:00:00"))
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_fields_are_defined_written_read_and_projected() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let field =
        sdk.post("customField/Cardholder/Badge Color/Text/none", None).await.ok()["Guid"].as_str().unwrap().to_string();
    sdk.post("customField/Cardholder/Badge Color/Text/none", None).await.fail();
    sdk.send(reqwest::Method::PUT, &format!("customField/{}/Badge Color/blue", fx::ALICE), None).await.ok();
    assert_eq!(sdk.get(&format!("customField/{}/Badge Color", fx::ALICE), None).await.ok(), json!({"Value": "blue"}));
    assert_eq!(sdk.read(&format!("entity={},Badge Color", fx::BOB)).await.ok(), json!({"Badge Color": "none"}));
    sdk.write(&format!("entity={},Badge Color=green", fx::BOB)).await.ok();
    let definitions =
        sdk.read("entity=00000000-0000-0000-0000-000000000007,CustomFields").await.ok()["CustomFields"].clone();
    assert!(definitions.as_array().unwrap().iter().any(|d| d["Guid"] == field.as_str() && d["Name"] == "Badge Color"));
    sdk.send(reqwest::Method::DELETE, "customField/Cardholder/Badge Color", None).await.ok();
    sdk.read(&format!("entity={},Badge Color", fx::BOB)).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_field_values_are_type_checked() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.post("customField/Cardholder/Floor/Numeric/0", None).await.ok();
    sdk.write(&format!("entity={},Floor=12", fx::ALICE)).await.ok();
    let (code, _) = sdk.write(&format!("entity={},Floor=twelve", fx::ALICE)).await.fail();
    assert_eq!(code, "InvalidValue");
    assert_eq!(sim.state().cardholders[&fx::ALICE].header.custom_fields["Floor"], json!(12));
    sim.shutdown().await;
}

#[tokio::test]
async fn creation_partition_applies_to_entities_created_later_in_the_session() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.post(&format!("creationpartition/{}", fx::ANNEX_PARTITION), None).await.ok();
    let guid = sdk.create("entity=NewEntity(Cardholder),Name=Annex hire,Guid").await;
    assert_eq!(sim.state().cardholders[&guid].header.partition, fx::ANNEX_PARTITION);
    let other = Sdk::as_user(&sim, fx::ADMIN_USER, fx::ENVOY_APP_ID, fx::ADMIN_PASSWORD);
    let guid = other.create("entity=NewEntity(Cardholder),Name=Root hire,Guid").await;
    assert_eq!(sim.state().cardholders[&guid].header.partition, well_known::ROOT_PARTITION, "per session");
    sdk.post("creationpartition/00000000-0000-0000-0000-0000000000ff", None).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn insert_into_partition_moves_an_entity() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid =
        sdk.create(&format!("entity=NewEntity(Visitor),Name=V,InsertIntoPartition({}),Guid", fx::HQ_PARTITION)).await;
    assert_eq!(
        sdk.read(&format!("entity={guid},Partitions")).await.ok()["Partitions"],
        json!([fx::HQ_PARTITION.to_string()])
    );
    sdk.write(&format!("entity={guid},InsertIntoPartition({})", fx::ALICE)).await.fail();
    sim.shutdown().await;
}

#[tokio::test]
async fn deleted_entity_is_gone_and_its_credentials_are_unassigned() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.send(reqwest::Method::DELETE, &format!("entity/{}", fx::ALICE), None).await.ok();
    sdk.read(&format!("entity={},Name", fx::ALICE)).await.fail();
    let state = sim.state();
    assert_eq!(state.credentials[&fx::ALICE_CARD].cardholder, None);
    assert!(!state.cardholder_groups[&fx::EMPLOYEES_GROUP].members.contains(&fx::ALICE));
    sdk.send(reqwest::Method::DELETE, "entity/LogicalId(Door,4)", None).await.ok();
    assert!(!sim.state().doors.contains_key(&fx::ANNEX_FRONT_DOOR));
    sdk.send(reqwest::Method::DELETE, &format!("entity/{}", fx::HQ_PARTITION), None).await.fail();
    sim.shutdown().await;
}
