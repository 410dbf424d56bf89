//! How to run a simulator: addresses, base path, fixture, persistence, TLS, the
//! timing knobs the spec leaves open, and the shared fault plan and clock it starts with.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use gatehouse_sim_faults::{ClockSettings, FaultPlan};

use crate::model::Directory;

/// Where the starting data comes from.
#[derive(Debug, Clone, Default)]
pub enum FixtureSource {
    /// `fixtures/default.json`, compiled in.
    #[default]
    Default,
    /// A JSON or TOML file (by extension).
    File(PathBuf),
    /// A directory built in code.
    Inline(Box<Directory>),
}

/// Where the event stream is served (spec §8.2: `GET /events` redirects to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamListener {
    /// A second port (0: any free port), like the role's "Streaming port" (4591).
    SeparatePort(u16),
    /// The main port serves the stream directly, without a redirect.
    SamePort,
}

/// The status of the `/events` redirect.
/// ASSUMPTION: the real status is unknown (spec §8.2 [I]); 302 by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectStatus {
    #[default]
    Found,
    TemporaryRedirect,
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub stream: StreamListener,
    /// The role's BaseUri, matched case-insensitively. Default `/WebSdk`.
    pub base_path: String,
    pub fixture: FixtureSource,
    /// Persist the directory here after every change; load it at start if present.
    pub state_file: Option<PathBuf>,
    /// Serve HTTPS with a generated self-signed certificate.
    pub tls: bool,
    /// Names the certificate is valid for.
    pub tls_hostnames: Vec<String>,
    /// ASSUMPTION: the KeepAlive period is unknown (spec §8.2 [I]); clients treat
    /// more than 5 s of silence as a dead stream, so the default is 2 s.
    pub keepalive_interval: Duration,
    /// Idle time after which a session ends (spec §2: 5 minutes).
    pub session_idle_timeout: Duration,
    /// Extra latency of the first request of a session (the Directory log-on).
    pub session_start_latency: Duration,
    pub events_redirect: RedirectStatus,
    /// The shared fault plan at start (`--latency-ms`, `--error-rate`, ...); a reset returns to it.
    pub fault_plan: FaultPlan,
    /// The clock at start (`--clock-offset-secs`, `--clock-frozen`); a reset returns to it.
    pub clock: ClockSettings,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            stream: StreamListener::SeparatePort(0),
            base_path: "/WebSdk".into(),
            fixture: FixtureSource::Default,
            state_file: None,
            tls: false,
            tls_hostnames: vec!["localhost".into(), "127.0.0.1".into()],
            keepalive_interval: Duration::from_secs(2),
            session_idle_timeout: Duration::from_secs(300),
            session_start_latency: Duration::ZERO,
            events_redirect: RedirectStatus::Found,
            fault_plan: FaultPlan::default(),
            clock: ClockSettings::default(),
        }
    }
}

impl SimConfig {
    /// `/WebSdk`, `WebSdk/` and `/WebSdk/` all mean `/WebSdk`.
    pub fn normalized_base_path(&self) -> String {
        let trimmed = self.base_path.trim().trim_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        }
    }
}
