//! The wasmtime engine, the on-disk artifact cache and the linker.
//!
//! Compiling a component takes seconds; instantiating a pre-linked one from
//! the pooling allocator takes microseconds. So each component is compiled
//! once per engine configuration, kept on disk under the hash of its bytes
//! and of that configuration, and linked once into an `InstancePre`; every
//! call then only instantiates.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::contract::bindings::Connector;
use crate::errors::{LoadError, StartError};
use crate::state::HostState;

/// Engine-wide settings of the runtime.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Where compiled components are kept between restarts.
    pub artifact_dir: PathBuf,
    /// Instances that can exist at once (the pooling allocator's slots).
    pub max_instances: u32,
    /// Upper bound on any install's memory limit, in bytes.
    pub max_instance_memory: u64,
    /// Wasm stack of one call; deeper recursion traps as a stack overflow.
    pub max_wasm_stack: usize,
    /// Granularity of CPU deadlines.
    pub epoch_tick: Duration,
}

impl RuntimeConfig {
    pub fn new(artifact_dir: impl Into<PathBuf>) -> Self {
        Self {
            artifact_dir: artifact_dir.into(),
            max_instances: 128,
            max_instance_memory: 256 << 20,
            max_wasm_stack: 512 << 10,
            epoch_tick: Duration::from_millis(10),
        }
    }
}

/// How often compilation happened versus the cache answering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub compiled: u64,
    pub loaded_from_cache: u64,
}

pub(crate) fn build_engine(config: &RuntimeConfig) -> Result<Engine, StartError> {
    let mut pool = PoolingAllocationConfig::new();
    // A connector is one component; WASI-adapted ones carry a few helper
    // modules (adapter, shims), each a core instance with memories/tables.
    pool.total_component_instances(config.max_instances)
        .total_core_instances(config.max_instances * 16)
        .max_core_instances_per_component(32)
        .total_memories(config.max_instances * 2)
        .max_memories_per_component(4)
        .total_tables(config.max_instances * 8)
        .max_tables_per_component(16)
        .total_stacks(config.max_instances)
        .max_memory_size(config.max_instance_memory as usize);

    let mut wasm = Config::new();
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .epoch_interruption(true)
        .max_wasm_stack(config.max_wasm_stack)
        // Reserve no more address space per memory than a memory may grow to,
        // so many pools (one per test runtime) fit in the address space.
        .memory_reservation(config.max_instance_memory)
        .memory_reservation_for_growth(0);
    Engine::new(&wasm).map_err(|error| StartError::Engine(error.to_string()))
}

/// Compiled artifacts on disk, keyed by the content hash of the component
/// and a fingerprint of the engine that compiled them.
pub(crate) struct ArtifactCache {
    dir: PathBuf,
    engine_fingerprint: String,
    compiled: AtomicU64,
    loaded: AtomicU64,
}

impl ArtifactCache {
    pub(crate) fn open(dir: &Path, engine: &Engine) -> Result<Self, StartError> {
        std::fs::create_dir_all(dir).map_err(StartError::Cache)?;
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_fingerprint = format!("{:016x}", hasher.finish());
        Ok(Self { dir: dir.to_owned(), engine_fingerprint, compiled: 0.into(), loaded: 0.into() })
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            compiled: self.compiled.load(Ordering::Relaxed),
            loaded_from_cache: self.loaded.load(Ordering::Relaxed),
        }
    }

    /// The compiled component for `bytes`, from disk when this engine
    /// compiled it before. Returns it with the sha256 of the bytes.
    pub(crate) fn component(&self, engine: &Engine, bytes: &[u8]) -> Result<(Component, String), LoadError> {
        let content_hash = hex::encode(Sha256::digest(bytes));
        let path = self.dir.join(format!("{content_hash}-{}.cwasm", self.engine_fingerprint));
        if path.is_file() {
            // SAFETY: the file was written by `Component::serialize` of an
            // engine with the same compatibility fingerprint, into a directory
            // only this runtime writes; wasmtime re-checks the header too.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
                self.loaded.fetch_add(1, Ordering::Relaxed);
                return Ok((component, content_hash));
            }
        }
        let component =
            Component::from_binary(engine, bytes).map_err(|error| LoadError::Compile(format!("{error:#}")))?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        let artifact = component.serialize().map_err(|error| LoadError::Compile(error.to_string()))?;
        // Write then rename, so a crash never leaves a truncated artifact;
        // the temporary name is unique, so concurrent loads do not collide.
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let unique = WRITES.fetch_add(1, Ordering::Relaxed);
        let partial = path.with_extension(format!("partial-{}-{unique}", std::process::id()));
        std::fs::write(&partial, artifact)?;
        std::fs::rename(&partial, &path)?;
        Ok((component, content_hash))
    }
}

