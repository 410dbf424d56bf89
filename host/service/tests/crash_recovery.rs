//! Crash recovery, end to end: the real `gatehouse` binary (set up with
//! `gatehouse apply`) runs the built genetec.wasm against the Genetec
//! simulator, and is SIGKILLed at random points of a burst of visitor events
//! and restarted. The client keeps re-sending every event that did not get
//! its 202 (redelivery is deduped by `event_id`). In the vendor's state every
//! visit is applied exactly once: one visitor each, one PIN each, and the
//! signed-out ones checked out, or never created when their sign-out was
//! planned before their sign-in ran (a visit that is over is not provisioned).
//!
//! The seed is printed; `CRASH_SEED=<n>` replays a run.

#[path = "genetec_setup/mod.rs"]
mod genetec_setup;

use gatehouse::domain::TenantId;
use gatehouse_sim_genetec::{GenetecSim, SimConfig};
use genetec_setup::{post_event, sign_in, sign_out, visitors_of, INSTALL, TENANT};
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::VecDeque;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const VISITS: usize = 45;
/// Every third visit also signs out.
const SIGN_OUT_EVERY: usize = 3;
const KILLS: usize = 5;
/// A child lives this long (uniformly random) before its SIGKILL.
const LIFETIME_MS: std::ops::Range<u64> = 150..1500;
/// The client's pause between events, so the burst spans several lives.
const PACE: Duration = Duration::from_millis(20);
/// Fixed, so the sealed secrets written by `apply` open in every child.
const MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// Sign-ins with each visit's sign-out two visits later, in sending order.
fn burst() -> Vec<(String, Value)> {
    let mut events = Vec::new();
    let visit = |i: usize| format!("visit-{i:03}");
    let signs_out = |i: usize| i.is_multiple_of(SIGN_OUT_EVERY);
    for i in 0..VISITS + 2 {
        if i < VISITS {
            events.push((format!("in-{i}"), sign_in(&format!("in-{i}"), &visit(i))));
        }
        if i >= 2 && signs_out(i - 2) {
            events.push((format!("out-{}", i - 2), sign_out(&format!("out-{}", i - 2), &visit(i - 2))));
        }
    }
    events
}

fn gatehouse(root: &Path, plugins: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command
        .env("GATEHOUSE_DATA_DIR", root.join("data"))
        .env("GATEHOUSE_PLUGINS_DIR", plugins)
        .env("GATEHOUSE_MASTER_KEY", MASTER_KEY)
        .env("RUST_LOG", "warn");
    command
}

/// Starts `gatehouse serve` on a fresh loopback port; returns once it answers.
async fn start(root: &Path, plugins: &Path, run: usize) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = std::fs::File::create(root.join(format!("serve-{run}.log"))).unwrap();
    let mut child = gatehouse(root, plugins)
        .arg("serve")
        .env("GATEHOUSE_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("gatehouse serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("gatehouse serve exited with {status}; see serve-{run}.log");
        }
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
            return (child, base);
        }
        assert!(Instant::now() < deadline, "gatehouse serve did not answer within 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends the pending events in order until all are accepted or `lifetime`
/// ends; an event leaves the queue only with its 202.
async fn send_until(pending: &mut VecDeque<(String, Value)>, base: &str, token: &str, lifetime: Duration) -> usize {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let deadline = tokio::time::Instant::now() + lifetime;
    let mut accepted = 0;
    while let Some((id, event)) = pending.front() {
        match tokio::time::timeout_at(deadline, post_event(&client, base, token, event)).await {
            Err(_elapsed) => break,
            Ok(Ok(status)) if status == 202 => {
                pending.pop_front();
                accepted += 1;
                tokio::time::sleep(PACE).await;
            }
            Ok(Ok(status)) => panic!("event {id} got {status}"),
            Ok(Err(_connection)) => break,
        }
    }
    tokio::time::sleep_until(deadline).await;
    accepted
}

/// Waits until the store holds no queued or running job (bounded); returns
/// how many steps ran more than once (a kill caught them running).
async fn settle(root: &Path) -> usize {
    let store = gatehouse::store::Store::open(&root.join("data/gatehouse.db")).await.unwrap();
    let tenant = TenantId::new(TENANT);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut open = 0;
        for status in ["queued", "running"] {
            open += store.jobs_with_status(&tenant, status).await.unwrap().len();
        }
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} jobs still open after 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for status in ["failed", "dead"] {
        let jobs = store.jobs_with_status(&tenant, status).await.unwrap();
        assert!(jobs.is_empty(), "{} {status} jobs: {jobs:?}", jobs.len());
    }
    let mut rerun = 0;
    for job in store.jobs_with_status(&tenant, "done").await.unwrap() {
        rerun += store.steps(&tenant, &job.id).await.unwrap().iter().filter(|step| step.attempts > 1).count();
    }
    store.close().await;
    rerun
}

