//! Card pools: a live number is never handed out twice, a retried allocation
//! gets the same number, an exhausted pool says so, and the pool follows the
//! number a PACS gave the card when the connector numbers its own.

use chrono::Utc;
use gatehouse::domain::{CardPool, Install, InstallId, Location, LocationId, Tenant, TenantId, TenantSettings};
use gatehouse::store::{IssuedCardHold, Store, StoreError};

async fn store_with_pool(min: u64, max: u64) -> (tempfile::TempDir, Store, TenantId, InstallId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("gatehouse.db")).await.unwrap();
    let tenant = TenantId::new("acme");
    let install = InstallId::new("hq-genetec");
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    tx.upsert_tenant(&Tenant { id: tenant.clone(), name: "Acme".into(), settings: TenantSettings::default() }, now)
        .await
        .unwrap();
    let location = Location {
        id: LocationId::new("hq"),
        tenant_id: tenant.clone(),
        name: "HQ".into(),
        time_zone: chrono_tz::Europe::Paris,
    };
    tx.upsert_location(&location, now).await.unwrap();
    let record = Install {
        id: install.clone(),
        tenant_id: tenant.clone(),
        location_id: location.id.clone(),
        plugin_id: "example".into(),
        config: serde_json::json!({}),
        grants: serde_json::json!({}),
        enabled: true,
    };
    tx.upsert_install(&record, None, now).await.unwrap();
    let pool = CardPool { facility_code: 100, format: "wiegand-standard-26".into(), min, max };
    tx.set_card_pools(&tenant, &install, &[pool]).await.unwrap();
    tx.commit().await.unwrap();
    (dir, store, tenant, install)
}

#[tokio::test]
async fn live_numbers_are_never_reissued_and_released_numbers_are_reused_lowest_first() {
    let (_dir, store, tenant, install) = store_with_pool(1000, 1004).await;
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    let mut numbers = Vec::new();
    for owner in ["visit:a", "visit:b", "visit:c"] {
        numbers.push(tx.allocate_card(&tenant, &install, 100, owner, now).await.unwrap().number);
    }
    assert_eq!(numbers, vec![1000, 1001, 1002]);
    // A retried step of the same owner gets its own number back.
    assert_eq!(tx.allocate_card(&tenant, &install, 100, "visit:b", now).await.unwrap().number, 1001);
    tx.release_cards(&tenant, &install, "visit:a").await.unwrap();
    assert_eq!(tx.allocate_card(&tenant, &install, 100, "visit:d", now).await.unwrap().number, 1000);
    assert_eq!(tx.allocate_card(&tenant, &install, 100, "visit:e", now).await.unwrap().number, 1003);
    assert_eq!(tx.live_cards(&tenant, &install, 100).await.unwrap(), vec![1000, 1001, 1002, 1003]);
}

#[tokio::test]
async fn an_exhausted_pool_is_an_error_never_a_wrap_around() {
    let (_dir, store, tenant, install) = store_with_pool(7, 8).await;
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    tx.allocate_card(&tenant, &install, 100, "visit:a", now).await.unwrap();
    tx.allocate_card(&tenant, &install, 100, "visit:b", now).await.unwrap();
    let err = tx.allocate_card(&tenant, &install, 100, "visit:c", now).await.unwrap_err();
    assert!(matches!(err, StoreError::PoolExhausted { facility_code: 100, min: 7, max: 8, .. }), "{err}");
    assert!(err.to_string().contains("exhausted"));
    let err = tx.allocate_card(&tenant, &install, 200, "visit:c", now).await.unwrap_err();
    assert!(matches!(err, StoreError::NoPool { facility_code: 200, .. }), "{err}");
}

#[tokio::test]
async fn another_tenant_cannot_see_an_install() {
    let (_dir, store, _tenant, install) = store_with_pool(1, 2).await;
    assert!(store.install(&TenantId::new("other"), &install).await.unwrap().is_none());
}

#[tokio::test]
async fn the_pool_follows_a_card_number_the_pacs_chose_itself() {
    let (_dir, store, tenant, install) = store_with_pool(1000, 1009).await;
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.allocate_card(&tenant, &install, 100, "visit:a", now).await.unwrap().number, 1000);
    assert_eq!(
        tx.hold_issued_card(&tenant, &install, "visit:a", 100, 1000, now).await.unwrap(),
        IssuedCardHold::AsAllocated
    );
    // The PACS numbered a's card 1003: the pool holds 1003 for a and 1000 is free again.
    assert_eq!(tx.hold_issued_card(&tenant, &install, "visit:a", 100, 1003, now).await.unwrap(), IssuedCardHold::Moved);
    assert_eq!(tx.live_cards(&tenant, &install, 100).await.unwrap(), vec![1003]);
    assert_eq!(tx.allocate_card(&tenant, &install, 100, "visit:b", now).await.unwrap().number, 1000);
    // A PACS number someone else holds is reported and changes nothing.
    let clash = tx.hold_issued_card(&tenant, &install, "visit:b", 100, 1003, now).await.unwrap();
    assert_eq!(clash, IssuedCardHold::HeldByOther("visit:a".into()));
    assert_eq!(tx.live_cards(&tenant, &install, 100).await.unwrap(), vec![1000, 1003]);
    // A number outside the pool frees the allocation no card uses.
    assert_eq!(tx.allocate_card(&tenant, &install, 100, "visit:c", now).await.unwrap().number, 1001);
    assert_eq!(
        tx.hold_issued_card(&tenant, &install, "visit:c", 100, 77, now).await.unwrap(),
        IssuedCardHold::OutsidePool
    );
    assert_eq!(tx.live_cards(&tenant, &install, 100).await.unwrap(), vec![1000, 1003]);
    // A card under a facility code with nothing allocated is held all the same.
    assert_eq!(tx.hold_issued_card(&tenant, &install, "visit:d", 100, 1005, now).await.unwrap(), IssuedCardHold::Moved);
    assert_eq!(tx.live_cards(&tenant, &install, 100).await.unwrap(), vec![1000, 1003, 1005]);
}
