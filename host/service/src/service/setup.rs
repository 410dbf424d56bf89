//! Setting things up: tenants, locations, installs and policies (a tenant's
//! delivery settings are in `delivery.rs`). Every change is audited; secrets
//! are sealed before they reach the store and never appear in the audit trail.

use super::{Service, ServiceError};
use crate::domain::{system_tenant, ActionKind, CardPool, Install, InstallId, Location, LocationId, Tenant, TenantId};
use crate::gateway::RuntimeGateway;
use crate::policy;
use crate::store::AuditEntry;
use serde_json::json;
use std::collections::BTreeSet;

/// An install as an operator describes it.
#[derive(Clone, Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallSpec {
    pub id: InstallId,
    pub location_id: LocationId,
    pub plugin_id: String,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub grants: serde_json::Value,
    #[serde(default = "enabled")]
    pub enabled: bool,
    #[serde(default)]
    pub card_pools: Vec<CardPool>,
    /// The HMAC key of the Envoy webhook (Envoy's client secret).
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

fn empty_object() -> serde_json::Value {
    json!({})
}
fn enabled() -> bool {
    true
}

impl Service {
    pub(super) async fn audit(
        &self,
        tx: &mut crate::store::WriteTx,
        tenant: &TenantId,
        actor: &str,
        action: &str,
        subject: String,
        detail: serde_json::Value,
    ) -> Result<(), ServiceError> {
        let entry = AuditEntry { at: self.clock.now(), actor: actor.into(), action: action.into(), subject, detail };
        Ok(tx.append_audit(tenant, &entry).await?)
    }

    /// Creates a tenant or renames it; its delivery settings are kept.
    pub async fn put_tenant(&self, actor: &str, id: &TenantId, name: &str) -> Result<(), ServiceError> {
        if *id == system_tenant() {
            return Err(ServiceError::InvalidInput(format!("`{id}` is reserved for system-wide audit entries")));
        }
        let before = self.store.tenant(id).await?;
        let settings = before.as_ref().map(|t| t.settings.clone()).unwrap_or_default();
        let tenant = Tenant { id: id.clone(), name: name.into(), settings };
        let mut tx = self.store.begin().await?;
        tx.upsert_tenant(&tenant, self.clock.now()).await?;
        let detail = json!({ "before": before.map(|t| json!({ "name": t.name })), "after": { "name": name } });
        self.audit(&mut tx, id, actor, "tenant.put", format!("tenant:{id}"), detail).await?;
        Ok(tx.commit().await?)
    }

    /// Creates or updates a location; `time_zone` is an IANA name.
    pub async fn put_location(
        &self,
        actor: &str,
        tenant: &TenantId,
        id: &LocationId,
        name: &str,
        time_zone: &str,
    ) -> Result<(), ServiceError> {
        let zone: chrono_tz::Tz = time_zone.parse().map_err(|_| {
            ServiceError::InvalidInput(format!("`{time_zone}` is not an IANA time zone (e.g. Europe/Paris)"))
        })?;
        self.store.tenant(tenant).await?.ok_or_else(|| ServiceError::not_found("tenant", tenant))?;
        let before = self.store.location_any_tenant(id).await?;
        if before.as_ref().is_some_and(|l| l.tenant_id != *tenant) {
            return Err(ServiceError::Conflict(format!("location id `{id}` is already in use")));
        }
        let location = Location { id: id.clone(), tenant_id: tenant.clone(), name: name.into(), time_zone: zone };
        let mut tx = self.store.begin().await?;
        tx.upsert_location(&location, self.clock.now()).await?;
        let before = before.map(|l| json!({ "name": l.name, "time_zone": l.time_zone.name() }));
        let detail = json!({ "before": before, "after": { "name": name, "time_zone": time_zone } });
        self.audit(&mut tx, tenant, actor, "location.put", format!("location:{id}"), detail).await?;
        Ok(tx.commit().await?)
    }

    /// Creates or reconfigures an install with its card pools.
    pub async fn put_install(&self, actor: &str, tenant: &TenantId, spec: InstallSpec) -> Result<(), ServiceError> {
        self.store
            .location(tenant, &spec.location_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("location", &spec.location_id))?;
        spec.check()?;
        let before = self.store.install_any_tenant(&spec.id).await?;
        if before.as_ref().is_some_and(|i| i.tenant_id != *tenant) {
            return Err(ServiceError::Conflict(format!("install id `{}` is already in use", spec.id)));
        }
        let install = spec.install_of(tenant);
        let sealed = spec.webhook_secret.as_deref().map(|s| self.sealer.seal(s.as_bytes()));
        let mut tx = self.store.begin().await?;
        tx.upsert_install(&install, sealed.as_deref(), self.clock.now()).await?;
        tx.set_card_pools(tenant, &spec.id, &spec.card_pools).await?;
        let before = before.map(|i| json!({ "plugin_id": i.plugin_id, "location_id": i.location_id, "config": i.config, "enabled": i.enabled }));
        let detail = json!({
            "before": before,
            "after": {
                "plugin_id": spec.plugin_id, "location_id": spec.location_id, "config": spec.config,
                "enabled": spec.enabled, "card_pools": spec.card_pools,
                "webhook_secret": spec.webhook_secret.as_ref().map(|_| "[redacted]"),
            },
        });
        self.audit(&mut tx, tenant, actor, "install.put", format!("install:{}", spec.id), detail).await?;
        Ok(tx.commit().await?)
    }

