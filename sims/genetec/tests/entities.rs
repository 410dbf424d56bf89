//! Entity reads and writes through `entity?q=` (spec §3.2, §5, §6), with the
//! documented constraints.

mod common;

use common::{start, Sdk};
use gatehouse_sim_genetec::model::credentials::standard26_raw_hex;
use gatehouse_sim_genetec::model::{CredentialFormat, State, WiegandFormat};
use gatehouse_sim_genetec::well_known::{self, default_fixture as fx};
use serde_json::json;

#[tokio::test]
async fn created_cardholder_returns_its_guid_and_reads_back() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid = sdk
        .create("entity=NewEntity(Cardholder),Name=Jane Doe,FirstName=Jane,LastName=Doe,EmailAddress=jane@acme.com,MobilePhoneNumber=+15551234,Guid")
        .await;
    let result = sdk.read(&format!("entity={guid},Guid,Name,FirstName,EmailAddress,MobilePhoneNumber,EntityType,Groups,Credentials")).await.ok();
    assert_eq!(result["Name"], "Jane Doe");
    assert_eq!(result["EmailAddress"], "jane@acme.com");
    assert_eq!(result["MobilePhoneNumber"], "+15551234", "%2B decodes to +");
    assert_eq!(result["EntityType"], "Cardholder");
    assert_eq!(result["Groups"], json!([]));
    assert_eq!(sim.state().cardholders[&guid].header.partition, well_known::ROOT_PARTITION);
    sim.shutdown().await;
}

#[tokio::test]
async fn escaped_comma_keeps_the_comma_in_the_value() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    sdk.write(&format!(r"entity={},Description=Hi\, this is a note", fx::ALICE)).await.ok();
    assert_eq!(sim.state().cardholders[&fx::ALICE].header.description, "Hi, this is a note");
    sim.shutdown().await;
}

#[tokio::test]
async fn fully_url_encoded_query_with_plus_for_space_is_decoded_before_parsing() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let raw = format!("{}/entity?q=entity%3D{}%2CName%3DAlice+M.%2CName", sdk.base, fx::ALICE);
    let response = sdk
        .http
        .post(raw)
        .basic_auth(&sdk.username, Some(&sdk.password))
        .header("Accept", "text/json")
        .header("Content-Length", "0")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["Rsp"]["Result"]["Name"], "Alice M.");
    sim.shutdown().await;
}

