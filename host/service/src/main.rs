//! The `gatehouse` command line.
//!
//! `gatehouse serve` runs the intake and the job engine on embedded defaults
//! (SQLite under ./data, the plugins built into ./target/components,
//! 127.0.0.1:8080); a TOML file and `GATEHOUSE_*` variables change them (see
//! `gatehouse::config`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use gatehouse::config::Config;
use gatehouse::gateway::RuntimeGateway;
use gatehouse::jobs::Engine;
use gatehouse::occupancy::{BadgePoller, WebhookSender};
use gatehouse::seal::Sealer;
use gatehouse::service::Service;
use gatehouse::store::Store;
use gatehouse_runtime::{Backends, MasterKey, MasterKeyError, Runtime, RuntimeConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into())).init();
    match Cli::parse().command {
        Command::Serve { config } => serve(Config::load(config.as_deref(), |name| std::env::var(name).ok())?).await,
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let master_key = master_key(&config.data_dir)?;
    let runtime_state = gatehouse_runtime::persistence::SqliteState::open(&config.data_dir.join("runtime.db")).await?;
    let runtime = Runtime::new(RuntimeConfig::new(config.data_dir.join("artifacts")), Backends::new(runtime_state, &master_key))?;
    load_plugins(&runtime, &config.plugins_dir).await;

    let store = Store::open(&config.database_path()).await?;
    let sealer = Sealer::derive(master_key.to_base64().as_bytes());
    let service = Service::new(store, Arc::new(gatehouse::clock::SystemClock), Arc::new(RuntimeGateway::new(runtime)), sealer);
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

    let purge_task = tokio::spawn({
        let (service, interval, mut stopped) = (service.clone(), config.retention.interval(), stopped.clone());
        gatehouse::service::run_purges(service, interval, async move {
            stopped.changed().await.ok();
        })
    });

    let listener = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
    tracing::info!(address = %config.listen, data = %config.data_dir.display(), "gatehouse is serving");
    let app = gatehouse::intake::router(service.clone(), config.body_limit_bytes).merge(gatehouse::api::metrics::metrics_router(service));
    axum::serve(listener, app)
        .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.ok(); })
        .await?;
    stop.send(true).ok();
    engine_task.await.ok();
    occupancy_task.await.ok();
    purge_task.await.ok();
    Ok(())
}

/// `GATEHOUSE_MASTER_KEY(_FILE)`, else `<data_dir>/master.key`, created on first start.
fn master_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    match MasterKey::from_env() {
        Ok(key) => return Ok(key),
        Err(MasterKeyError::Missing) => {}
        Err(e) => return Err(e).context("reading the master key from the environment"),
    }
    let path = data_dir.join("master.key");
    if path.exists() {
        return MasterKey::from_file(&path).with_context(|| format!("reading {}", path.display()));
    }
    let key = MasterKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, key.to_base64().as_bytes())?;
    tracing::warn!(path = %path.display(), "created a new master key; back it up, sealed data is lost without it");
    Ok(key)
}

/// Loads and activates every component in `dir`; a bad one is logged and skipped.
async fn load_plugins(runtime: &Runtime, dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        tracing::warn!(dir = %dir.display(), "no plugins directory; run `cargo xtask build-plugins`");
        return;
    };
    for path in entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "wasm")) {
        let loaded = match std::fs::read(&path) {
            Ok(bytes) => runtime.load_component(bytes).await.map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match loaded.and_then(|v| runtime.activate(&v.plugin_id, &v.version).map(|()| v).map_err(Into::into)) {
            Ok(v) => tracing::info!(plugin = %v.plugin_id, version = %v.version, "plugin active"),
            Err(e) => tracing::error!(path = %path.display(), error = %e, "plugin not loaded"),
        }
    }
}
