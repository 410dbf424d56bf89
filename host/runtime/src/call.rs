//! Running one export of one component under the call's limits.
//!
//! Every call gets a fresh store and instance (cheap with the pooling
//! allocator), so whatever a component does to itself, trapping included,
//! dies with the call. The store carries the memory limiter and the CPU
//! deadline; a wall-clock timeout around the whole call covers time spent in
//! host calls too. Whatever stopped the call is turned into a [`Cause`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use semver::Version;
use tokio::time::Instant;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store, Trap};

use crate::capabilities::log::CallLogger;
use crate::contract::bindings::{Connector, ConnectorPre};
use crate::errors::{CallError, CallSite, Cause, Export, HostFault};
use crate::grant::InstallGrant;
use crate::limits::{cpu_ticks, install_cpu_deadline, InstanceLimiter, LimitHit};
use crate::state::{CallEnv, HostState, Services};

/// The component a call runs: which pre-linked component, and its name for
/// logs and errors (the version is unknown while a component is being loaded).
pub(crate) struct Callee<'a> {
    pub(crate) pre: &'a ConnectorPre<HostState>,
    pub(crate) plugin_id: &'a str,
    pub(crate) version: Option<&'a Version>,
}

/// A call of one export on an instantiated connector.
pub(crate) type ExportCall<T> = Box<
    dyn for<'a> FnOnce(
            &'a Connector,
            &'a mut Store<HostState>,
        ) -> Pin<Box<dyn Future<Output = wasmtime::Result<T>> + Send + 'a>>
        + Send,
>;

/// Engine-wide pieces a call needs.
pub(crate) struct CallHost<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) services: &'a Arc<Services>,
    pub(crate) max_instance_memory: u64,
    pub(crate) epoch_tick: std::time::Duration,
}

impl CallHost<'_> {
    /// Instantiates the callee in a fresh store and runs `call` under the
    /// grant's limits.
    pub(crate) async fn run<T: Send>(
        &self,
        grant: &InstallGrant,
        callee: Callee<'_>,
        export: Export,
        call: ExportCall<T>,
    ) -> Result<T, CallError> {
        let site = CallSite {
            scope: grant.scope.clone(),
            plugin_id: callee.plugin_id.to_owned(),
            version: callee.version.cloned(),
            export,
        };
        let limits = &grant.limits;
        let version_tag = callee.version.map_or_else(|| "(loading)".to_owned(), Version::to_string);
        let logger = CallLogger::new(
            self.services.log.clone(),
            grant.scope.clone(),
            callee.plugin_id.to_owned(),
            version_tag,
            self.services.secrets.clone(),
            limits.max_log_lines,
            usize::try_from(limits.payload_bytes).unwrap_or(usize::MAX),
        );
        let env = Arc::new(CallEnv {
            grant: grant.clone(),
            services: self.services.clone(),
            deadline: Instant::now() + limits.wall_clock,
            logger,
        });
        let memory_cap = limits.memory_bytes.min(self.max_instance_memory);
        let mut store = Store::new(
            self.engine,
            HostState {
                env: env.clone(),
                table: ResourceTable::new(),
                wasi: None,
                limiter: InstanceLimiter::new(memory_cap),
            },
        );
        store.limiter(|state| &mut state.limiter);
        install_cpu_deadline(&mut store, cpu_ticks(limits.cpu_time, self.epoch_tick));

        let pre = callee.pre;
        let outcome = tokio::time::timeout(limits.wall_clock, async {
            let connector = pre.instantiate_async(&mut store).await.map_err(|error| (Stage::Instantiate, error))?;
            call(&connector, &mut store).await.map_err(|error| (Stage::Call, error))
        })
        .await;
        let memory_hit = store.data().limiter.hit;
        drop(store);
        env.logger.finish().await;

        let cause = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err((stage, error))) => classify(&error, memory_hit, stage),
            Err(_elapsed) => Cause::WallClockTimeout,
        };
        Err(CallError::new(site, cause))
    }
}

#[derive(Clone, Copy)]
enum Stage {
    Instantiate,
    Call,
}

/// Names what stopped a component. Failures to instantiate that are not
/// limits are the host's (an exhausted pool, say), not the component's.
fn classify(error: &wasmtime::Error, memory_hit: Option<LimitHit>, stage: Stage) -> Cause {
    let limit = find::<LimitHit>(error).copied().or(memory_hit);
    match limit {
        Some(LimitHit::CpuDeadline) => return Cause::CpuDeadline,
        Some(LimitHit::Memory(limit)) => return Cause::MemoryLimit { limit },
        None => {}
    }
    if let Some(HostFault(why)) = find::<HostFault>(error) {
        return Cause::Host(why.clone());
    }
    match (find::<Trap>(error), stage) {
        (Some(Trap::StackOverflow), _) => Cause::StackOverflow,
        (Some(trap), _) => Cause::Trap(trap.to_string()),
        (None, Stage::Instantiate) => Cause::Host(format!("instantiating: {error:#}")),
        (None, Stage::Call) => Cause::Trap(format!("{error:#}")),
    }
}

fn find<E: std::error::Error + Send + Sync + 'static>(error: &wasmtime::Error) -> Option<&E> {
    error.downcast_ref::<E>().or_else(|| error.chain().find_map(|cause| cause.downcast_ref::<E>()))
}
