//! The limits every call runs under, and the machinery that enforces them.
//!
//! Memory is capped per instance by a store limiter, CPU by epoch deadlines
//! (a ticker thread advances the engine's epoch), and the whole call by a
//! wall-clock timeout in `runtime.rs`. A limit hit is recorded here as a typed
//! error so the call can report *which* limit stopped the component.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Per-call limits of an install.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallLimits {
    /// Time the component may spend executing wasm (measured in epoch ticks).
    pub cpu_time: Duration,
    /// Time the whole call may take, including host calls (HTTP, SQL).
    pub wall_clock: Duration,
    /// Linear memory of the whole instance, in bytes. Capped by the engine's
    /// [`crate::RuntimeConfig::max_instance_memory`].
    pub memory_bytes: u64,
    /// Largest payload that may cross one host call (an HTTP body, a kv value,
    /// SQL parameters or results, a log line) or be passed into a call.
    pub payload_bytes: u64,
    /// Calls of the install that may run at once; more are refused.
    pub max_concurrency: u32,
    /// Log lines one call may emit; the rest are counted and dropped.
    pub max_log_lines: u32,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            cpu_time: Duration::from_secs(2),
            wall_clock: Duration::from_secs(30),
            memory_bytes: 64 << 20,
            payload_bytes: 4 << 20,
            max_concurrency: 8,
            max_log_lines: 1000,
        }
    }
}

/// A limit the component ran into; carried as the source of a wasmtime trap
/// and recovered when the call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LimitHit {
    #[error("cpu deadline exceeded")]
    CpuDeadline,
    #[error("memory limit of {0} bytes exceeded")]
    Memory(u64),
}

/// Caps the linear memory of all memories of one instance together.
pub(crate) struct InstanceLimiter {
    cap: u64,
    used: u64,
    pub(crate) hit: Option<LimitHit>,
}

impl InstanceLimiter {
    pub(crate) fn new(cap: u64) -> Self {
        Self { cap, used: 0, hit: None }
    }
}

impl wasmtime::ResourceLimiter for InstanceLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let grown = self.used + (desired - current) as u64;
        if grown > self.cap {
            self.hit = Some(LimitHit::Memory(self.cap));
            return Err(wasmtime::Error::new(LimitHit::Memory(self.cap)));
        }
        self.used = grown;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // Tables hold function references; the pooling allocator bounds them.
        Ok(desired <= 100_000)
    }
}

/// How many epoch ticks a CPU budget is worth, never less than one.
pub(crate) fn cpu_ticks(cpu_time: Duration, tick: Duration) -> u64 {
    (cpu_time.as_nanos() / tick.as_nanos().max(1)).max(1) as u64
}

/// Installs the CPU deadline on a store: every tick yields to the executor
/// (so the wall-clock timeout and other tasks get to run) until `ticks` are
/// used up, then the component traps with [`LimitHit::CpuDeadline`].
pub(crate) fn install_cpu_deadline<T: Send>(store: &mut wasmtime::Store<T>, ticks: u64) {
    let mut remaining = ticks;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        remaining = remaining.saturating_sub(1);
        if remaining == 0 {
            Err(wasmtime::Error::new(LimitHit::CpuDeadline))
        } else {
            Ok(wasmtime::UpdateDeadline::Yield(1))
        }
    });
}

/// A thread that advances the engine's epoch every `tick` until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: wasmtime::Engine, tick: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("gatehouse-epoch".into()).spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                engine.increment_epoch();
            }
        })?;
        Ok(Self { stop, thread: Some(thread) })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
