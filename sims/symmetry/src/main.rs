//! `gatehouse-sim-symmetry`: runs the Symmetry simulator standalone, e.g.
//! `cargo run -p gatehouse-sim-symmetry -- --port 1433`, and prints how to connect.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, ValueEnum};
use gatehouse_sim_faults::FaultArgs;
use gatehouse_sim_symmetry::{EncryptionPolicy, Fixture, Login, SimConfig, SymmetrySim};

#[derive(Debug, Parser)]
#[command(about = "A TDS (SQL Server) simulator of the AMAG Symmetry databases")]
struct Args {
    /// TDS port (SQL Server's default is 1433; 0 picks a free one).
    #[arg(long, default_value_t = 1433)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port of the HTTP control API (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    control_port: u16,
    /// Run without the control API.
    #[arg(long)]
    no_control: bool,
    /// Fixture JSON replacing the bundled default (fixtures/default.json).
    #[arg(long)]
    fixture: Option<PathBuf>,
    /// How often the import processor runs: "10s", "500ms", "2m".
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    process_interval: Duration,
    /// An extra SQL login with access to every database, as user:password (repeatable).
    #[arg(long = "user", value_parser = parse_login)]
    users: Vec<Login>,
    #[arg(long, value_enum, default_value_t = Encryption::Supported)]
    encryption: Encryption,
    /// The SMS server's time zone (GETDATE() and processor timestamps), e.g. America/New_York.
    #[arg(long, default_value = "UTC")]
    time_zone: chrono_tz::Tz,
    /// Server name reported in messages and @@SERVERNAME.
    #[arg(long, default_value = "SYMMETRY-SIM")]
    server_name: String,
    #[command(flatten)]
    faults: FaultArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Encryption {
    /// Encrypt when the client asks (login-only or full).
    Supported,
    /// Every connection encrypted ("Force Encryption").
    Required,
    /// No TLS at all.
    Unsupported,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("'{text}' is not a duration like 10s or 500ms"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        other => Err(format!("unknown duration unit '{other}' (use ms, s or m)")),
    }
}

fn parse_login(text: &str) -> Result<Login, String> {
    let (user, password) = text.split_once(':').ok_or("expected user:password")?;
    if user.is_empty() {
        return Err("the user name is empty".into());
    }
    Ok(Login::new(user, password))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let fixture = match &args.fixture {
        Some(path) => Fixture::from_file(path)?,
        None => Fixture::default_fixture(),
    };
    if args.process_interval.is_zero() {
        bail!("--process-interval must be greater than zero");
    }
    let config = SimConfig {
        tds_addr: SocketAddr::new(args.host, args.port),
        control_addr: (!args.no_control).then(|| SocketAddr::new(args.host, args.control_port)),
        fixture,
        extra_logins: args.users,
        process_interval: args.process_interval,
        encryption: match args.encryption {
            Encryption::Supported => EncryptionPolicy::Supported,
            Encryption::Required => EncryptionPolicy::Required,
            Encryption::Unsupported => EncryptionPolicy::Unsupported,
        },
        time_zone: args.time_zone,
        server_name: args.server_name,
        fault_plan: args.faults.plan(),
        clock: args.faults.clock()?,
        ..SimConfig::default()
    };
    let sim = SymmetrySim::start(config).await.context("starting the Symmetry simulator")?;

    let addr = sim.tds_addr();
    println!("Symmetry simulator (SQL Server over TDS) listening on {addr}");
    println!("  databases: multiMAX, multiMAXImport (also master, multiMaxExport, multiMAXTxn)");
    match (sim.cert_pem(), sim.control_url()) {
        (Some(_), Some(url)) => println!("  encryption: {:?}; self-signed certificate at {url}/cert", args.encryption),
        (Some(_), None) => println!("  encryption: {:?}; self-signed certificate made at start", args.encryption),
        (None, _) => println!("  encryption: unsupported (plaintext only)"),
    }
    println!("  import processor interval: {:?}", args.process_interval);
    if let Some(url) = sim.control_url() {
        println!(
            "  control API: {url}  (GET /state, POST /processor/pause|resume|run, POST/DELETE /faults, \
             GET/PUT/DELETE /fault-plan, GET/PUT /clock, POST /fixture)"
        );
    }
    if !sim.fault_plan().is_empty() {
        println!("  fault plan: {}", serde_json::to_string(&sim.fault_plan())?);
    }
    for login in sim.logins() {
        println!(
            "  login: {} / {}  databases: {}",
            login.user,
            login.password,
            if login.databases.is_empty() { "all".to_string() } else { login.databases.join(", ") }
        );
    }
    println!("  try: TDSVER=7.4 tsql -H {} -p {} -U <login> -P <password>", addr.ip(), addr.port());

    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