#[tokio::test]
async fn guids_work_dashed_bare_braced_and_in_upper_case() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let dashed = fx::ALICE.to_string();
    for form in [dashed.clone(), fx::ALICE.simple().to_string(), format!("{{{dashed}}}"), dashed.to_uppercase()] {
        assert_eq!(sdk.read(&format!("entity={form},Name")).await.ok()["Name"], "Alice Martin", "form {form}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn property_and_type_names_ignore_case_and_values_keep_it() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid = sdk.create("entity=NewEntity(cardholderGROUP),NAME=MiXeD Case,guid").await;
    let result = sdk.read(&format!("ENTITY={guid},name,entitytype")).await.ok();
    assert_eq!(result, json!({"Name": "MiXeD Case", "EntityType": "CardholderGroup"}));
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_property_fails_with_could_not_find_property() {
    let sim = start().await;
    let (code, message) = Sdk::envoy(&sim).read(&format!("entity={},ShoeSize", fx::ALICE)).await.fail();
    assert_eq!(code, "InvalidOperation");
    assert!(message.starts_with("Could not find property 'ShoeSize'"), "{message}");
    sim.shutdown().await;
}

#[tokio::test]
async fn read_only_property_fails_with_has_no_setter() {
    let sim = start().await;
    let (_, message) = Sdk::envoy(&sim).write(&format!("entity={},EntityType=Door", fx::ALICE)).await.fail();
    assert_eq!(message, "The property EntityType has no setter");
    sim.shutdown().await;
}

#[tokio::test]
async fn several_segments_answer_an_array_in_request_order() {
    let sim = start().await;
    let result = Sdk::envoy(&sim).read(&format!("entity={},Guid,Name,entity={},Guid,Name", fx::BOB, fx::ALICE)).await.ok();
    assert_eq!(result[0]["Name"], "Bob Nguyen");
    assert_eq!(result[1]["Name"], "Alice Martin");
    sim.shutdown().await;
}

#[tokio::test]
async fn several_new_entities_in_one_query_are_all_created() {
    let sim = start().await;
    Sdk::envoy(&sim).write("entity=NewEntity(Door),Name=D1,entity=NewEntity(Door),Name=D2").await.ok();
    let names: Vec<String> = sim.state().doors.values().map(|d| d.header.name.clone()).collect();
    assert!(names.contains(&"D1".into()) && names.contains(&"D2".into()));
    sim.shutdown().await;
}

#[tokio::test]
async fn write_only_query_answers_ok_without_result() {
    let sim = start().await;
    let reply = Sdk::envoy(&sim).write(&format!("entity={},Description=x", fx::ALICE)).await;
    assert_eq!(reply.json(), json!({"Rsp": {"Status": "Ok"}}));
    sim.shutdown().await;
}

#[tokio::test]
async fn get_that_writes_is_refused_by_the_verb_rule_assumed() {
    let sim = start().await;
    let (_, message) = Sdk::envoy(&sim).read(&format!("entity={},Description=x", fx::ALICE)).await.fail();
    assert!(message.contains("requires POST"));
    assert_eq!(sim.state().cardholders[&fx::ALICE].header.description, "");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_failing_token_leaves_the_whole_query_without_effect_assumed() {
    let sim = start().await;
    let before = sim.state();
    Sdk::envoy(&sim).write("entity=NewEntity(Cardholder),Name=Ghost,ShoeSize=42,Guid").await.fail();
    assert_eq!(sim.state(), before);
    sim.shutdown().await;
}

#[tokio::test]
async fn logical_id_addresses_entities_in_paths_and_queries() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    assert_eq!(sdk.read("entity=LogicalId(Door, 1),Guid").await.ok()["Guid"], fx::HQ_MAIN_ENTRANCE.to_string());
    let all = sdk.get("entity/LogicalId(Door, 3)", None).await.ok();
    assert_eq!(all["Name"], "HQ Server Room");
    assert_eq!(all["Area"], fx::HQ_AREA.to_string());
    sim.shutdown().await;
}

#[tokio::test]
async fn exists_endpoint_answers_a_boolean_value() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    assert_eq!(sdk.get(&format!("entity/exists/{}", fx::ALICE), None).await.ok(), json!({"Value": true}));
    assert_eq!(sdk.get("entity/exists/00000000-0000-0000-0000-0000000000ff", None).await.ok(), json!({"Value": false}));
    sim.shutdown().await;
}

#[tokio::test]
async fn basic_endpoint_returns_only_base_class_properties() {
    let sim = start().await;
    let basic = Sdk::envoy(&sim).get(&format!("entity/basic/{}", fx::ALICE), None).await.ok();
    assert_eq!(basic["Name"], "Alice Martin");
    assert!(basic.get("FirstName").is_none());
    sim.shutdown().await;
}

async fn new_card(sdk: &Sdk, format: &str) -> common::Reply {
    sdk.write(&format!("entity=NewEntity(Credential),Name=card,Format={format},Guid")).await
}

#[tokio::test]
async fn wiegand_26_credential_accepts_constructor_and_raw_forms_as_the_same_card() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid: uuid::Uuid = new_card(&sdk, "WiegandStandardCredentialFormat(101,12345)").await.ok()["Guid"].as_str().unwrap().parse().unwrap();
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
    assert_eq!(sdk.read(&format!("entity={},Credentials", fx::DAN)).await.ok()["Credentials"], json!([card.to_string()]));
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
    assert_eq!((status["ExpirationType"].clone(), status["ExpirationDuration"].clone()), (json!("OnFirstUse"), json!("6.00:00:00")));
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_fields_are_defined_written_read_and_projected() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let field = sdk.post("customField/Cardholder/Badge Color/Text/none", None).await.ok()["Guid"].as_str().unwrap().to_string();
    sdk.post("customField/Cardholder/Badge Color/Text/none", None).await.fail();
    sdk.send(reqwest::Method::PUT, &format!("customField/{}/Badge Color/blue", fx::ALICE), None).await.ok();
    assert_eq!(sdk.get(&format!("customField/{}/Badge Color", fx::ALICE), None).await.ok(), json!({"Value": "blue"}));
    assert_eq!(sdk.read(&format!("entity={},Badge Color", fx::BOB)).await.ok(), json!({"Badge Color": "none"}));
    sdk.write(&format!("entity={},Badge Color=green", fx::BOB)).await.ok();
    let definitions = sdk.read("entity=00000000-0000-0000-0000-000000000007,CustomFields").await.ok()["CustomFields"].clone();
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
    let guid = sdk.create(&format!("entity=NewEntity(Visitor),Name=V,InsertIntoPartition({}),Guid", fx::HQ_PARTITION)).await;
    assert_eq!(sdk.read(&format!("entity={guid},Partitions")).await.ok()["Partitions"], json!([fx::HQ_PARTITION.to_string()]));
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