/// How many of `visits` had their sign-in job ignored because the visit was over when it came to run.
async fn never_admitted(root: &Path, visits: &[String]) -> usize {
    let store = gatehouse::store::Store::open(&root.join("data/gatehouse.db")).await.unwrap();
    let (tenant, install) = (TenantId::new(TENANT), gatehouse::domain::InstallId::new(INSTALL));
    let mut ignored = 0;
    for visit in visits {
        let subject = gatehouse::domain::Subject::Visit(gatehouse::domain::VisitId::new(visit));
        let jobs = store.jobs_for_subject(&tenant, &install, &subject).await.unwrap();
        let first = jobs.first().map(|j| j.status.clone());
        if matches!(first, Some(gatehouse::domain::JobStatus::Ignored(reason)) if reason.contains("not provisioned again"))
        {
            ignored += 1;
        }
    }
    store.close().await;
    ignored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_visit_is_applied_exactly_once_across_sigkills() {
    let seed = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(rand::random::<u64>);
    println!("crash-recovery seed: {seed} (replay with CRASH_SEED={seed})");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let sim = GenetecSim::start(SimConfig::default()).await.expect("the simulator starts");
    let fixture_credentials = sim.state().credentials.len();
    let dir = tempfile::tempdir().unwrap();
    let (root, plugins) = (dir.path(), genetec_setup::plugins_dir(dir.path()));

    let setup = genetec_setup::write_setup_file(root, &sim);
    let applied = gatehouse(root, &plugins).arg("apply").arg(&setup).output().unwrap();
    assert!(applied.status.success(), "gatehouse apply failed: {}", String::from_utf8_lossy(&applied.stderr));
    let created = gatehouse(root, &plugins).args(["token", "create", "--tenant", TENANT]).output().unwrap();
    assert!(created.status.success(), "gatehouse token create failed: {}", String::from_utf8_lossy(&created.stderr));
    let token = String::from_utf8(created.stdout).unwrap().trim().to_string();

    let mut pending: VecDeque<_> = burst().into();
    let total = pending.len();
    for run in 0..KILLS {
        let (mut child, base) = start(root, &plugins, run).await;
        let lifetime = Duration::from_millis(rng.gen_range(LIFETIME_MS));
        let accepted = send_until(&mut pending, &base, &token, lifetime).await;
        child.kill().unwrap(); // SIGKILL on unix
        child.wait().unwrap();
        println!("run {run}: killed after {lifetime:?}, {accepted} events accepted, {} pending", pending.len());
    }
    let (mut child, base) = start(root, &plugins, KILLS).await;
    while !pending.is_empty() {
        send_until(&mut pending, &base, &token, Duration::from_millis(500)).await;
        assert!(started.elapsed() < Duration::from_secs(90), "events still refused after 90 s");
    }
    let rerun = settle(root).await;
    let state = sim.state();
    child.kill().unwrap();
    child.wait().unwrap();

    let mut never_created = Vec::new();
    for i in 0..VISITS {
        let visit = format!("visit-{i:03}");
        let (live, archived) = visitors_of(&state, &visit);
        let pins = |owner: uuid::Uuid| state.credentials.values().filter(|c| c.cardholder == Some(owner)).count();
        if i % SIGN_OUT_EVERY == 0 {
            assert!(live.is_empty() && archived.len() <= 1, "{visit} signed out: live {live:?}, archived {archived:?}");
            match archived.first() {
                Some(archived) => {
                    assert_eq!(pins(archived.header.guid), 0, "{visit} checked out still holds credentials")
                }
                None => never_created.push(visit),
            }
        } else {
            assert!(archived.is_empty() && live.len() == 1, "{visit} signed in: live {live:?}, archived {archived:?}");
            assert_eq!(pins(live[0].header.guid), 1, "{visit} must hold exactly one PIN");
        }
    }
    let signed_in = (0..VISITS).filter(|i| i % SIGN_OUT_EVERY != 0).count();
    assert_eq!(state.credentials.len() - fixture_credentials, signed_in, "credentials no visitor holds");
    let stamped = state
        .visitors
        .values()
        .chain(state.archived_visitors.values())
        .filter(|v| v.header.description.starts_with("gatehouse:"));
    assert_eq!(stamped.count(), VISITS - never_created.len(), "visitors the burst did not ask for");
    assert_eq!(
        never_admitted(root, &never_created).await,
        never_created.len(),
        "visits that are over are not provisioned"
    );
    println!(
        "{total} events, {KILLS} SIGKILLs ({rerun} steps ran again after a kill), install {INSTALL}: settled in {:?}",
        started.elapsed()
    );
}

/// The jobs of one visit, oldest first, once none is queued or running (bounded).
async fn visit_jobs_settled(root: &Path, visit: &str) -> Vec<gatehouse::store::JobRecord> {
    let store = gatehouse::store::Store::open(&root.join("data/gatehouse.db")).await.unwrap();
    let (tenant, install) = (TenantId::new(TENANT), gatehouse::domain::InstallId::new(INSTALL));
    let subject = gatehouse::domain::Subject::Visit(gatehouse::domain::VisitId::new(visit));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let jobs = store.jobs_for_subject(&tenant, &install, &subject).await.unwrap();
        if !jobs.is_empty() && jobs.iter().all(|j| j.status.is_finished()) {
            store.close().await;
            return jobs;
        }
        assert!(Instant::now() < deadline, "{visit}'s jobs still open after 60 s: {jobs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The SIGKILL lands after Security Center created the visitor and before Gatehouse heard of it
/// (the simulator answers the creating request 30 s late). After the restart the step runs again,
/// a later step fails for good, the compensation runs, and the operator's redrive runs every step
/// again under fresh keys: each time the visitor is found by its marker, never created twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_between_the_vendor_effect_and_its_record_then_a_redrive_leaves_one_visitor() {
    use gatehouse_sim_genetec::{FaultKind, FaultRule, FaultTiming};
    let sim = GenetecSim::start(SimConfig::default()).await.expect("the simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let (root, plugins) = (dir.path(), genetec_setup::plugins_dir(dir.path()));
    let setup = genetec_setup::write_setup_file(root, &sim);
    assert!(gatehouse(root, &plugins).arg("apply").arg(&setup).output().unwrap().status.success());
    let created = gatehouse(root, &plugins).args(["token", "create", "--tenant", TENANT]).output().unwrap();
    let token = String::from_utf8(created.stdout).unwrap().trim().to_string();
    let late = |kind, when| FaultRule { kind, count: Some(1), matching: Some("NewEntity(Visitor)".into()), when };
    sim.add_fault(late(FaultKind::Latency { millis: 30_000 }, FaultTiming::After));

    let (mut child, base) = start(root, &plugins, 0).await;
    let client = reqwest::Client::new();
    assert_eq!(post_event(&client, &base, &token, &sign_in("in-1", "crash-1")).await.unwrap(), 202);
    let deadline = Instant::now() + Duration::from_secs(30);
    while visitors_of(&sim.state(), "crash-1").0.is_empty() {
        assert!(Instant::now() < deadline, "the visitor was never created");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL on unix, while the creating request waits for its answer
    child.wait().unwrap();

    let fail = FaultKind::FailEnvelope { sdk_error_code: "InsufficientPrivileges".into(), message: "injected".into() };
    sim.add_fault(FaultRule {
        kind: fail,
        count: Some(1),
        matching: Some("Arrival=".into()),
        when: FaultTiming::Before,
    });
    let (mut child, base) = start(root, &plugins, 1).await;
    let jobs = visit_jobs_settled(root, "crash-1").await;
    assert!(jobs[0].status.is_stopped(), "{jobs:?}");
    assert_eq!(jobs[1].compensates.as_ref(), Some(&jobs[0].id), "{jobs:?}");
    let (live, _) = visitors_of(&sim.state(), "crash-1");
    assert_eq!(live.len(), 1, "one visitor after the restart: {live:?}");

    let redrive = format!("{base}/v1/tenants/{TENANT}/jobs/{}/redrive", jobs[0].id);
    let answer = client.post(redrive).bearer_auth(&token).send().await.unwrap();
    assert_eq!(answer.status(), 204, "{}", answer.text().await.unwrap());
    let jobs = visit_jobs_settled(root, "crash-1").await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(jobs[0].status, gatehouse::domain::JobStatus::Done, "{jobs:?}");
    let state = sim.state();
    let (live, archived) = visitors_of(&state, "crash-1");
    assert!(live.len() == 1 && archived.is_empty(), "exactly one visitor: live {live:?}, archived {archived:?}");
    let pins = state.credentials.values().filter(|c| c.cardholder == Some(live[0].header.guid)).count();
    assert_eq!(pins, 1, "the redrive gave the visitor its PIN again");
}
