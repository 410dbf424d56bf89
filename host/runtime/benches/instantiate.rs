//! Instantiate-and-call of a no-op action: through the full runtime, next to
//! a bare-wasmtime floor running the same component with trapping stubs for
//! its imports and none of the host machinery (no limits, no grant, no WASI,
//! no log, no fiber). Both run in the same process; the summary at the end
//! prints the mean µs of each and their ratio.
//!
//! Run: `cargo xtask build-plugins && cargo bench -p gatehouse-runtime`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use gatehouse_runtime::contract::{Action, CallContext, ConnectorError, Outcome, PersonKind, PersonRef};
use gatehouse_runtime::persistence::SqliteState;
use gatehouse_runtime::{Backends, InstallGrant, InstallScope, MasterKey, MemoryLog, Runtime, RuntimeConfig};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};

const COMPONENT: &str = "hostile";

fn component_bytes() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../target/components/testing/{COMPONENT}.wasm"));
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!("cannot read {}: {error}; build the plugins first: `cargo xtask build-plugins`", path.display())
    })
}

fn noop_call() -> (CallContext, Action) {
    let context =
        CallContext { config: "{}".into(), params: r#"{"attack":"noop"}"#.into(), idempotency_key: "bench".into() };
    let action =
        Action::Activate(PersonRef { kind: PersonKind::Visitor, external_id: "v".into(), pacs_id: None, email: None });
    (context, action)
}

/// Mean time per iteration over everything criterion ran, warm-up included.
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

fn full_runtime(c: &mut Criterion, tally: &Tally) {
    let executor = tokio::runtime::Runtime::new().unwrap();
    let artifacts = tempfile::tempdir().unwrap();
    let runtime = executor.block_on(async {
        let state = SqliteState::in_memory().await.unwrap();
        let backends = Backends::new(state, &MasterKey::generate()).with_log(Arc::new(MemoryLog::default()));
        let runtime = Runtime::new(RuntimeConfig::new(artifacts.path()), backends).unwrap();
        let loaded = runtime.load_component(component_bytes()).await.unwrap();
        runtime.activate(&loaded.plugin_id, &loaded.version).unwrap();
        runtime
    });
    let grant = InstallGrant::new(InstallScope::new("bench", "install"), COMPONENT);
    let (context, action) = noop_call();
    c.bench_function("noop action: full runtime", |b| {
        b.iter_custom(|iterations| {
            let elapsed = executor.block_on(async {
                let start = Instant::now();
                for _ in 0..iterations {
                    runtime.run_action(&grant, &context, &action).await.unwrap();
                }
                start.elapsed()
            });
            tally.record(elapsed, iterations);
            elapsed
        })
    });
}

fn bare_wasmtime(c: &mut Criterion, tally: &Tally) {
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::new()));
    let engine = Engine::new(&config).unwrap();
    let component = Component::from_binary(&engine, &component_bytes()).unwrap();
    let mut linker = Linker::<()>::new(&engine);
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let pre = linker.instantiate_pre(&component).unwrap();
    let (context, action) = noop_call();
    c.bench_function("noop action: bare wasmtime floor", |b| {
        b.iter_custom(|iterations| {
            let start = Instant::now();
            for _ in 0..iterations {
                let mut store = Store::new(&engine, ());
                let instance = pre.instantiate(&mut store).unwrap();
                let interface =
                    instance.get_export_index(&mut store, None, "gatehouse:connector/actions@0.2.0").unwrap();
                let run_index = instance.get_export_index(&mut store, Some(&interface), "run").unwrap();
                let run = instance
                    .get_typed_func::<(&CallContext, &Action), (Result<Outcome, ConnectorError>,)>(
                        &mut store, run_index,
                    )
                    .unwrap();
                let (outcome,) = run.call(&mut store, (&context, &action)).unwrap();
                outcome.unwrap();
            }
            let elapsed = start.elapsed();
            tally.record(elapsed, iterations);
            elapsed
        })
    });
}

fn benches(c: &mut Criterion) {
    let (runtime, floor) = (Tally::default(), Tally::default());
    bare_wasmtime(c, &floor);
    full_runtime(c, &runtime);
    let (runtime, floor) = (runtime.mean_micros(), floor.mean_micros());
    println!("\ninstantiate-and-call of a no-op action ({COMPONENT}.wasm):");
    println!("  bare wasmtime floor: {floor:9.1} µs");
    println!("  full runtime:        {runtime:9.1} µs");
    println!("  ratio:               {:9.2}x", runtime / floor);
}

criterion_group!(instantiate, benches);

fn main() {
    instantiate();
    Criterion::default().configure_from_args().final_summary();
}
