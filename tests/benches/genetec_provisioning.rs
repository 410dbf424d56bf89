//! Visitor provisioning against one in-process Genetec Web SDK simulator: the built
//! `genetec.wasm` in the real host (through the SDK harness: grants, secrets, kv in
//! SQLite, a fresh instance per call), next to a raw-HTTP floor that sends the same
//! Web SDK requests straight from reqwest with the same Basic `user;appId` session.
//!
//! Two actions, each iteration a new visitor (a new external id): `upsert-person`, and
//! the full provisioning, `upsert-person` then `set-access-window`. Before measuring,
//! the set-up checks that both paths send the same number of Web SDK requests and
//! leave the same visitor behind, so the floor stays the same work if the connector
//! changes. The simulator is reset before every sample so its directory stays small.
//! The summary at the end prints, per action, the mean µs and actions per second of
//! each path and their ratio, all measured in this run.
//!
//! Run: `cargo xtask build-plugins && cargo bench -p gatehouse-tests --bench genetec_provisioning`.

#[path = "../tests/genetec_common/mod.rs"]
mod genetec_common;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat};
use criterion::measurement::WallTime;
use criterion::{criterion_group, BenchmarkGroup, Criterion, Throughput};
use gatehouse_sdk_harness::contract::{AccessWindow, Action, PersonRef};
use gatehouse_sdk_harness::Connector;
use gatehouse_sim_genetec::{FaultKind, FaultRule, FaultTiming, RunningSim};
use genetec_common::{config, connector, upsert, visitor, visitors_with, window, windowed};
use genetec_common::{ENVOY_APP_ID, ENVOY_PASSWORD, ENVOY_USER};
use reqwest::header::{ACCEPT, CONTENT_LENGTH};
use reqwest::Method;
use serde_json::{json, Value};

/// What one iteration provisions.
#[derive(Debug, Clone, Copy)]
enum Provisioning {
    Upsert,
    UpsertAndWindow,
}

impl Provisioning {
    const ALL: [Provisioning; 2] = [Provisioning::Upsert, Provisioning::UpsertAndWindow];

    fn name(self) -> &'static str {
        match self {
            Provisioning::Upsert => "upsert-person",
            Provisioning::UpsertAndWindow => "upsert-person + set-access-window",
        }
    }

    /// Connector actions per visitor provisioned.
    fn actions(self) -> u32 {
        match self {
            Provisioning::Upsert => 1,
            Provisioning::UpsertAndWindow => 2,
        }
    }
}

