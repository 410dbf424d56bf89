//! Reports (spec §6 OP2/OP3, §7): entity searches with paging, and activity reports
//! fed by injected badge swipes.

mod common;

use common::{row_guids, start, Sdk};
use gatehouse_sim_genetec::well_known::{self, default_fixture as fx};
use gatehouse_sim_genetec::{AccessEventType, BadgeDecision, BadgeSwipe};
use serde_json::json;

fn swipe(door: uuid::Uuid, cardholder: uuid::Uuid) -> BadgeSwipe {
    BadgeSwipe {
        door,
        credential: None,
        cardholder: Some(cardholder),
        timestamp: None,
        decision: BadgeDecision::Evaluate,
    }
}

#[tokio::test]
async fn entity_configuration_lists_guids_of_the_requested_types() {
    let sim = start().await;
    let result = Sdk::envoy(&sim).report("EntityConfiguration", "EntityTypes@Door@Area").await.ok();
    let mut guids = row_guids(&result);
    guids.sort();
    let mut expected: Vec<String> = [
        fx::HQ_AREA,
        fx::ANNEX_AREA,
        fx::HQ_MAIN_ENTRANCE,
        fx::HQ_PARKING_GATE,
        fx::HQ_SERVER_ROOM,
        fx::ANNEX_FRONT_DOOR,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    expected.sort();
    assert_eq!(guids, expected);
    assert_eq!(result[0].as_object().unwrap().len(), 1, "rows carry only Guid");
    sim.shutdown().await;
}

#[tokio::test]
async fn paging_returns_one_extra_row_when_another_page_exists() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    // Six cardholder groups in the fixture, sorted by name.
    let all = row_guids(&sdk.report("EntityConfiguration", "EntityTypes@CardholderGroup").await.ok());
    assert_eq!(all.len(), 6);
    let page = |n: usize| format!("EntityTypes@CardholderGroup,Page={n},PageSize=4");
    let first = row_guids(&sdk.report("EntityConfiguration", &page(1)).await.ok());
    assert_eq!(first, all[..5].to_vec(), "4 rows plus the first row of page 2");
    let second = row_guids(&sdk.report("EntityConfiguration", &page(2)).await.ok());
    assert_eq!(second, all[4..].to_vec(), "last page: no extra row");
    let exact =
        row_guids(&sdk.report("EntityConfiguration", "EntityTypes@CardholderGroup,Page=1,PageSize=6").await.ok());
    assert_eq!(exact.len(), 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn name_filter_defaults_to_starts_with_and_honours_search_modes() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let find = |q: &'static str| {
        let sdk = &sdk;
        async move { row_guids(&sdk.report("EntityConfiguration", q).await.ok()) }
    };
    assert_eq!(find("EntityTypes@Door,Name=hq").await.len(), 3);
    assert_eq!(find("EntityTypes@Door,Name=Entrance").await.len(), 0);
    assert_eq!(
        find("EntityTypes@Door,Name=Entrance,NameSearchMode=Contains").await,
        vec![fx::HQ_MAIN_ENTRANCE.to_string()]
    );
    assert_eq!(
        find("EntityTypes@Door,Name=HQ Server Room,NameSearchMode=Is").await,
        vec![fx::HQ_SERVER_ROOM.to_string()]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cardholder_configuration_finds_a_cardholder_by_email_assumed_spelling() {
    let sim = start().await;
    let result = Sdk::envoy(&sim)
        .report("CardholderConfiguration", "Email=Bob.Nguyen@acme.example,EmailSearchMode=Is")
        .await
        .ok();
    assert_eq!(row_guids(&result), vec![fx::BOB.to_string()]);
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_field_filter_finds_entities_by_value() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let q = format!("EntityTypes@Cardholder,CustomFields@CustomField({},emp-1003)", fx::CARDHOLDER_EXTERNAL_ID_FIELD);
    assert_eq!(row_guids(&sdk.report("EntityConfiguration", &q).await.ok()), vec![fx::CAROL.to_string()]);
    let q =
        format!("EntityTypes@Cardholder,CustomFields@CustomField({},erin.walsh@acme.example)", fx::ENVOY_EMAIL_FIELD);
    assert_eq!(row_guids(&sdk.report("EntityConfiguration", &q).await.ok()), vec![fx::ERIN.to_string()]);
    sim.shutdown().await;
}

#[tokio::test]
async fn credential_configuration_finds_a_card_by_unique_id() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    for q in
        ["UniqueIds@WiegandStandardCredentialFormat(101,1002)", "UniqueIds@wiegandstandardcredentialformat(101, 1002)"]
    {
        assert_eq!(
            row_guids(&sdk.report("CredentialConfiguration", q).await.ok()),
            vec![fx::BOB_CARD.to_string()],
            "{q}"
        );
    }
    assert!(row_guids(
        &sdk.report("CredentialConfiguration", "UniqueIds@WiegandStandardCredentialFormat(101,9)").await.ok()
    )
    .is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_report_filter_fails_quoting_the_filter() {
    let sim = start().await;
    let (code, message) = Sdk::envoy(&sim).report("EntityConfiguration", "EntityTypes@Door,Colour=red").await.fail();
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("InvalidOperation", "Could not find property 'Colour' from filter: 'Colour=red'")
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn maximum_result_count_truncates_with_too_many_results_assumed() {
    let sim = start().await;
    let reply = Sdk::envoy(&sim).report("EntityConfiguration", "EntityTypes@Cardholder,MaximumResultCount=2").await;
    assert_eq!(reply.rsp_status(), "TooManyResults");
    assert_eq!(reply.json()["Rsp"]["Result"].as_array().unwrap().len(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn door_activity_requires_at_least_one_filter() {
    let sim = start().await;
    let (_, message) = Sdk::envoy(&sim).report("DoorActivity", "MaximumResultCount=10").await.fail();
    assert!(message.contains("at least one filter"));
    sim.shutdown().await;
}

#[tokio::test]
async fn door_activity_rejects_page_with_the_observed_message() {
    let sim = start().await;
    let q = format!("Doors@{},Page=1", fx::HQ_MAIN_ENTRANCE);
    let (code, message) = Sdk::envoy(&sim).report("DoorActivity", &q).await.fail();
    assert_eq!(code, "InvalidOperation");
    assert_eq!(message, "Could not find property 'Page' from filter: 'Page=1'");
    sim.shutdown().await;
}

#[tokio::test]
async fn door_activity_needs_the_door_activities_privilege_assumed() {
    let sim = start().await;
    let sdk = Sdk::as_user(&sim, fx::NO_DOOR_ACTIVITY_USER, fx::ENVOY_APP_ID, fx::NO_DOOR_ACTIVITY_PASSWORD);
    let (code, _) = sdk.report("DoorActivity", &format!("Doors@{}", fx::HQ_MAIN_ENTRANCE)).await.fail();
    assert_eq!(code, "InsufficientPrivileges");
    sim.shutdown().await;
}

#[tokio::test]
async fn badge_swipe_adds_a_door_activity_row_with_integer_event_type() {
    let sim = start().await;
    let event = sim.swipe(&swipe(fx::HQ_MAIN_ENTRANCE, fx::ALICE)).unwrap();
    assert_eq!(event.event_type, AccessEventType::AccessGranted);
    let q = format!(
        "Doors@{},Events@AccessGranted,TimeRange.SetTimeRange(2000-01-01T00:00:00,2100-01-01T00:00:00)",
        fx::HQ_MAIN_ENTRANCE
    );
    let rows = Sdk::envoy(&sim).report("DoorActivity", &q).await.ok();
    let row = &rows[0];
    assert_eq!(row["EventType"], 35);
    assert_eq!(row["SourceGuid"], fx::HQ_MAIN_ENTRANCE.to_string());
    assert_eq!(row["AccessPointGroupGuid"], fx::HQ_MAIN_ENTRANCE.to_string());
    assert_eq!(row["CardholderGuid"], fx::ALICE.to_string());
    assert_eq!(row["CredentialGuid"], fx::ALICE_CARD.to_string());
    assert!(row["Timestamp"].as_str().unwrap().ends_with('Z'));
    sim.shutdown().await;
}

#[tokio::test]
async fn badge_swipe_through_the_control_api_reports_the_event() {
    let sim = start().await;
    let response: serde_json::Value = common::http()
        .post(format!("{}/badge", sim.control_url()))
        .json(
            &json!({"door": fx::HQ_PARKING_GATE, "credential": fx::BOB_CARD, "timestamp": "2025-06-15T08:01:02.123Z"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response["event_type"], "AccessGranted");
    assert_eq!(response["event_type_id"], 35);
    assert_eq!(response["row"]["CardholderGuid"], fx::BOB.to_string());
    assert_eq!(response["row"]["Timestamp"], "2025-06-15T08:01:02.123Z");
    let unknown = common::http()
        .post(format!("{}/badge", sim.control_url()))
        .json(&json!({"door": fx::ALICE, "cardholder": fx::BOB}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), reqwest::StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn swipes_of_inactive_people_and_outsiders_are_refused_with_their_event_types() {
    let sim = start().await;
    let inactive = sim.swipe(&swipe(fx::HQ_MAIN_ENTRANCE, fx::CAROL)).unwrap();
    assert_eq!((inactive.event_type, inactive.event_type.number()), (AccessEventType::AccessInactivePerson, 41));
    let outsider = sim.swipe(&swipe(fx::HQ_SERVER_ROOM, fx::ALICE)).unwrap();
    assert_eq!(outsider.event_type, AccessEventType::AccessRefused);
    let engineer = sim.swipe(&swipe(fx::HQ_SERVER_ROOM, fx::BOB)).unwrap();
    assert_eq!(engineer.event_type, AccessEventType::AccessGranted);
    let spare = sim
        .swipe(&BadgeSwipe {
            credential: Some(fx::SPARE_CARD),
            cardholder: None,
            ..swipe(fx::HQ_MAIN_ENTRANCE, fx::BOB)
        })
        .unwrap();
    assert_eq!(spare.event_type, AccessEventType::AccessUnassignedCredential);
    let forced =
        sim.swipe(&BadgeSwipe { decision: BadgeDecision::Grant, ..swipe(fx::HQ_MAIN_ENTRANCE, fx::CAROL) }).unwrap();
    assert_eq!(forced.event_type, AccessEventType::AccessGranted);
    sim.shutdown().await;
}

#[tokio::test]
async fn door_activity_filters_by_door_cardholder_event_and_time() {
    let sim = start().await;
    let at = |h: u32| chrono::DateTime::parse_from_rfc3339(&format!("2025-06-15T{h:02}:00:00Z")).unwrap().to_utc();
    for (hour, door, person) in [
        (8, fx::HQ_MAIN_ENTRANCE, fx::ALICE),
        (9, fx::HQ_MAIN_ENTRANCE, fx::BOB),
        (10, fx::ANNEX_FRONT_DOOR, fx::ERIN),
        (11, fx::HQ_MAIN_ENTRANCE, fx::CAROL),
    ] {
        sim.swipe(&BadgeSwipe { timestamp: Some(at(hour)), ..swipe(door, person) }).unwrap();
    }
    let sdk = Sdk::envoy(&sim);
    let rows = |q: String| {
        let sdk = &sdk;
        async move { sdk.report("DoorActivity", &q).await.ok().as_array().unwrap().clone() }
    };
    assert_eq!(rows(format!("Doors@{}", fx::HQ_MAIN_ENTRANCE)).await.len(), 3);
    assert_eq!(rows(format!("Doors@{},Events@AccessGranted", fx::HQ_MAIN_ENTRANCE)).await.len(), 2);
    assert_eq!(
        rows(format!(
            "Doors@{}@{},TimeRange.SetTimeRange(2025-06-15T08:30:00Z,2025-06-15T10:00:00Z)",
            fx::HQ_MAIN_ENTRANCE,
            fx::ANNEX_FRONT_DOOR
        ))
        .await
        .len(),
        2
    );
    let descending = rows("Events@35@41,SortOrder=Descending".into()).await;
    assert_eq!(descending[0]["CardholderGuid"], fx::CAROL.to_string());
    assert_eq!(rows(format!("Cardholders@{}", fx::ERIN)).await[0]["SourceGuid"], fx::ANNEX_FRONT_DOOR.to_string());
    let cardholder_report = sdk.report("CardholderActivity", &format!("Cardholders@{}", fx::BOB)).await.ok();
    assert_eq!(cardholder_report.as_array().unwrap().len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn partitions_and_well_known_groups_are_listed() {
    let sim = start().await;
    let sdk = Sdk::envoy(&sim);
    let partitions = row_guids(&sdk.report("EntityConfiguration", "EntityTypes@Partition").await.ok());
    assert!(
        partitions.contains(&well_known::ROOT_PARTITION.to_string())
            && partitions.contains(&fx::HQ_PARTITION.to_string())
    );
    let visitors_group = sdk.read(&format!("entity={},Name,IsVisitorGroup", well_known::VISITORS_GROUP)).await.ok();
    assert_eq!(visitors_group, json!({"Name": "Visitors", "IsVisitorGroup": true}));
    sim.shutdown().await;
}
