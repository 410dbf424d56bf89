//! The `gatehouse` command line.
//!
//! `gatehouse serve` runs the intake and the job engine on embedded defaults
//! (SQLite under ./data, the plugins built into ./target/components,
//! 127.0.0.1:8080); a TOML file and `GATEHOUSE_*` variables change them (see
//! `gatehouse::config`). `gatehouse apply <file.toml>` declares tenants,
//! locations, installs and policies (see `gatehouse::declarative`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use gatehouse::config::Config;
use gatehouse::jobs::Engine;
use gatehouse::occupancy::{BadgePoller, WebhookSender};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "gatehouse", version, about = "Connects visitor management to physical access control.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the event intake and the job engine.
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())).init();
    match Cli::parse().command {
        Command::Serve { config } => serve(load_config(config)?).await,
        Command::Apply { file, config } => apply(load_config(config)?, &file).await,
    }
}

fn load_config(path: Option<PathBuf>) -> anyhow::Result<Config> {
    Ok(Config::load(path.as_deref(), |name| std::env::var(name).ok())?)
}

async fn apply(config: Config, file: &std::path::Path) -> anyhow::Result<()> {
    let opened = gatehouse::boot::open(&config).await?;
    let report = gatehouse::declarative::apply_file(&opened.service, opened.runtime.secrets(), file).await?;
    print!("{report}");
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let service = gatehouse::boot::open(&config).await?.service;
    let engine = Engine::new(service.clone(), config.engine_config());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine_task = tokio::spawn({
        let mut stopped = stopped.clone();
        async move { engine.run(std::time::Duration::from_secs(1), async move { stopped.changed().await.ok(); }).await }
    });

    let occupancy_task = tokio::spawn({
        let (poller, sender) = (BadgePoller::new(service.clone()), WebhookSender::new(service.clone(), config.engine_config().retry));
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

    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(address = %config.listen, data = %config.data_dir.display(), "gatehouse is serving");
    axum::serve(listener, gatehouse::intake::router(service, config.body_limit_bytes))
        .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.ok(); })
        .await?;
    stop.send(true).ok();
    engine_task.await.ok();
    occupancy_task.await.ok();
    Ok(())
}