/// A new external id per visitor, fixed-width so that no id is a prefix of another
/// (the Description search matches prefixes).
fn fresh_external_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("bench-{:09}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The connector in the host, as the end-to-end tests start it.
struct ThroughHost {
    connector: Connector,
    window: AccessWindow,
}

impl ThroughHost {
    async fn provision(&self, who: PersonRef, what: Provisioning) {
        self.connector.run(upsert(who.clone()), json!({})).await.expect("upsert-person succeeds");
        if let Provisioning::UpsertAndWindow = what {
            let action = Action::SetAccessWindow(windowed(who, self.window));
            self.connector.run(action, json!({})).await.expect("set-access-window succeeds");
        }
    }
}

/// The requests `plugins/genetec` sends for these actions on a warm session, written
/// out by hand: the Description search, the creating query, then the read by GUID and
/// the Arrival/Departure write.
struct RawWebSdk {
    http: reqwest::Client,
    base_url: String,
    arrival: String,
    departure: String,
}

impl RawWebSdk {
    fn new(sim: &RunningSim, window: &AccessWindow) -> Self {
        let iso = |millis| {
            DateTime::from_timestamp_millis(millis).expect("a valid instant").to_rfc3339_opts(SecondsFormat::Secs, true)
        };
        RawWebSdk {
            // Like the host's client: no redirects, no proxy, connections kept alive.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("a client"),
            base_url: sim.base_url(),
            arrival: iso(window.starts_at),
            departure: iso(window.ends_at),
        }
    }

    async fn provision(&self, who: PersonRef, what: Provisioning) {
        let stamp = format!("gatehouse:{}", who.external_id);
        let search =
            format!("/report/EntityConfiguration?q=EntityTypes@Visitor,Description={stamp},Page=1,PageSize=200");
        let found = self.send(Method::GET, &search).await;
        assert!(found["Rsp"]["Result"].as_array().is_none_or(Vec::is_empty), "a new external id finds no visitor");
        let fields = "Name=Grace%20Hopper,FirstName=Grace,LastName=Hopper";
        let created = self
            .send(Method::POST, &format!("/entity?q=entity=NewEntity(Visitor),{fields},Description={stamp},Guid"))
            .await;
        let guid = created["Rsp"]["Result"]["Guid"].as_str().expect("the created visitor's GUID");
        if let Provisioning::UpsertAndWindow = what {
            let read = "Guid,Name,FirstName,LastName,EmailAddress,MobilePhoneNumber,Status,Groups,Credentials,Arrival,Departure,CheckinDate";
            self.send(Method::GET, &format!("/entity?q=entity={guid},{read}")).await;
            let window = format!("Arrival={},Departure={}", self.arrival, self.departure);
            self.send(Method::POST, &format!("/entity?q=entity={guid},{window}")).await;
        }
    }

    async fn send(&self, method: Method, path: &str) -> Value {
        let post = method == Method::POST;
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .basic_auth(format!("{ENVOY_USER};{ENVOY_APP_ID}"), Some(ENVOY_PASSWORD))
            .header(ACCEPT, "text/json");
        if post {
            // The role answers 411 to a POST without it (spec §3.2).
            request = request.header(CONTENT_LENGTH, "0").body(Vec::new());
        }
        let response = request.send().await.expect("the simulator answers");
        assert!(response.status().is_success(), "{path} answered {}", response.status());
        let envelope: Value = response.json().await.expect("a text/json envelope");
        assert_eq!(envelope["Rsp"]["Status"], "Ok", "{path} answered {envelope}");
        envelope
    }
}

/// How many Web SDK requests `work` sends: a zero-latency fault rule counts them down.
async fn web_sdk_requests(sim: &RunningSim, work: impl Future<Output = ()>) -> u64 {
    const BUDGET: u32 = 1000;
    let rule = FaultRule {
        kind: FaultKind::Latency { millis: 0 },
        count: Some(BUDGET),
        matching: None,
        when: FaultTiming::Before,
    };
    let id = sim.add_fault(rule);
    work.await;
    let faults: Value = reqwest::get(format!("{}/faults", sim.control_url())).await.unwrap().json().await.unwrap();
    sim.clear_faults();
    let remaining = faults
        .as_array()
        .into_iter()
        .flatten()
        .find(|fault| fault["id"] == id)
        .map_or(0, |fault| fault["count"].as_u64().unwrap());
    u64::from(BUDGET) - remaining
}

/// Name, stamp and window of the one visitor carrying `external_id`.
fn visitor_record(sim: &RunningSim, external_id: &str) -> Value {
    let found = visitors_with(sim, external_id);
    assert_eq!(found.len(), 1, "exactly one visitor carries {external_id}");
    let v = &found[0];
    json!({
        "name": v.header.name, "first": v.person.first_name, "last": v.person.last_name,
        "description": v.header.description.replace(external_id, "{id}"), "arrival": v.arrival, "departure": v.departure,
    })
}

/// Both paths send the same requests and leave the same visitor behind.
async fn check_same_work(sim: &RunningSim, host: &ThroughHost, raw: &RawWebSdk) {
    // The connector's first call also warms the session (a ping); measured calls do not.
    host.provision(visitor(&fresh_external_id()), Provisioning::Upsert).await;
    for what in Provisioning::ALL {
        let (host_id, raw_id) = (fresh_external_id(), fresh_external_id());
        let host_requests = web_sdk_requests(sim, host.provision(visitor(&host_id), what)).await;
        let raw_requests = web_sdk_requests(sim, raw.provision(visitor(&raw_id), what)).await;
        assert_eq!(host_requests, raw_requests, "{}: the raw floor must send the connector's requests", what.name());
        assert_eq!(
            visitor_record(sim, &host_id),
            visitor_record(sim, &raw_id),
            "{}: both paths leave the same visitor",
            what.name()
        );
    }
}

/// Mean time per provisioned visitor over everything criterion ran, warm-up included.
#[derive(Default)]
struct Tally(Mutex<(Duration, u64)>);

impl Tally {
    fn record(&self, elapsed: Duration, iterations: u64) {
        let mut tally = self.0.lock().unwrap();
        tally.0 += elapsed;
        tally.1 += iterations;
    }

    fn mean_micros(&self) -> f64 {
        let (elapsed, iterations) = *self.0.lock().unwrap();
        elapsed.as_secs_f64() * 1e6 / iterations.max(1) as f64
    }
}

/// One criterion function: `iterations` provisionings of new visitors, on a reset simulator.
fn measure<Fut: Future<Output = ()>>(
    group: &mut BenchmarkGroup<WallTime>,
    name: &str,
    (executor, sim): (&tokio::runtime::Runtime, &RunningSim),
    tally: &Tally,
    provision: impl Fn(PersonRef) -> Fut,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iterations| {
            sim.reset();
            let elapsed = executor.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    provision(visitor(&fresh_external_id())).await;
                }
                start.elapsed()
            });
            tally.record(elapsed, iterations);
            elapsed
        })
    });
}

fn benches(c: &mut Criterion) {
    let executor = tokio::runtime::Runtime::new().unwrap();
    let sim = executor.block_on(genetec_common::sim());
    let window = window(&sim, 0, 120);
    let host = ThroughHost { connector: executor.block_on(connector(&sim, config(&sim, json!({})))), window };
    let raw = RawWebSdk::new(&sim, &window);
    executor.block_on(check_same_work(&sim, &host, &raw));

    let mut summary = Vec::new();
    for what in Provisioning::ALL {
        let (through_host, floor) = (Tally::default(), Tally::default());
        let mut group = c.benchmark_group(what.name());
        group
            .throughput(Throughput::Elements(what.actions().into()))
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        let (raw, host) = (&raw, &host);
        measure(&mut group, "raw HTTP floor", (&executor, &sim), &floor, move |who| raw.provision(who, what));
        measure(&mut group, "through the host", (&executor, &sim), &through_host, move |who| host.provision(who, what));
        group.finish();
        let per_action = |tally: &Tally| tally.mean_micros() / f64::from(what.actions());
        summary.push((what, per_action(&through_host), per_action(&floor)));
    }

    println!(
        "\nvisitor provisioning against the in-process Genetec simulator, µs per action (mean of every iteration):"
    );
    for (what, through_host, floor) in summary {
        println!(
            "  {:<34} host {through_host:8.1} µs ({:6.0} actions/s)   raw HTTP {floor:8.1} µs ({:6.0} actions/s)   host/raw {:5.2}x",
            what.name(),
            1e6 / through_host,
            1e6 / floor,
            through_host / floor
        );
    }
    executor.block_on(sim.shutdown());
}

criterion_group!(genetec_provisioning, benches);

fn main() {
    genetec_provisioning();
    Criterion::default().configure_from_args().final_summary();
}