    /// Validates a policy against the install's plugin and card pools and
    /// stores it as the install's next version, which it returns.
    pub async fn put_policy(
        &self,
        actor: &str,
        tenant: &TenantId,
        install_id: &InstallId,
        source: &str,
    ) -> Result<i64, ServiceError> {
        let install = self
            .store
            .install(tenant, install_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("install", install_id))?;
        let pools = self.store.card_pools(tenant, install_id).await?;
        let checked = self.check_policy(&install, &pools, source).await?;
        let mut tx = self.store.begin().await?;
        let version = tx.insert_policy(tenant, install_id, source, &checked.supported, self.clock.now()).await?;
        let detail = json!({ "version": version, "plugin_version": checked.plugin_version });
        self.audit(&mut tx, tenant, actor, "policy.put", format!("install:{install_id}"), detail).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Like [`Service::put_policy`], but a source identical to the current
    /// version's stores nothing: re-applying the same file is a no-op.
    pub async fn put_policy_if_changed(
        &self,
        actor: &str,
        tenant: &TenantId,
        install_id: &InstallId,
        source: &str,
    ) -> Result<PolicyPut, ServiceError> {
        match self.store.policy(tenant, install_id, None).await? {
            Some(current) if current.source == source => Ok(PolicyPut { version: current.version, created: false }),
            _ => Ok(PolicyPut { version: self.put_policy(actor, tenant, install_id, source).await?, created: true }),
        }
    }

    /// Checks a policy against an install's plugin and card pools without
    /// storing anything (the install need not be saved yet).
    pub async fn check_policy(
        &self,
        install: &Install,
        pools: &[CardPool],
        source: &str,
    ) -> Result<CheckedPolicy, ServiceError> {
        let policy = policy::parse(source)?;
        let manifest = self.gateway.manifest(install).await?;
        let supported = policy::validate(&policy, &manifest, pools)?;
        Ok(CheckedPolicy { policy, supported, plugin_version: manifest.version })
    }
}

/// The outcome of [`Service::put_policy_if_changed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyPut {
    pub version: i64,
    /// False when the source was already the current version.
    pub created: bool,
}

/// A policy that passed [`Service::check_policy`].
pub struct CheckedPolicy {
    pub policy: policy::Policy,
    /// The plugin's actions when it was checked.
    pub supported: BTreeSet<ActionKind>,
    pub plugin_version: String,
}

impl InstallSpec {
    /// The install this spec describes for `tenant`.
    pub fn install_of(&self, tenant: &TenantId) -> Install {
        Install {
            id: self.id.clone(),
            tenant_id: tenant.clone(),
            location_id: self.location_id.clone(),
            plugin_id: self.plugin_id.clone(),
            config: self.config.clone(),
            grants: self.grants.clone(),
            enabled: self.enabled,
        }
    }

    /// What can be checked without the store: the configuration is an
    /// object, the grants have the runtime's shapes, the card pool ranges
    /// are sound. Nothing half-valid is stored, to fail only when called.
    pub fn check(&self) -> Result<(), ServiceError> {
        if !self.config.is_object() {
            return Err(ServiceError::InvalidInput("the install's config must be a JSON object".into()));
        }
        RuntimeGateway::check_grants(&self.grants).map_err(ServiceError::InvalidInput)?;
        self.check_card_pools()
    }

    /// One pool per facility code, each a sound range with a card format.
    pub fn check_card_pools(&self) -> Result<(), ServiceError> {
        let mut facility_codes = BTreeSet::new();
        for pool in &self.card_pools {
            let invalid =
                |why: String| Err(ServiceError::InvalidInput(format!("card pool {}: {why}", pool.facility_code)));
            if pool.min > pool.max || pool.max > i64::MAX as u64 {
                return invalid(format!("the range {}..={} is empty or too large", pool.min, pool.max));
            }
            if pool.format.trim().is_empty() {
                return invalid("the card format is empty".into());
            }
            if !facility_codes.insert(pool.facility_code) {
                return invalid("a facility code has one pool; this one is given twice".into());
            }
        }
        Ok(())
    }
}
