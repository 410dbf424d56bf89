//! The `gatehouse` command line.
//!
//! `gatehouse serve` runs the management API, the intake and the job engine
//! on embedded defaults (SQLite under ./data, the plugins built into
//! ./target/components, 127.0.0.1:8080); a TOML file and `GATEHOUSE_*`
//! variables change them (see `gatehouse::config`). It logs JSON lines, one
//! span per request carrying its `x-request-id`; `GATEHOUSE_LOG_FORMAT=text`
//! gives human-readable lines instead.
//!
//! `gatehouse apply <file.toml>` declares tenants, locations, installs and
//! policies (see `gatehouse::declarative`). `gatehouse token create` makes a
//! token offline against the same data directory: the first admin token
//! cannot come from the API.

use anyhow::Context;
use clap::{Parser, Subcommand};
use gatehouse::api::ApiState;
use gatehouse::cli::{
    InstallCommand, JobCommand, PluginCommand, PolicyCommand, Remote, TenantCommand, TokenApiCommand,
};
use gatehouse::config::Config;
use gatehouse::domain::{TenantId, TokenAccess, TokenScope};
use gatehouse::jobs::Engine;
use gatehouse::jobs::{BadgePoller, WebhookSender};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "gatehouse", version, about = "Connects visitor management to physical access control.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    remote: Remote,
}

