//! Plugin hot-swap, end to end: the real runtime running the built
//! `versioned` test plugin, the job engine running, and events arriving over
//! HTTP on a loopback socket while versions are activated and rolled back
//! through the service layer (fixture: `common::plugin_host`).

mod common;

use chrono::{DateTime, Utc};
use common::plugin_host::{open_service, v, World};
use gatehouse::domain::{system_tenant, InstallId, JobId, StepStatus};
use gatehouse::gateway::PluginError;
use gatehouse::service::ServiceError;
use gatehouse::store::AuditFilter;
use gatehouse_core::{Clock, SystemClock};
use std::sync::Arc;
use std::time::Duration;

/// One activation or rollback: when the call began and returned, and what
/// became active.
struct Swap {
    began: DateTime<Utc>,
    ended: DateTime<Utc>,
    active: String,
}

/// The version a step must have run on, when it ran entirely between one
/// swap's end and the next one's beginning; `None` when it overlapped a swap.
fn version_while(swaps: &[Swap], started: DateTime<Utc>, finished: DateTime<Utc>) -> Option<&str> {
    let last = swaps.iter().rposition(|swap| swap.ended < started)?;
    let next_began = swaps.get(last + 1).map(|swap| swap.began);
    (next_began.is_none_or(|began| finished < began)).then_some(swaps[last].active.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_swap_under_load_runs_every_action_once_on_the_version_active_when_it_started() {
    const SWAPS: usize = 20;
    /// Jobs that must finish between two swaps, so every version serves steps
    /// however fast this machine runs them.
    const JOBS_PER_SWAP: usize = 10;
    let world = Arc::new(World::start(&["east", "west"]).await);
    let clock = SystemClock;
    let mut swaps = vec![Swap { began: clock.now(), ended: clock.now(), active: "1.0.0".into() }];

    // Distinct sign-ins, alternating between the installs, until the swapping is over.
    let posted = Arc::new(std::sync::Mutex::new(Vec::<JobId>::new()));
    let swapping = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let stream = tokio::spawn({
        let (world, posted, swapping) = (world.clone(), posted.clone(), swapping.clone());
        async move {
            for n in 0.. {
                if !swapping.load(std::sync::atomic::Ordering::SeqCst) {
                    return SystemClock.now();
                }
                let install = if n % 2 == 0 { "east" } else { "west" };
                let job = world.sign_in(install, n).await;
                posted.lock().unwrap().push(job);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            unreachable!("the loop only ends by returning")
        }
    });
    for swap in 0..SWAPS {
        world.wait_for_jobs(&posted, (swap + 1) * JOBS_PER_SWAP).await;
        let began = clock.now();
        let view = if swap % 2 == 0 {
            world.service.activate_plugin("test", "versioned", &v("2.0.0")).await.unwrap()
        } else {
            world.service.rollback_plugin("test", "versioned").await.unwrap()
        };
        let active = view.routing.active.expect("a version stays active").to_string();
        swaps.push(Swap { began, ended: clock.now(), active });
    }
    swapping.store(false, std::sync::atomic::Ordering::SeqCst);
    let last_posted = stream.await.unwrap();
    assert!(last_posted > swaps.last().unwrap().ended, "the events kept streaming through every swap");
    let jobs = posted.lock().unwrap().clone();
    let events = jobs.len();

    let finished = world.finished_steps(&jobs).await;
    // Nothing lost: one job per accepted event, each with its two steps.
    assert_eq!(finished.len(), events);
    let mut ran_on = std::collections::BTreeMap::<String, usize>::new();
    let mut pinned_by_swaps = 0;
    for (job, steps) in &finished {
        assert_eq!(steps.len(), 2, "{job}: {steps:?}");
        for step in steps {
            // Exactly once, from the host's side and from the plugin's.
            assert_eq!((step.status, step.attempts, step.runs), (StepStatus::Done, 1, 1), "{job}: {step:?}");
            assert_eq!(step.recorded_version, step.reported_version, "{job}: {step:?}");
            assert!(["1.0.0", "2.0.0"].contains(&step.recorded_version.as_str()), "{job}: {step:?}");
            if let Some(expected) = version_while(&swaps, step.started_at, step.finished_at) {
                assert_eq!(step.recorded_version, expected, "{job} ran between swaps: {step:?}");
                pinned_by_swaps += 1;
            }
            *ran_on.entry(step.recorded_version.clone()).or_default() += 1;
        }
    }
    println!(
        "{events} events, {SWAPS} swaps: steps per version {ran_on:?}, {pinned_by_swaps} ran wholly between two swaps"
    );
    assert_eq!(ran_on.len(), 2, "both versions served steps: {ran_on:?}");
    assert!(pinned_by_swaps > events, "most steps ran wholly between two swaps ({pinned_by_swaps} of {})", 2 * events);

    let audit = world
        .store
        .audit_entries(&system_tenant(), &AuditFilter { limit: 1000, ..AuditFilter::default() })
        .await
        .unwrap();
    let swaps_audited =
        audit.iter().filter(|e| e.action == "plugin.activated" || e.action == "plugin.rolled-back").count();
    assert_eq!(swaps_audited, SWAPS + 1, "the first activation and every swap");
}

#[tokio::test]
async fn a_canary_install_runs_the_new_version_while_the_others_keep_the_active_one() {
    let world = World::start(&["east", "west"]).await;
    let (tenant, west) = (world.tenant.clone(), InstallId::new("west"));
    let view = world.service.set_plugin_canary("test", "versioned", &tenant, &west, &v("2.0.0")).await.unwrap();
    assert_eq!(view.routing.active, Some(v("1.0.0")));
    assert_eq!(
        (view.routing.canaries[0].install_id.as_str(), &view.routing.canaries[0].version),
        ("west", &v("2.0.0"))
    );

    let jobs = [world.sign_in("east", 1).await, world.sign_in("west", 2).await];
    let finished = world.finished_steps(&jobs).await;
    let versions = |i: usize| finished[i].1.iter().map(|s| s.recorded_version.clone()).collect::<Vec<_>>();
    assert_eq!(versions(0), ["1.0.0", "1.0.0"], "east stays on the active version");
    assert_eq!(versions(1), ["2.0.0", "2.0.0"], "west is the canary");

    world.service.clear_plugin_canary("test", "versioned", &tenant, &west).await.unwrap();
    let finished = world.finished_steps(&[world.sign_in("west", 3).await]).await;
    assert!(finished[0].1.iter().all(|s| s.recorded_version == "1.0.0"), "{:?}", finished[0].1);

    // A canary names an install of this plugin.
    let error =
        world.service.set_plugin_canary("test", "versioned", &tenant, &InstallId::new("north"), &v("2.0.0")).await;
    assert!(matches!(error, Err(ServiceError::NotFound { what: "install", .. })), "{error:?}");
}

#[tokio::test]
async fn a_restart_restores_the_uploaded_versions_the_active_one_the_canaries_and_the_rollback_history() {
    let world = World::start(&["east", "west"]).await;
    let (tenant, west) = (world.tenant.clone(), InstallId::new("west"));
    world.service.activate_plugin("test", "versioned", &v("2.0.0")).await.unwrap();
    world.service.set_plugin_canary("test", "versioned", &tenant, &west, &v("1.0.0")).await.unwrap();
    let before = world.service.plugin("versioned").unwrap();

    let restarted = open_service(world.dir.path()).await;
    assert_eq!(restarted.plugin("versioned").unwrap(), before);
    let rolled_back = restarted.rollback_plugin("test", "versioned").await.unwrap();
    assert_eq!(rolled_back.routing.active, Some(v("1.0.0")));
}

#[tokio::test]
async fn a_component_that_fails_validation_is_refused_and_nothing_is_kept() {
    let world = World::start(&[]).await;
    let error = world.service.upload_plugin("test", b"not a component".to_vec()).await.unwrap_err();
    let ServiceError::Plugin(error) = error else { panic!("{error}") };
    assert!(matches!(error, PluginError::NotAComponent(_)) && !error.retryable(), "{error}");
    assert_eq!(world.store.uploaded_plugin_versions().await.unwrap().len(), 2, "v1 and v2 only");

    let error = world.service.activate_plugin("test", "versioned", &v("3.0.0")).await.unwrap_err();
    assert!(matches!(error, ServiceError::Plugin(PluginError::UnknownVersion { .. })), "{error}");
    assert_eq!(
        world.service.plugin("versioned").unwrap().routing.active,
        Some(v("1.0.0")),
        "a refused change changes nothing"
    );
}
