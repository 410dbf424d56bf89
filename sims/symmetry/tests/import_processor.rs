//! The Data Connect import processor seen from a client: rows written to DataImportTable over
//! TDS are applied to multiMAX with each RecordRequest's meaning, and the outcome is readable
//! as RecordStatus + MessageTable text and in the multiMAX views.

mod common;

use chrono::NaiveDate;
use common::*;
use gatehouse_sim_symmetry::{Fault, StatusCodes};

const SUCCESS: i32 = 1;

async fn card_state(client: &mut Tds, number: i32) -> Option<(bool, i32)> {
    let found = rows(
        client,
        "SELECT Inactive, CardID FROM multiMAX.dbo.ViewSMSCardHolders WHERE CardNumber = @P1 AND CustomerCodeNumber = 100",
        &[&number],
    )
    .await;
    found.first().map(|r| (r.get::<bool, _>(0).unwrap(), r.get::<i32, _>(1).unwrap()))
}

async fn inactive(client: &mut Tds, number: i32) -> bool {
    card_state(client, number).await.expect("the card exists").0
}

async fn access_codes(client: &mut Tds, card_id: i32) -> Vec<i32> {
    rows(
        client,
        "SELECT AccessCodeID FROM multiMAX.dbo.ViewAccessRights WHERE CardID = @P1 ORDER BY AccessCodeID",
        &[&card_id],
    )
    .await
    .iter()
    .map(|r| r.get::<i32, _>(0).unwrap())
    .collect()
}

#[test]
fn the_default_status_codes_are_the_ones_these_tests_expect() {
    assert_eq!(StatusCodes::default().success, SUCCESS as i64);
}

#[tokio::test]
async fn request_0_adds_a_cardholder_with_a_card_and_refuses_an_existing_card() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let active = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(8, 45, 0).unwrap();
    let expiry = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(17, 0, 0).unwrap();
    let id = insert_import_row(
        &mut client,
        "RecordRequest, LastName, FirstName, CompanyID, CardNumber, CustomerCode, PIN, ActiveDate, ExpiryDate, PersonalData5, BatchReference",
        &[&0i32, &"Visitor", &"Vera", &2i32, &1001i32, &100i32, &"4321", &active, &expiry, &"vera@example.com", &"gatehouse:visit-42"],
    )
    .await;
    assert_eq!(wait_for_status(&mut client, id).await, (SUCCESS, "Record processed successfully".to_string()));
    let found = rows(
        &mut client,
        "SELECT FirstName, CompanyID, PINNumber, Inactive, ActiveDateTime, ExpirationDateTime, PersonalData5, PrimaryCard \
         FROM multiMAX.dbo.ViewSMSCardHolders WHERE CardNumber = 1001",
        &[],
    )
    .await;
    let row = &found[0];
    assert_eq!(row.get::<&str, _>(0), Some("Vera"));
    assert_eq!(row.get::<i32, _>(1), Some(2));
    assert_eq!(row.get::<&str, _>(2), Some("4321"));
    assert_eq!(row.get::<bool, _>(3), Some(false));
    assert_eq!(row.get::<chrono::NaiveDateTime, _>(4), Some(active));
    assert_eq!(row.get::<chrono::NaiveDateTime, _>(5), Some(expiry));
    assert_eq!(row.get::<&str, _>(6), Some("vera@example.com"));
    assert_eq!(row.get::<bool, _>(7), Some(true));

    let again = insert_import_row(
        &mut client,
        "RecordRequest, LastName, CardNumber, CustomerCode",
        &[&0i32, &"Other", &1001i32, &100i32],
    )
    .await;
    assert_eq!(wait_for_status(&mut client, again).await, (2, "Card already exists".to_string()));
}

#[tokio::test]
async fn request_1_modifies_the_card_and_cardholder() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let expiry = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
    let id = insert_import_row(
        &mut client,
        "RecordRequest, CardNumber, CustomerCode, ExpiryDate, InitLet",
        &[&1i32, &5001i32, &100i32, &expiry, &"K"],
    )
    .await;
    assert_eq!(wait_for_status(&mut client, id).await.0, SUCCESS);
    let found = rows(
        &mut client,
        "SELECT ExpirationDateTime, InitLet FROM multiMAX.dbo.ViewSMSCardHolders WHERE CardNumber = 5001",
        &[],
    )
    .await;
    assert_eq!(found[0].get::<chrono::NaiveDateTime, _>(0), Some(expiry));
    assert_eq!(found[0].get::<&str, _>(1), Some("K"));

    let missing =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&1i32, &424242i32, &100i32]).await;
    assert_eq!(wait_for_status(&mut client, missing).await, (3, "Card not found".to_string()));
}

#[tokio::test]
async fn requests_2_and_5_disable_and_enable_a_card() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    assert!(!inactive(&mut client, 5003).await);
    let disable =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&2i32, &5003i32, &100i32]).await;
    assert_eq!(wait_for_status(&mut client, disable).await.0, SUCCESS);
    assert!(inactive(&mut client, 5003).await);
    let forced =
        rows(&mut client, "SELECT ForcedInactive FROM multiMAX.dbo.CardInfoTable WHERE CardNumber = 5003", &[]).await;
    assert_eq!(forced[0].get::<bool, _>(0), Some(true));

    let enable =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&5i32, &5003i32, &100i32]).await;
    assert_eq!(wait_for_status(&mut client, enable).await.0, SUCCESS);
    assert!(!inactive(&mut client, 5003).await);
}

