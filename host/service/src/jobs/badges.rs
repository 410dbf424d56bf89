//! Occupancy: badge events polled from each install become "employee signed
//! in" records (once per vendor event id), and each new record is queued in
//! the durable outbox for the tenant's visitor-management webhook
//! ([`super::webhooks`]).
//!
//! Only installs whose policy uses auto check-in (`employees.mode =
//! "auto-check-in"`) are polled: that is the policy's way of saying badges
//! sign employees in.

use crate::domain::{Install, TenantId};
use crate::gateway::BadgeResult;
use crate::policy::format::EmployeeMode;
use crate::policy::PolicyCache;
use crate::service::{Service, ServiceError};
use crate::store::OccupancyRecord;
use serde_json::json;

/// Polls badge events and records occupancy.
#[derive(Clone)]
pub struct BadgePoller {
    service: Service,
    batch: u32,
    /// Every round reads each install's policy; each version is parsed once.
    policies: PolicyCache,
}

/// What one round of polling did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollReport {
    pub installs_polled: usize,
    pub events_seen: usize,
    pub signed_in: usize,
}

impl BadgePoller {
    pub fn new(service: Service) -> Self {
        Self { service, batch: 100, policies: PolicyCache::default() }
    }

    /// Polls every install that signs employees in by badge, once.
    pub async fn poll_all(&self) -> Result<PollReport, ServiceError> {
        let mut report = PollReport::default();
        for install in self.service.store().enabled_installs_any_tenant().await? {
            if !self.uses_auto_check_in(&install).await? {
                continue;
            }
            report.installs_polled += 1;
            match self.poll(&install).await {
                Ok((seen, signed_in)) => {
                    report.events_seen += seen;
                    report.signed_in += signed_in;
                }
                // One unreachable vendor must not stop the others; the cursor stays, nothing is lost.
                Err(ServiceError::Connector(e)) => {
                    tracing::warn!(install = %install.id, error = %e, "badge poll failed")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    async fn uses_auto_check_in(&self, install: &Install) -> Result<bool, ServiceError> {
        let Some(stored) = self.service.store().policy(&install.tenant_id, &install.id, None).await? else {
            return Ok(false);
        };
        let policy = self.policies.get(&install.tenant_id, &install.id, stored.version, &stored.source);
        Ok(policy.is_ok_and(|p| p.employees.mode == EmployeeMode::AutoCheckIn))
    }

    /// One batch of one install; the cursor moves only with the records.
    async fn poll(&self, install: &Install) -> Result<(usize, usize), ServiceError> {
        let tenant: &TenantId = &install.tenant_id;
        let store = self.service.store();
        let cursor = store.event_cursor(tenant, &install.id).await?;
        let batch = self.service.gateway().poll_events(install, cursor.as_deref(), self.batch).await?;
        let webhook = store.tenant(tenant).await?.and_then(|t| t.settings.outbound_webhook).is_some();
        let now = self.service.clock().now();
        let mut tx = store.begin().await?;
        let mut signed_in = 0;
        for event in batch.events.iter().filter(|e| e.result == BadgeResult::Granted) {
            let record = OccupancyRecord {
                install_id: install.id.clone(),
                location_id: install.location_id.clone(),
                pacs_event_id: event.event_id.clone(),
                email: event.email.clone(),
                pacs_person_id: event.pacs_person_id.clone(),
                door: event.door.clone(),
                occurred_at: event.occurred_at,
            };
            if !tx.insert_occupancy(tenant, &record, now).await? {
                continue;
            }
            signed_in += 1;
            if webhook {
                let payload = json!({
                    "type": "employee.signed_in", "source": "badge",
                    "tenant_id": tenant, "location_id": install.location_id, "install_id": install.id,
                    "pacs_event_id": event.event_id, "pacs_person_id": event.pacs_person_id,
                    "email": event.email, "door": event.door, "occurred_at": event.occurred_at,
                });
                tx.enqueue_outbound(tenant, "occupancy", &payload, now).await?;
            }
        }
        tx.set_event_cursor(tenant, &install.id, &batch.next_cursor, now).await?;
        tx.commit().await?;
        Ok((batch.events.len(), signed_in))
    }
}
