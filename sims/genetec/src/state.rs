//! The running simulator's shared state: the directory (with its fixture and state
//! file), sessions and streams, the Web SDK faults, the shared fault plan and the clock. Every HTTP handler and every
//! library call goes through here, so both see the same behaviour.

use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::TimeDelta;
use gatehouse_sim_faults::control::Controlled;
use gatehouse_sim_faults::{FaultInjector, SimClock};

use crate::access::{self, BadgeSwipe, SwipeError};
use crate::config::{RedirectStatus, SimConfig};
use crate::envelope::{SdkFailure, SdkResponse};
use crate::faults::Faults;
use crate::live::Live;
use crate::model::{AccessEvent, Directory};
use crate::persist::StateFile;

/// The settings handlers need, fixed at start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub base_path: String,
    pub keepalive_interval: Duration,
    pub session_idle_timeout: TimeDelta,
    pub session_start_latency: Duration,
    pub events_redirect: RedirectStatus,
    pub tls: bool,
}

/// Addresses known once the listeners are bound.
#[derive(Debug, Clone)]
pub struct Ports {
    pub host: String,
    pub main: u16,
    pub stream: Option<u16>,
}

impl SimState {
    fn scheme(&self) -> &'static str {
        if self.settings.tls {
            "https"
        } else {
            "http"
        }
    }

    fn url(&self, port: u16, path: &str) -> String {
        let host = self.ports.get().map_or("127.0.0.1", |p| p.host.as_str());
        let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
        format!("{}://{host}:{port}{path}", self.scheme())
    }

    /// `http(s)://host:port/WebSdk`.
    pub fn base_url(&self) -> String {
        self.url(self.ports.get().map_or(0, |p| p.main), &self.settings.base_path)
    }

    /// Where `GET {base}/events` streams from.
    pub fn stream_url(&self) -> String {
        let ports = self.ports.get();
        let port = ports.and_then(|p| p.stream).or(ports.map(|p| p.main)).unwrap_or(0);
        self.url(port, &format!("{}/events", self.settings.base_path))
    }

    /// `http(s)://host:port/_sim`.
    pub fn control_url(&self) -> String {
        self.url(self.ports.get().map_or(0, |p| p.main), crate::controls::PREFIX)
    }
}

struct Versioned {
    directory: Directory,
    version: u64,
}

pub struct SimState {
    pub settings: Settings,
    pub clock: SimClock,
    /// The fault plan shared with the other simulators, applied in `websdk::handle`.
    pub fault_plan: FaultInjector,
    directory: Mutex<Versioned>,
    fixture: Directory,
    live: Mutex<Live>,
    faults: Mutex<Faults>,
    state_file: Option<StateFile>,
    pub cert_pem: Option<String>,
    pub ports: OnceLock<Ports>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SimState {
    pub fn new(
        config: &SimConfig,
        fault_plan: FaultInjector,
        fixture: Directory,
        initial: Directory,
        state_file: Option<StateFile>,
        cert_pem: Option<String>,
    ) -> Self {
        SimState {
            settings: Settings {
                base_path: config.normalized_base_path(),
                keepalive_interval: config.keepalive_interval,
                session_idle_timeout: TimeDelta::from_std(config.session_idle_timeout).unwrap_or(TimeDelta::MAX),
                session_start_latency: config.session_start_latency,
                events_redirect: config.events_redirect,
                tls: config.tls,
            },
            clock: SimClock::new(config.clock),
            fault_plan,
            directory: Mutex::new(Versioned { directory: initial, version: 1 }),
            fixture,
            live: Mutex::new(Live::default()),
            faults: Mutex::new(Faults::default()),
            state_file,
            cert_pem,
            ports: OnceLock::new(),
        }
    }

    pub fn live(&self) -> MutexGuard<'_, Live> {
        lock(&self.live)
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    /// A copy of the whole directory.
    pub fn snapshot(&self) -> Directory {
        lock(&self.directory).directory.clone()
    }

    /// Runs a read against the live directory.
    pub fn read<T>(&self, f: impl FnOnce(&Directory) -> T) -> T {
        f(&lock(&self.directory).directory)
    }

    /// Runs `f` on a working copy and keeps it only if `f` succeeds (then persists).
    pub fn transact<T>(&self, f: impl FnOnce(&mut Directory) -> Result<T, SdkFailure>) -> Result<T, SdkFailure> {
        let (output, snapshot, version) = {
            let mut guard = lock(&self.directory);
            let mut working = guard.directory.clone();
            let output = f(&mut working)?;
            guard.directory = working;
            guard.version += 1;
            let snapshot = self.state_file.as_ref().map(|_| guard.directory.clone());
            (output, snapshot, guard.version)
        };
        self.persist(snapshot, version);
        Ok(output)
    }

    /// Runs an entity query: reads against the live directory, writes transactionally.
    pub fn run_query(
        &self,
        mutating: bool,
        f: impl FnOnce(&mut Directory) -> Result<SdkResponse, SdkFailure>,
    ) -> SdkResponse {
        if mutating {
            return self.transact(f).into();
        }
        let mut guard = lock(&self.directory);
        f(&mut guard.directory).into()
    }

    fn persist(&self, snapshot: Option<Directory>, version: u64) {
        if let (Some(file), Some(snapshot)) = (&self.state_file, snapshot) {
            if let Err(error) = file.write(&snapshot, version) {
                tracing::error!(%error, "state file not written; the change is kept in memory");
            }
        }
    }

    /// Back to the fixture: data, sessions, streams, faults; the fault plan and the clock
    /// back to how they started.
    pub fn reset(&self) {
        let (snapshot, version) = {
            let mut guard = lock(&self.directory);
            guard.directory = self.fixture.clone();
            guard.version += 1;
            (guard.directory.clone(), guard.version)
        };
        self.persist(Some(snapshot), version);
        let mut live = self.live();
        live.close_all_streams();
        live.expire(None);
        drop(live);
        self.faults().clear();
        self.fault_plan.reset();
        self.clock.reset();
    }

    /// Records a badge swipe: appends the access event and streams it to subscribers.
    pub fn swipe(&self, swipe: &BadgeSwipe) -> Result<(AccessEvent, usize), SwipeError> {
        let at = swipe.timestamp.unwrap_or_else(|| self.clock.now());
        let event = self.read(|directory| access::decide(directory, swipe, at))?;
        let recorded = event.clone();
        // The closure cannot fail, so the event is always recorded.
        let _ = self.transact(move |directory| {
            if recorded.event_type == crate::model::AccessEventType::AccessGranted {
                if let Some(credential) = recorded.credential.and_then(|c| directory.credentials.get_mut(&c)) {
                    credential.status.record_use(at);
                }
            }
            directory.door_activity.push(recorded);
            Ok(())
        });
        let delivered = self.live().publish(&event, &crate::events::frame(&event));
        Ok((event, delivered))
    }
}

impl Controlled for SimState {
    fn fault_injector(&self) -> &FaultInjector {
        &self.fault_plan
    }

    fn sim_clock(&self) -> &SimClock {
        &self.clock
    }
}
