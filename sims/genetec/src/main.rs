//! `gatehouse-sim-genetec`: run the Genetec Web SDK simulator standalone.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use gatehouse_sim_faults::FaultArgs;
use gatehouse_sim_genetec::{FixtureSource, GenetecSim, RedirectStatus, SimConfig, StreamListener};

/// A simulated Genetec Security Center Web SDK role.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Web SDK port (the role's default is 4590; 0 picks a free one).
    #[arg(long, default_value_t = 4590)]
    port: u16,
    /// Streaming port for `GET events` (the role's default is 4591).
    #[arg(long, default_value_t = 4591, conflicts_with = "no_stream_port")]
    stream_port: u16,
    /// Serve the event stream on the main port instead of redirecting.
    #[arg(long)]
    no_stream_port: bool,
    /// The role's BaseUri.
    #[arg(long, default_value = "/WebSdk")]
    base_path: String,
    /// Fixture file (JSON or TOML); the built-in default fixture otherwise.
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// Persist the directory to this file after every change (and load it at start).
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Serve HTTPS with a generated self-signed certificate.
    #[arg(long)]
    tls: bool,
    /// Extra host name or IP address for the certificate (repeatable; localhost and
    /// 127.0.0.1 are always included).
    #[arg(long = "tls-hostname")]
    tls_hostnames: Vec<String>,
    /// Seconds between KeepAlive lines on event streams.
    #[arg(long, default_value_t = 2)]
    keepalive_secs: u64,
    /// Redirect `GET events` with 307 instead of 302.
    #[arg(long)]
    redirect_307: bool,
    /// Extra latency of a session's first request, in milliseconds (the Directory log-on).
    #[arg(long, default_value_t = 0)]
    session_start_latency_ms: u64,
    #[command(flatten)]
    faults: FaultArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let config = SimConfig {
        bind: args.bind,
        port: args.port,
        stream: if args.no_stream_port {
            StreamListener::SamePort
        } else {
            StreamListener::SeparatePort(args.stream_port)
        },
        base_path: args.base_path,
        fixture: args.fixture.map_or(FixtureSource::Default, FixtureSource::File),
        state_file: args.state_file,
        tls: args.tls,
        tls_hostnames: ["localhost".to_string(), "127.0.0.1".to_string()]
            .into_iter()
            .chain(args.tls_hostnames)
            .collect(),
        keepalive_interval: Duration::from_secs(args.keepalive_secs.max(1)),
        session_start_latency: Duration::from_millis(args.session_start_latency_ms),
        events_redirect: if args.redirect_307 { RedirectStatus::TemporaryRedirect } else { RedirectStatus::Found },
        fault_plan: args.faults.plan(),
        clock: args.faults.clock()?,
        ..SimConfig::default()
    };
    let sim = GenetecSim::start(config).await?;
    println!("Genetec Web SDK simulator");
    println!("  Web SDK:  {}/", sim.base_url());
    println!("  Events:   {}", sim.stream_url());
    println!("  Controls: {}/state (badge, faults, fault-plan, sessions, clock, reset, cert)", sim.control_url());
    if !sim.fault_plan().is_empty() {
        println!("  Fault plan: {}", serde_json::to_string(&sim.fault_plan())?);
    }
    let directory = sim.state();
    for part in directory.licence.parts.iter().filter(|p| p.activated) {
        println!("  Application id ({}): {}", part.part, part.application_id);
    }
    for user in &directory.users {
        println!("  User {:<10} password {:<16} privileges {:?}", user.name, user.password, user.privileges);
    }
    println!("  Basic auth user name is \"{{user}};{{application id}}\".");
    if let Some(pem) = sim.cert_pem() {
        println!("  TLS certificate (also at {}/cert):\n{pem}", sim.control_url());
    }
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
