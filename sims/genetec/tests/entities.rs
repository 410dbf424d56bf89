//! Entity reads and writes through `entity?q=` and `entity/{id}` (spec §3.2, §4, §6):
//! the query language as the server applies it.

mod common;

use common::{start, Sdk};
use gatehouse_sim_genetec::well_known::{self, default_fixture as fx};
use serde_json::json;

#[tokio::test]
async fn created_cardholder_returns_its_guid_and_reads_back() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let guid = sdk
        .create("entity=NewEntity(Cardholder),Name=Jane Doe,FirstName=Jane,LastName=Doe,EmailAddress=jane@acme.com,MobilePhoneNumber=+15551234,Guid")
        .await;
    let result = sdk
        .read(&format!(
            "entity={guid},Guid,Name,FirstName,EmailAddress,MobilePhoneNumber,EntityType,Groups,Credentials"
        ))
        .await
        .ok();
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
    let result =
        Sdk::envoy(&sim).read(&format!("entity={},Guid,Name,entity={},Guid,Name", fx::BOB, fx::ALICE)).await.ok();
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
