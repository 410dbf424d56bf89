//! The `gatehouse serve` configuration: a documented TOML file, each setting
//! overridable by an environment variable, every one with an embedded
//! default so `gatehouse serve` runs with no file at all.
//!
//! ```toml
//! listen = "127.0.0.1:8080"          # GATEHOUSE_LISTEN
//! data_dir = "./data"                 # GATEHOUSE_DATA_DIR (databases, master key, compiled plugins)
//! plugins_dir = "./target/components" # GATEHOUSE_PLUGINS_DIR: every *.wasm here is loaded and activated
//! body_limit_bytes = 262144           # GATEHOUSE_BODY_LIMIT_BYTES
//!
//! [engine]
//! max_attempts = 8                    # attempts per step before the job is dead
//! base_delay_seconds = 2              # first retry delay; doubles per attempt
//! max_delay_seconds = 600
//! breaker_failures = 5                # transient failures in a row that open an install's breaker
//! breaker_cool_down_seconds = 30
//!
//! [retention]
//! purge_interval_minutes = 60         # GATEHOUSE_PURGE_INTERVAL_MINUTES: how often every tenant's retention is enforced
//! ```
//! The master key sealing PINs and secrets is `GATEHOUSE_MASTER_KEY` (hex),
//! or else `<data_dir>/master.key`, created on first start.

use crate::jobs::{BreakerPolicy, EngineConfig, RetryPolicy};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub plugins_dir: PathBuf,
    pub body_limit_bytes: usize,
    pub engine: EngineSettings,
    pub retention: RetentionSchedule,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSettings {
    pub max_attempts: u32,
    pub base_delay_seconds: u32,
    pub max_delay_seconds: u32,
    pub breaker_failures: u32,
    pub breaker_cool_down_seconds: u32,
}

/// When the retention purge runs (the periods themselves are per tenant).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSchedule {
    pub purge_interval_minutes: u32,
}

impl Default for RetentionSchedule {
    fn default() -> Self {
        Self { purge_interval_minutes: 60 }
    }
}

impl RetentionSchedule {
    /// The pause between purges; at least one minute.
    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(60 * u64::from(self.purge_interval_minutes.max(1)))
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            plugins_dir: PathBuf::from("./target/components"),
            body_limit_bytes: crate::intake::DEFAULT_BODY_LIMIT,
            engine: EngineSettings::default(),
            retention: RetentionSchedule::default(),
        }
    }
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay_seconds: 2,
            max_delay_seconds: 600,
            breaker_failures: 5,
            breaker_cool_down_seconds: 30,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the config file {path} is invalid: {message}")]
    Invalid { path: String, message: String },
    #[error("environment variable {name}=`{value}` is invalid: {message}")]
    Env { name: &'static str, value: String, message: String },
}

impl Config {
    /// Reads `path` (if given), then applies the `GATEHOUSE_*` overrides.
    pub fn load(path: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError::Invalid { path: path.display().to_string(), message: e.to_string() })?
            }
            None => Config::default(),
        };
        fn parse<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env { name, message: e.to_string(), value })
        }
        if let Some(v) = env("GATEHOUSE_LISTEN") {
            config.listen = parse("GATEHOUSE_LISTEN", v)?;
        }
        if let Some(v) = env("GATEHOUSE_DATA_DIR") {
            config.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("GATEHOUSE_PLUGINS_DIR") {
            config.plugins_dir = PathBuf::from(v);
        }
        if let Some(v) = env("GATEHOUSE_BODY_LIMIT_BYTES") {
            config.body_limit_bytes = parse("GATEHOUSE_BODY_LIMIT_BYTES", v)?;
        }
        if let Some(v) = env("GATEHOUSE_PURGE_INTERVAL_MINUTES") {
            config.retention.purge_interval_minutes = parse("GATEHOUSE_PURGE_INTERVAL_MINUTES", v)?;
        }
        Ok(config)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("gatehouse.db")
    }

    pub fn engine_config(&self) -> EngineConfig {
        let e = &self.engine;
        EngineConfig {
            retry: RetryPolicy {
                max_attempts: e.max_attempts.max(1),
                base_delay: chrono::Duration::seconds(i64::from(e.base_delay_seconds)),
                max_delay: chrono::Duration::seconds(i64::from(e.max_delay_seconds)),
            },
            breaker: BreakerPolicy {
                failure_threshold: e.breaker_failures.max(1),
                cool_down: chrono::Duration::seconds(i64::from(e.breaker_cool_down_seconds)),
            },
            ..EngineConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_file_then_environment() {
        let none = |_: &str| None;
        let config = Config::load(None, none).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_path(), PathBuf::from("./data/gatehouse.db"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gatehouse.toml");
        assert_eq!(config.retention.interval(), std::time::Duration::from_secs(3600));
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[engine]\nmax_attempts = 3\n[retention]\npurge_interval_minutes = 15\n",
        )
        .unwrap();
        let env = |name: &str| (name == "GATEHOUSE_DATA_DIR").then(|| "/var/lib/gatehouse".to_string());
        let config = Config::load(Some(&file), env).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.engine.max_attempts, 3);
        assert_eq!(config.retention.interval(), std::time::Duration::from_secs(15 * 60));
        assert_eq!(config.data_dir, PathBuf::from("/var/lib/gatehouse"));
        std::fs::write(&file, "listen = \"nowhere\"\n").unwrap();
        assert!(Config::load(Some(&file), |_: &str| None).unwrap_err().to_string().contains("gatehouse.toml"));
    }
}
