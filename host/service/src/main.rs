//! The `gatehouse` command line.
//!
//! `gatehouse serve` runs the management API, the intake and the job engine
//! on embedded defaults (SQLite under ./data, the plugins built into
//! ./target/components, 127.0.0.1:8080); a TOML file and `GATEHOUSE_*`
//! variables change them (see `gatehouse::config`). It logs JSON lines, one
//! span per request carrying its `x-request-id`; `GATEHOUSE_LOG_FORMAT=text`
//! gives human-readable lines instead.
//!
//! `gatehouse token create` makes a token offline against the same data
//! directory: the first admin token cannot come from the API.

use anyhow::Context;
use clap::{Parser, Subcommand};
use gatehouse::api::ApiState;
use gatehouse::config::Config;
use gatehouse::domain::{TenantId, TokenAccess, TokenScope};
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
    /// Run the management API, the event intake and the job engine.
    Serve {
        /// A TOML config file; every setting has a default.
        #[arg(long, env = "GATEHOUSE_CONFIG")]
        config: Option<PathBuf>,
    },
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let text_logs = std::env::var("GATEHOUSE_LOG_FORMAT").is_ok_and(|f| f == "text");
    match cli.command {
        Command::Serve { config } => {
            if text_logs {
                tracing_subscriber::fmt().with_env_filter(filter).init();
            } else {
                tracing_subscriber::fmt().json().with_current_span(true).with_span_list(false).with_env_filter(filter).init();
            }
            serve(load_config(config.as_deref())?).await
        }
        Command::Token { command: TokenCommand::Create { admin, tenant, read_only, label, config } } => {
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
            let scope = match (admin, tenant) {
                (true, _) => TokenScope::Admin,
                (false, Some(tenant)) => TokenScope::Tenant(TenantId::new(tenant)),
                (false, None) => anyhow::bail!("say --admin or --tenant <TENANT>"),
            };
            let access = if read_only { TokenAccess::ReadOnly } else { TokenAccess::ReadWrite };
            let (service, _) = open(&load_config(config.as_deref())?).await?;
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

fn load_config(file: Option<&Path>) -> anyhow::Result<Config> {
    Ok(Config::load(file, |name| std::env::var(name).ok())?)
}

/// The service over the data directory, and the runtime behind its gateway
/// (no plugin loaded yet).
async fn open(config: &Config) -> anyhow::Result<(Service, Runtime)> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let master_key = master_key(&config.data_dir)?;
    let runtime_state = gatehouse_runtime::persistence::SqliteState::open(&config.data_dir.join("runtime.db")).await?;
    let runtime = Runtime::new(RuntimeConfig::new(config.data_dir.join("artifacts")), Backends::new(runtime_state, &master_key))?;
    let store = Store::open(&config.database_path()).await?;
    let sealer = Sealer::derive(master_key.to_base64().as_bytes());
    // Uploaded versions and the stored routing win over the bundled defaults
    // (`serve` loads those first, then calls `Service::restore_plugins`).
    let gateway = Arc::new(RuntimeGateway::new(runtime.clone()).with_component_dir(config.data_dir.join("plugins")));
    let service = Service::new(store, Arc::new(gatehouse::clock::SystemClock), gateway.clone(), sealer).with_plugin_catalog(gateway);
    Ok((service, runtime))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let (service, runtime) = open(&config).await?;
    load_plugins(&runtime, &config.plugins_dir).await;
    let restored = service.restore_plugins().await?;
    for failure in &restored.failures {
        tracing::error!(%failure, "uploaded plugin state not restored");
    }
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
    let api = gatehouse::api::router(ApiState { service, body_limit: config.body_limit_bytes });
    axum::serve(listener, api)
        .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.ok(); })
        .await?;
    stop.send(true).ok();
    engine_task.await.ok();
    occupancy_task.await.ok();
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

/// Loads and activates every bundled component in `dir`; a bad one is logged
/// and skipped.
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