/// A `Hasher` whose output is stable across processes and Rust versions,
/// unlike `DefaultHasher`, so the fingerprint survives a restart.
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().expect("a sha256 digest has 32 bytes"))
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// The linker every component is linked with: the gatehouse capabilities and
/// a deny-all WASI p2 for components built the common way.
pub(crate) fn build_linker(engine: &Engine) -> wasmtime::Result<Linker<HostState>> {
    let mut linker = Linker::new(engine);
    Connector::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |state| state)?;
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    Ok(linker)
}

/// Refuses imports other than the gatehouse capabilities of a 0.2.x contract
/// and the WASI 0.2 interfaces the deny-all context stubs, with a message
/// naming the import (the linker's own error is less direct).
pub(crate) fn check_imports(engine: &Engine, component: &Component) -> Result<(), LoadError> {
    for (name, _) in component.component_type().imports(engine) {
        if !is_supported_import(name) {
            return Err(LoadError::UnsupportedImport(name.to_owned()));
        }
    }
    Ok(())
}

/// The WASI 0.2 packages `wasmtime_wasi::p2` links (without `wasi:http`).
const STUBBED_WASI_PACKAGES: [&str; 6] =
    ["wasi:cli", "wasi:clocks", "wasi:filesystem", "wasi:io", "wasi:random", "wasi:sockets"];

fn is_supported_import(name: &str) -> bool {
    let Some((interface, version)) = name.split_once('@') else {
        return false;
    };
    let Ok(version) = semver::Version::parse(version) else {
        return false;
    };
    match interface.split_once('/') {
        Some(("gatehouse:connector", capability)) => {
            version.major == 0
                && version.minor == 2
                && ["types", "http", "sql", "secrets", "kv", "log", "clock"].contains(&capability)
        }
        Some((package, _)) => STUBBED_WASI_PACKAGES.contains(&package) && version.major == 0 && version.minor == 2,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_supported_import;

    #[test]
    fn gatehouse_capabilities_of_any_0_2_contract_are_supported() {
        assert!(is_supported_import("gatehouse:connector/http@0.2.0"));
        assert!(is_supported_import("gatehouse:connector/kv@0.2.7"));
    }

    #[test]
    fn other_contract_versions_and_packages_are_refused() {
        assert!(!is_supported_import("gatehouse:connector/http@0.1.0"));
        assert!(!is_supported_import("gatehouse:connector/http@0.3.0"));
        assert!(!is_supported_import("gatehouse:connector/filesystem@0.2.0"));
        assert!(!is_supported_import("acme:evil/steal@0.1.0"));
        assert!(!is_supported_import("wasi:http/outgoing-handler@0.2.0"));
        assert!(!is_supported_import("wasi:cli/stdout@0.3.0"));
        assert!(!is_supported_import("unversioned"));
    }

    #[test]
    fn wasi_preview2_interfaces_are_supported() {
        assert!(is_supported_import("wasi:cli/stdout@0.2.6"));
    }
}
