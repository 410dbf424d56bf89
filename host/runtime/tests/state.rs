//! Durable state: unique-number pools and secrets sealed at rest.

mod support;

use gatehouse_runtime::persistence::{KvStore, SqliteState};
use gatehouse_runtime::{Backends, InstallScope, MasterKey, Runtime, RuntimeConfig};
use serde_json::json;
use support::{component, context, detail, grant, shared_artifact_dir, someone};

fn scope() -> InstallScope {
    InstallScope::new("tenant-1", "install-a")
}

#[tokio::test]
async fn allocation_hands_out_the_lowest_free_number_once_per_owner() {
    let kv = SqliteState::in_memory().await.unwrap();
    let allocate = |owner: &'static str| {
        let kv = kv.clone();
        async move { kv.allocate_unique(&scope(), "cards", 100..=104, owner).await.unwrap() }
    };
    assert_eq!(allocate("visit-1").await, Some(100));
    assert_eq!(allocate("visit-2").await, Some(101));
    // Idempotent: the same owner gets its number again.
    assert_eq!(allocate("visit-1").await, Some(100));

    // A number found taken in the PACS is skipped.
    kv.reserve_unique(&scope(), "cards", 102).await.unwrap();
    assert_eq!(allocate("visit-3").await, Some(103));

    // A released number is handed out again, lowest first.
    kv.release_unique(&scope(), "cards", 100).await.unwrap();
    assert_eq!(allocate("visit-4").await, Some(100));
}

#[tokio::test]
async fn an_exhausted_pool_says_so_and_never_wraps_around() {
    let kv = SqliteState::in_memory().await.unwrap();
    for owner in ["a", "b", "c"] {
        assert!(kv.allocate_unique(&scope(), "pins", 1..=3, owner).await.unwrap().is_some());
    }
    assert_eq!(kv.allocate_unique(&scope(), "pins", 1..=3, "d").await.unwrap(), None);
    // Another install's pool of the same name is its own.
    let other = InstallScope::new("tenant-1", "install-b");
    assert_eq!(kv.allocate_unique(&other, "pins", 1..=3, "d").await.unwrap(), Some(1));
}

#[tokio::test]
async fn concurrent_allocations_never_share_a_number() {
    let dir = tempfile::tempdir().unwrap();
    let kv = SqliteState::open(&dir.path().join("state.db")).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|owner| {
            let kv = kv.clone();
            tokio::spawn(async move {
                kv.allocate_unique(&scope(), "cards", 1..=1000, &format!("owner-{owner}")).await.unwrap().unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());
}

#[tokio::test]
async fn compare_and_swap_writes_only_over_the_expected_value() {
    let kv = SqliteState::in_memory().await.unwrap();
    assert!(kv.compare_and_swap(&scope(), "cursor", None, Some(b"1")).await.unwrap());
    assert!(!kv.compare_and_swap(&scope(), "cursor", None, Some(b"2")).await.unwrap());
    assert!(!kv.compare_and_swap(&scope(), "cursor", Some(b"0"), Some(b"2")).await.unwrap());
    assert!(kv.compare_and_swap(&scope(), "cursor", Some(b"1"), Some(b"2")).await.unwrap());
    assert_eq!(kv.get(&scope(), "cursor").await.unwrap(), Some(b"2".to_vec()));
    assert!(kv.compare_and_swap(&scope(), "cursor", Some(b"2"), None).await.unwrap());
    assert_eq!(kv.get(&scope(), "cursor").await.unwrap(), None);
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_yet_their_install_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("state.db");
    let state = SqliteState::open(&database).await.unwrap();
    let runtime =
        Runtime::new(RuntimeConfig::new(shared_artifact_dir()), Backends::new(state, &MasterKey::generate())).unwrap();
    let plaintext = "correct horse battery staple";
    runtime.secrets().set(&scope(), "vendor-password", plaintext).await.unwrap();

    let mut raw = Vec::new();
    for file in std::fs::read_dir(dir.path()).unwrap() {
        raw.extend(std::fs::read(file.unwrap().path()).unwrap());
    }
    assert!(raw.windows(b"vendor-password".len()).any(|w| w == b"vendor-password"), "the row was written");
    assert!(!raw.windows(plaintext.len()).any(|w| w == plaintext.as_bytes()), "the plaintext is on disk");

    let loaded = runtime.load_component(component("hostile")).await.unwrap();
    runtime.activate(&loaded.plugin_id, &loaded.version).unwrap();
    let params = json!({"attack": "secret", "name": "vendor-password"});
    let outcome = runtime.run_action(&grant("install-a", "hostile"), &context(params), &someone()).await.unwrap();
    assert_eq!(detail(&outcome), json!({"ok": plaintext}));
}
