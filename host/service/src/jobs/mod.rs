//! The job engine: fires due schedule entries, then runs every step whose
//! turn has come, through the connector gateway.
//!
//! Ordering: a step runs only after the earlier steps of its job are done and
//! every earlier job of its subject (visit or employee) has finished, so a
//! sign-in never races its invite. Steps of one install run one at a time
//! (vendors are slow and easily overwhelmed); installs run side by side.
//! Everything is in the store: after a crash, [`Engine::recover`] re-queues
//! the steps that were running, which run again under the same idempotency
//! key, and due timers fire on the first tick. A visit's provisioning that
//! stops part-way is undone and held back ([`fail_closed`]).

mod backoff;
mod badges;
mod breaker;
mod email_step;
mod execute;
mod fail_closed;
mod webhooks;

pub use backoff::RetryPolicy;
pub use badges::{BadgePoller, PollReport};
pub use breaker::{BreakerPolicy, BreakerState, Breakers};
pub use webhooks::{signature, WebhookSender, SIGNATURE_HEADER};

use crate::domain::{InstallId, JobId, JobStatus};
use crate::service::{Service, ServiceError};
use crate::store::{NewJob, RunnableStep};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The shortest pause between ticks of [`Engine::run`].
const MIN_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub retry: RetryPolicy,
    pub breaker: BreakerPolicy,
    /// Steps fetched per round.
    pub batch: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self { retry: RetryPolicy::default(), breaker: BreakerPolicy::default(), batch: 64 }
    }
}

/// What one [`Engine::tick`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub entries_fired: usize,
    pub steps_run: usize,
}

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    service: Service,
    config: EngineConfig,
    breakers: Arc<Breakers>,
}

impl Engine {
    pub fn new(service: Service, config: EngineConfig) -> Self {
        let breakers = Arc::new(Breakers::new(config.breaker.clone()));
        service.metrics().watch_breakers(breakers.clone());
        Self { inner: Arc::new(Inner { service, config, breakers }) }
    }

    pub fn breakers(&self) -> &Breakers {
        &self.inner.breakers
    }

    fn service(&self) -> &Service {
        &self.inner.service
    }

    /// Re-queues steps a crash left running; call once before the first tick.
    pub async fn recover(&self) -> Result<u64, ServiceError> {
        let mut tx = self.service().store().begin().await?;
        let requeued = tx.requeue_interrupted_steps(self.service().clock().now()).await?;
        tx.commit().await?;
        if requeued > 0 {
            tracing::warn!(requeued, "re-queued steps interrupted by a restart");
        }
        Ok(requeued)
    }

    /// Fires every due timer and runs every step that can run at the clock's
    /// current time, until nothing more can.
    pub async fn tick(&self) -> Result<TickReport, ServiceError> {
        let mut report = TickReport::default();
        loop {
            let now = self.service().clock().now();
            report.entries_fired += self.fire_due_entries(now).await?;
            let runnable = self.service().store().runnable_steps_any_tenant(now, self.inner.config.batch).await?;
            let mut by_install: BTreeMap<InstallId, Vec<RunnableStep>> = BTreeMap::new();
            for step in runnable {
                by_install.entry(step.install_id.clone()).or_default().push(step);
            }
            let mut tasks = tokio::task::JoinSet::new();
            for (_, steps) in by_install {
                let engine = self.clone();
                tasks.spawn(async move {
                    let mut ran = 0;
                    for step in steps {
                        if engine.execute(step).await? {
                            ran += 1;
                        }
                    }
                    Ok::<usize, ServiceError>(ran)
                });
            }
            let mut ran = 0;
            while let Some(result) = tasks.join_next().await {
                ran += result.map_err(|e| ServiceError::InvalidInput(format!("a step task panicked: {e}")))??;
            }
            if ran == 0 {
                return Ok(report);
            }
            report.steps_run += ran;
        }
    }

    /// Turns every due schedule entry into a job, in one transaction.
    async fn fire_due_entries(&self, now: chrono::DateTime<chrono::Utc>) -> Result<usize, ServiceError> {
        let mut tx = self.service().store().begin().await?;
        let due = tx.due_entries_any_tenant(now, self.inner.config.batch).await?;
        for entry in &due {
            let status = if entry.steps.is_empty() { JobStatus::Done } else { JobStatus::Queued };
            let job = tx
                .insert_job(NewJob {
                    id: JobId::generate(),
                    tenant_id: &entry.tenant_id,
                    install_id: &entry.install_id,
                    event_id: entry.origin_event_id.as_ref(),
                    schedule_entry_id: Some(&entry.id),
                    subject: &entry.subject,
                    policy_version: entry.policy_version,
                    compensates: None,
                    status,
                    steps: &entry.steps,
                    now,
                })
                .await?;
            tx.mark_entry_fired(&entry.id, &job).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    /// Runs until `shutdown` resolves: a tick whenever work arrives, a timer
    /// falls due, or at the latest every `idle` interval.
    pub async fn run(self, idle: std::time::Duration, shutdown: impl std::future::Future<Output = ()>) {
        if let Err(e) = self.recover().await {
            tracing::error!(error = %e, "could not re-queue interrupted steps");
        }
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "job engine tick failed; retrying");
            }
            // Steps held back by an open breaker stay due; never spin on them.
            let wait = self.until_next_due().await.unwrap_or(idle).clamp(MIN_WAIT, idle.max(MIN_WAIT));
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.service().work_arrived().notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn until_next_due(&self) -> Option<std::time::Duration> {
        let store = self.service().store();
        let step = store.next_step_due_any_tenant().await.ok().flatten();
        let entry = store.next_entry_due_any_tenant().await.ok().flatten();
        let next = step.into_iter().chain(entry).min()?;
        (next - self.service().clock().now()).to_std().ok().or(Some(std::time::Duration::ZERO))
    }
}
