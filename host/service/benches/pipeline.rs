//! Pipeline throughput with the durable SQLite queue, in one run:
//!
//! 1. intake alone: N visitor sign-ins posted over HTTP by concurrent
//!    clients with the job engine stopped (202s per second);
//! 2. engine alone: the engine started on that backlog, until every job is
//!    done (events per second through the built genetec.wasm against the
//!    in-process Genetec simulator);
//! 3. end to end: N more sign-ins posted while the engine runs, from the
//!    first post until every job is done.
//!
//! Set up with `gatehouse apply` (the same file as the crash-recovery test).
//! Run: `cargo bench -p gatehouse --bench pipeline` (`PIPELINE_EVENTS=<n>`).

#[path = "../tests/genetec_setup/mod.rs"]
mod genetec_setup;

use gatehouse::config::Config;
use gatehouse::domain::TenantId;
use gatehouse::jobs::Engine;
use gatehouse::service::Service;
use gatehouse_sim_genetec::{GenetecSim, SimConfig};
use genetec_setup::{post_event, sign_in, TENANT};
use std::time::{Duration, Instant};

const CLIENTS: usize = 8;

#[tokio::main]
async fn main() {
    let events: usize = std::env::var("PIPELINE_EVENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let sim = GenetecSim::start(SimConfig::default()).await.expect("the simulator starts");
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        plugins_dir: genetec_setup::plugins_dir(dir.path()),
        ..Config::default()
    };
    let service = gatehouse::boot::open(&config).await.expect("the data directory opens");
    let setup = genetec_setup::write_setup_file(dir.path(), &sim);
    gatehouse::declarative::apply_file(&service, &setup).await.expect("the set-up applies");
    let scope = gatehouse::domain::TokenScope::Tenant(gatehouse::domain::TenantId::new(TENANT));
    let token = service
        .create_token("bench", scope, gatehouse::domain::TokenAccess::ReadWrite, "pipeline bench")
        .await
        .unwrap()
        .secret;
    let base = serve(&service).await;

    let intake = post_all(&base, &token, "backlog", events).await;
    let engine_started = Instant::now();
    let stop = run_engine(&service, &config);
    drain(&service).await;
    let engine_alone = engine_started.elapsed();

    let end_to_end_started = Instant::now();
    post_all(&base, &token, "live", events).await;
    drain(&service).await;
    let end_to_end = end_to_end_started.elapsed();
    stop.send(true).ok();

    let rate = |elapsed: Duration| events as f64 / elapsed.as_secs_f64();
    println!("pipeline: {events} visitor sign-ins, {CLIENTS} concurrent HTTP clients, genetec.wasm against the Genetec simulator");
    println!("  intake alone (engine stopped): {:>8.1} events/s ({intake:.2?})", rate(intake));
    println!("  engine alone (backlog):        {:>8.1} events/s ({engine_alone:.2?})", rate(engine_alone));
    println!("  end to end (intake + engine):  {:>8.1} events/s ({end_to_end:.2?})", rate(end_to_end));
    println!("  intake / end to end:           {:>8.1}x", end_to_end.as_secs_f64() / intake.as_secs_f64());
}

/// Serves the intake on a loopback port; returns its base URL.
async fn serve(service: &Service) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = gatehouse::api::router(gatehouse::api::ApiState {
        service: service.clone(),
        body_limit: gatehouse::intake::DEFAULT_BODY_LIMIT,
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Posts `count` distinct sign-ins from `CLIENTS` concurrent clients; each must get its 202.
async fn post_all(base: &str, token: &str, prefix: &str, count: usize) -> Duration {
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client_no in 0..CLIENTS {
        let (base, token, prefix) = (base.to_string(), token.to_string(), prefix.to_string());
        clients.spawn(async move {
            let client = reqwest::Client::new();
            for i in (client_no..count).step_by(CLIENTS) {
                let id = format!("{prefix}-{i}");
                let status = post_event(&client, &base, &token, &sign_in(&id, &id)).await.expect("the intake answers");
                assert_eq!(status, 202, "event {id}");
            }
        });
    }
    while let Some(done) = clients.join_next().await {
        done.unwrap();
    }
    started.elapsed()
}

fn run_engine(service: &Service, config: &Config) -> tokio::sync::watch::Sender<bool> {
    let engine = Engine::new(service.clone(), config.engine_config());
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(engine.run(Duration::from_secs(1), async move {
        stopped.changed().await.ok();
    }));
    stop
}

/// Waits until no job is queued or running; none may have failed.
async fn drain(service: &Service) {
    let tenant = TenantId::new(TENANT);
    loop {
        let mut open = 0;
        for status in ["queued", "running"] {
            open += jobs_with_status(service, &tenant, status).await.len();
        }
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for status in ["failed", "dead"] {
        assert!(jobs_with_status(service, &tenant, status).await.is_empty(), "{status} jobs");
    }
}

async fn jobs_with_status(service: &Service, tenant: &TenantId, status: &str) -> Vec<gatehouse::store::JobRecord> {
    let query = gatehouse::service::JobQuery { status: Some(status.into()), limit: u32::MAX, ..Default::default() };
    service.jobs(tenant, &query).await.unwrap()
}