#[tokio::test]
async fn requests_3_4_and_6_manage_access_codes() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let card_id = card_state(&mut client, 5001).await.unwrap().1;
    assert_eq!(access_codes(&mut client, card_id).await, vec![10, 11]);

    let add = insert_import_row(
        &mut client,
        "RecordRequest, CardNumber, CustomerCode, AccessCodeID",
        &[&3i32, &5001i32, &100i32, &12i32],
    )
    .await;
    assert_eq!(wait_for_status(&mut client, add).await.0, SUCCESS);
    assert_eq!(access_codes(&mut client, card_id).await, vec![10, 11, 12]);

    let unknown = insert_import_row(
        &mut client,
        "RecordRequest, CardNumber, CustomerCode, AccessCodeID",
        &[&3i32, &5001i32, &100i32, &999i32],
    )
    .await;
    assert_eq!(wait_for_status(&mut client, unknown).await, (4, "Access code not found".to_string()));

    let remove = insert_import_row(
        &mut client,
        "RecordRequest, CardNumber, CustomerCode, AccessCodeID",
        &[&6i32, &5001i32, &100i32, &10i32],
    )
    .await;
    assert_eq!(wait_for_status(&mut client, remove).await.0, SUCCESS);
    assert_eq!(access_codes(&mut client, card_id).await, vec![11, 12]);

    let remove_all =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&4i32, &5001i32, &100i32]).await;
    assert_eq!(wait_for_status(&mut client, remove_all).await.0, SUCCESS);
    assert!(access_codes(&mut client, card_id).await.is_empty());
}

#[tokio::test]
async fn an_employee_found_by_email_is_enabled_by_card_key() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    let found = rows(
        &mut client,
        "SELECT CardNumber, CustomerCodeNumber FROM multiMAX.dbo.ViewSMSCardHolders \
         WHERE LOWER(LTRIM(RTRIM(PersonalData5))) = LOWER(LTRIM(RTRIM(@P1))) AND PrimaryCard = 1",
        &[&" fox.mulder@EXAMPLE.com"],
    )
    .await;
    assert_eq!(found.len(), 1);
    let (number, facility): (i32, i32) = (found[0].get(0).unwrap(), found[0].get(1).unwrap());
    let id =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&5i32, &number, &facility]).await;
    assert_eq!(wait_for_status(&mut client, id).await.0, SUCCESS);
    assert!(!inactive(&mut client, 5002).await);
}

#[tokio::test]
async fn a_paused_processor_leaves_rows_pending_until_resumed() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    sim.pause();
    let id =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&2i32, &5007i32, &100i32]).await;
    sim.wait_for_processor_ticks(3).await;
    let pending = rows(
        &mut client,
        "SELECT RecordStatus FROM multiMAXImport.dbo.DataImportTable WHERE RecordCount = @P1",
        &[&id],
    )
    .await;
    assert_eq!(pending[0].get::<i32, _>(0), Some(0));
    sim.resume();
    assert_eq!(wait_for_status(&mut client, id).await.0, SUCCESS);
}

#[tokio::test]
async fn rows_without_import_now_wait_for_the_scheduled_import() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    client
        .execute(
            "INSERT INTO multiMAXImport.dbo.DataImportTable (RecordRequest, RecordStatus, CardNumber, CustomerCode) VALUES (2, 0, 5007, 100)",
            &[],
        )
        .await
        .unwrap();
    sim.wait_for_processor_ticks(3).await;
    assert!(!inactive(&mut client, 5007).await);
    assert_eq!(sim.run_scheduled_import(), 1);
    assert_eq!(wait_for_status(&mut client, 1).await.0, SUCCESS);
    assert!(inactive(&mut client, 5007).await);
}

#[tokio::test]
async fn slow_processing_delays_but_still_applies_rows() {
    let sim = start().await;
    sim.inject(Fault::SlowProcessing { delay_ms: 200 });
    let mut client = connect(&sim).await;
    let id =
        insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&2i32, &5004i32, &100i32]).await;
    assert_eq!(wait_for_status(&mut client, id).await.0, SUCCESS);
}

#[tokio::test]
async fn rows_are_never_deleted_after_processing() {
    let sim = start().await;
    let mut client = connect(&sim).await;
    for number in [5001i32, 5002, 5003] {
        let id =
            insert_import_row(&mut client, "RecordRequest, CardNumber, CustomerCode", &[&2i32, &number, &100i32]).await;
        wait_for_status(&mut client, id).await;
    }
    let count =
        rows(&mut client, "SELECT COUNT(*) FROM multiMAXImport.dbo.DataImportTable WHERE RecordStatus <> 0", &[]).await;
    assert_eq!(count[0].get::<i32, _>(0), Some(3));
}
