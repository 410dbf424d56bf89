//! The state one simulator instance shares between its TDS connections, the import processor and
//! the control API: the catalog, the logins, the Symmetry faults and the shared fault plan, the
//! processor switch and the clock.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, NaiveDateTime, Utc};
use gatehouse_sim_faults::control::Controlled;
use gatehouse_sim_faults::{FaultInjector, SimClock};

use crate::config::{Login, SimConfig};
use crate::faults::Faults;
use crate::fixture::{Fixture, FixtureError};
use crate::model::Catalog;
use crate::processor::ProcessorControl;
use crate::tds::prelogin::Transport;
use crate::tds::tls::TlsIdentity;

pub struct SimState {
    pub config: SimConfig,
    catalog: Mutex<Catalog>,
    /// By lower-case user name.
    logins: Mutex<BTreeMap<String, Arc<Login>>>,
    pub faults: Faults,
    /// The fault plan shared with the other simulators, applied per request in `server::requests`.
    pub fault_plan: FaultInjector,
    pub processor: ProcessorControl,
    /// `None` when the encryption policy is "unsupported".
    pub tls: Option<TlsIdentity>,
    /// GETDATE() and the processor's timestamps.
    pub clock: SimClock,
    next_spid: AtomicU16,
    /// Connections per negotiated transport: plaintext, login-only TLS, full TLS, refused.
    transports: [AtomicU64; 4],
}

impl SimState {
    pub fn new(config: SimConfig, fault_plan: FaultInjector, tls: Option<TlsIdentity>) -> Result<Self, FixtureError> {
        let mut catalog = Catalog::new(&config.status_codes.messages());
        config.fixture.apply(&mut catalog.multimax)?;
        let state = SimState {
            catalog: Mutex::new(catalog),
            logins: Mutex::new(BTreeMap::new()),
            faults: Faults::default(),
            fault_plan,
            processor: ProcessorControl::default(),
            tls,
            clock: SimClock::new(config.clock),
            // SQL Server numbers user sessions from 51.
            next_spid: AtomicU16::new(51),
            transports: Default::default(),
            config,
        };
        let logins: Vec<Login> =
            state.config.fixture.logins.iter().chain(&state.config.extra_logins).cloned().collect();
        state.add_logins(logins);
        Ok(state)
    }

    /// The catalog lock. A panic while holding it cannot leave half-applied state behind (every
    /// change is built first and committed in one step), so a poisoned lock is still usable.
    pub fn lock_catalog(&self) -> MutexGuard<'_, Catalog> {
        self.catalog.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn login(&self, user: &str) -> Option<Arc<Login>> {
        self.logins.lock().unwrap_or_else(|p| p.into_inner()).get(&user.to_lowercase()).cloned()
    }

    pub fn logins(&self) -> Vec<Arc<Login>> {
        self.logins.lock().unwrap_or_else(|p| p.into_inner()).values().cloned().collect()
    }

    fn add_logins(&self, logins: impl IntoIterator<Item = Login>) {
        let mut map = self.logins.lock().unwrap_or_else(|p| p.into_inner());
        for login in logins {
            map.insert(login.user.to_lowercase(), Arc::new(login));
        }
    }

    /// Upserts a fixture's multiMAX contents and logins; all or nothing.
    pub fn seed(&self, fixture: &Fixture) -> Result<(), FixtureError> {
        fixture.apply(&mut self.lock_catalog().multimax)?;
        self.add_logins(fixture.logins.iter().cloned());
        Ok(())
    }

    pub fn next_spid(&self) -> u16 {
        self.next_spid.fetch_add(1, Ordering::Relaxed)
    }

    pub fn record_transport(&self, transport: Transport) {
        self.transports[transport_index(transport)].fetch_add(1, Ordering::Relaxed);
    }

    /// How many connections negotiated each transport, for the state dump.
    pub fn transport_counts(&self) -> serde_json::Value {
        let count = |t| self.transports[transport_index(t)].load(Ordering::Relaxed);
        serde_json::json!({
            "plaintext": count(Transport::Plaintext),
            "login_only_tls": count(Transport::LoginOnlyTls),
            "full_tls": count(Transport::FullTls),
            "refused": count(Transport::Refused),
        })
    }

    pub fn now_utc(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The SMS server's wall clock, in its configured time zone.
    pub fn now_local(&self) -> NaiveDateTime {
        self.now_utc().with_timezone(&self.config.time_zone).naive_local()
    }

    /// Fixes the clock at `time`; `None` frees it, back to how it started.
    pub fn set_time(&self, time: Option<DateTime<Utc>>) {
        match time {
            Some(at) => self.clock.freeze_at(at),
            None => self.clock.reset(),
        }
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

fn transport_index(transport: Transport) -> usize {
    match transport {
        Transport::Plaintext => 0,
        Transport::LoginOnlyTls => 1,
        Transport::FullTls => 2,
        Transport::Refused => 3,
    }
}