#[derive(Subcommand)]
enum Command {
    /// Run the management API, the event intake and the job engine.
    Serve {
        /// A TOML config file; every setting has a default.
        #[arg(long, env = "GATEHOUSE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Create or update tenants, locations, installs, secrets and policies from a TOML file
    /// (see `gatehouse::declarative`); re-applying an unchanged file changes nothing.
    Apply {
        /// The declarative set-up file.
        file: PathBuf,
        /// The same config file as `serve` (data dir, plugins dir).
        #[arg(long, env = "GATEHOUSE_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Tenants, locations and delivery settings (SMTP, e-mail template, outbound webhook); through the API.
    #[command(subcommand)]
    Tenants(TenantCommand),
    /// Connector installs of a tenant, through the API (--url, --token).
    #[command(subcommand)]
    Installs(InstallCommand),
    /// Install policies: get, put a new version, list versions, dry-run an event; through the API.
    #[command(subcommand)]
    Policies(PolicyCommand),
    /// Plugin components: upload, activate (hot-swap), roll back; through the API, admin tokens only.
    #[command(subcommand)]
    Plugins(PluginCommand),
    /// Jobs of a tenant: list, inspect, re-drive a dead one; through the API.
    #[command(subcommand)]
    Jobs(JobCommand),
    /// API tokens, through the API: list, create, revoke.
    #[command(subcommand)]
    Tokens(TokenApiCommand),
    /// Manage API tokens directly in the data directory (no server needed).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret, once, on standard output.
    Create {
        /// An admin token: every tenant, and the plugin catalog.
        #[arg(long, required_unless_present = "tenant", conflicts_with = "tenant")]
        admin: bool,
        /// A token scoped to this tenant only.
        #[arg(long, value_name = "TENANT")]
        tenant: Option<String>,
        /// The token may read but never change anything.
        #[arg(long)]
        read_only: bool,
        /// What the token is for, shown when tokens are listed.
        #[arg(long, default_value = "created with the gatehouse CLI")]
        label: String,
        /// A TOML config file; its `data_dir` is where the token is stored.
        #[arg(long, env = "GATEHOUSE_CONFIG")]
        config: Option<PathBuf>,
    },
}

/// An error is printed as one line with its causes (`error: a: b`), never
/// as a backtrace: operators read it, and RUST_BACKTRACE is often set.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let text_logs = std::env::var("GATEHOUSE_LOG_FORMAT").is_ok_and(|f| f == "text");
    match cli.command {
        Command::Serve { config } => {
            if text_logs {
                tracing_subscriber::fmt().with_env_filter(filter).init();
            } else {
                tracing_subscriber::fmt()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_env_filter(filter)
                    .init();
            }
            serve(load_config(config)?).await
        }
        Command::Apply { file, config } => {
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
            apply(load_config(config)?, &file).await
        }
        Command::Tenants(command) => call(&cli.remote, command.request()).await,
        Command::Installs(command) => call(&cli.remote, command.request()).await,
        Command::Policies(command) => call(&cli.remote, command.request()).await,
        Command::Plugins(command) => call(&cli.remote, command.request()).await,
        Command::Jobs(command) => call(&cli.remote, command.request()).await,
        Command::Tokens(command) => call(&cli.remote, command.request()).await,
        Command::Token { command: TokenCommand::Create { admin, tenant, read_only, label, config } } => {
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
            let scope = match (admin, tenant) {
                (true, _) => TokenScope::Admin,
                (false, Some(tenant)) => TokenScope::Tenant(TenantId::new(tenant)),
                (false, None) => anyhow::bail!("say --admin or --tenant <TENANT>"),
            };
            let access = if read_only { TokenAccess::ReadOnly } else { TokenAccess::ReadWrite };
            let service = gatehouse::boot::open(&load_config(config)?).await?;
            let issued = match scope {
                TokenScope::Admin => service.bootstrap_admin_token(access, &label).await?,
                scope => service.create_token("cli", scope, access, &label).await?,
            };
            eprintln!("created token {} ({label}); its secret is shown only now:", issued.token.id);
            println!("{}", issued.secret);
            Ok(())
        }
    }
}

/// Sends one API call and prints its answer as pretty JSON.
async fn call(remote: &Remote, request: anyhow::Result<gatehouse::cli::ApiRequest>) -> anyhow::Result<()> {
    let answer = gatehouse::cli::send(remote, request?).await?;
    if !answer.is_null() {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    }
    Ok(())
}

fn load_config(path: Option<PathBuf>) -> anyhow::Result<Config> {
    Ok(Config::load(path.as_deref(), |name| std::env::var(name).ok())?)
}

async fn apply(config: Config, file: &std::path::Path) -> anyhow::Result<()> {
    let service = gatehouse::boot::open(&config).await?;
    let report = gatehouse::declarative::apply_file(&service, file).await?;
    print!("{report}");
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let service = gatehouse::boot::open(&config).await?;
    let engine = Engine::new(service.clone(), config.engine_config());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine_task = tokio::spawn({
        let mut stopped = stopped.clone();
        async move {
            engine
                .run(std::time::Duration::from_secs(1), async move {
                    stopped.changed().await.ok();
                })
                .await
        }
    });

    let occupancy_task = tokio::spawn({
        let (poller, sender) =
            (BadgePoller::new(service.clone()), WebhookSender::new(service.clone(), config.engine_config().retry));
        let mut stopped = stopped.clone();
        async move {
            loop {
                if let Err(e) = poller.poll_all().await {
                    tracing::error!(error = %e, "badge polling failed");
                }
                if let Err(e) = sender.deliver_due().await {
                    tracing::error!(error = %e, "webhook delivery failed");
                }
                tokio::select! {
                    _ = stopped.changed() => return,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
                }
            }
        }
    });

    let purge_task = tokio::spawn({
        let (service, interval, mut stopped) = (service.clone(), config.retention.interval(), stopped.clone());
        gatehouse::service::run_purges(service, interval, async move {
            stopped.changed().await.ok();
        })
    });

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(address = %config.listen, data = %config.data_dir.display(), "gatehouse is serving");
    let api = gatehouse::api::router(ApiState { service, body_limit: config.body_limit_bytes });
    axum::serve(listener, api).with_graceful_shutdown(shutdown_signal()).await?;
    stop.send(true).ok();
    engine_task.await.ok();
    occupancy_task.await.ok();
    purge_task.await.ok();
    Ok(())
}

/// Ctrl-C in a terminal, SIGTERM from systemd or a container runtime: either stops serving, and
/// the engine finishes its running steps before the process exits.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            },
            Err(_) => drop(tokio::signal::ctrl_c().await),
        }
    }
    #[cfg(not(unix))]
    drop(tokio::signal::ctrl_c().await);
}
