//! What the management API reads and changes beyond set-up: tenants,
//! locations and installs as configured, switching installs on and off, the
//! plugin's live set-up checks and pickers, and an install's write-only
//! secrets. Every change is audited with what it was before and after.
//!
//! Secrets live in the runtime's sealed store, not in ours: the audit entry
//! is written in a transaction that commits only after the secret store took
//! the change, so a refused write leaves no trace and the value itself is
//! never in either.

use super::{InstallSpec, Service, ServiceError};
use crate::domain::{system_tenant, CardPool, Install, InstallId, Location, LocationId, Tenant, TenantId, TokenScope};
use crate::gateway::{SetupCheck, SetupOption};
use crate::store::StoredPolicy;
use serde_json::json;

impl Service {
    /// The tenants a token of `scope` may see.
    pub async fn tenants(&self, scope: &TokenScope) -> Result<Vec<Tenant>, ServiceError> {
        Ok(match scope {
            TokenScope::Admin => self.store.tenants_any_tenant().await?,
            TokenScope::Tenant(id) => self.store.tenant(id).await?.into_iter().collect(),
        })
    }

    pub async fn tenant(&self, id: &TenantId) -> Result<Tenant, ServiceError> {
        self.store.tenant(id).await?.ok_or_else(|| ServiceError::not_found("tenant", id))
    }

    /// Creates a tenant; an id in use (or the reserved system id) is refused.
    pub(crate) async fn create_tenant(&self, actor: &str, id: &TenantId, name: &str) -> Result<(), ServiceError> {
        if *id == system_tenant() || self.store.tenant(id).await?.is_some() {
            return Err(ServiceError::Conflict(format!("tenant id `{id}` is already in use")));
        }
        self.put_tenant(actor, id, name).await
    }

    pub async fn locations(&self, tenant: &TenantId) -> Result<Vec<Location>, ServiceError> {
        Ok(self.store.locations(tenant).await?)
    }

    pub async fn location(&self, tenant: &TenantId, id: &LocationId) -> Result<Location, ServiceError> {
        self.store.location(tenant, id).await?.ok_or_else(|| ServiceError::not_found("location", id))
    }

    pub async fn installs(&self, tenant: &TenantId) -> Result<Vec<Install>, ServiceError> {
        Ok(self.store.installs(tenant).await?)
    }

    /// An install with its card pools.
    pub async fn install(&self, tenant: &TenantId, id: &InstallId) -> Result<(Install, Vec<CardPool>), ServiceError> {
        let install = self.store.install(tenant, id).await?.ok_or_else(|| ServiceError::not_found("install", id))?;
        let pools = self.store.card_pools(tenant, id).await?;
        Ok((install, pools))
    }

    /// Creates an install; an id in use is refused.
    pub(crate) async fn create_install(
        &self,
        actor: &str,
        tenant: &TenantId,
        spec: InstallSpec,
    ) -> Result<(), ServiceError> {
        if self.store.install_any_tenant(&spec.id).await?.is_some() {
            return Err(ServiceError::Conflict(format!("install id `{}` is already in use", spec.id)));
        }
        self.put_install(actor, tenant, spec).await
    }

    /// Replaces the configuration of an existing install.
    pub(crate) async fn configure_install(
        &self,
        actor: &str,
        tenant: &TenantId,
        spec: InstallSpec,
    ) -> Result<(), ServiceError> {
        self.install(tenant, &spec.id).await?;
        self.put_install(actor, tenant, spec).await
    }

    /// The location an install serves, for its time zone.
    pub(crate) async fn install_location(&self, tenant: &TenantId, id: &InstallId) -> Result<Location, ServiceError> {
        let (install, _) = self.install(tenant, id).await?;
        self.location(tenant, &install.location_id).await
    }

    /// Switches an install on or off; a disabled install takes no events.
    pub(crate) async fn set_install_enabled(
        &self,
        actor: &str,
        tenant: &TenantId,
        id: &InstallId,
        enabled: bool,
    ) -> Result<(), ServiceError> {
        let (mut install, _) = self.install(tenant, id).await?;
        let before = install.enabled;
        install.enabled = enabled;
        let mut tx = self.store.begin().await?;
        tx.upsert_install(&install, None, self.clock.now()).await?;
        let action = if enabled { "install.enable" } else { "install.disable" };
        let detail = json!({ "before": { "enabled": before }, "after": { "enabled": enabled } });
        self.audit(&mut tx, tenant, actor, action, format!("install:{id}"), detail).await?;
        Ok(tx.commit().await?)
    }

    /// The plugin's live check of the install's configuration.
    pub(crate) async fn validate_install(
        &self,
        tenant: &TenantId,
        id: &InstallId,
    ) -> Result<Vec<SetupCheck>, ServiceError> {
        let (install, _) = self.install(tenant, id).await?;
        Ok(self.gateway.validate(&install).await?)
    }

    /// The choices of one set-up picker (groups, partitions, companies, access codes).
    pub(crate) async fn install_options(
        &self,
        tenant: &TenantId,
        id: &InstallId,
        picker: &str,
    ) -> Result<Vec<SetupOption>, ServiceError> {
        let (install, _) = self.install(tenant, id).await?;
        Ok(self.gateway.list_options(&install, picker).await?)
    }

    /// Sets a secret of the install, or rotates it when it exists.
    pub async fn set_secret(
        &self,
        actor: &str,
        tenant: &TenantId,
        id: &InstallId,
        name: &str,
        value: &str,
    ) -> Result<(), ServiceError> {
        let (install, _) = self.install(tenant, id).await?;
        let existed = self.gateway.secret_names(&install).await?.iter().any(|n| n == name);
        let mut tx = self.store.begin().await?;
        let action = if existed { "secret.rotate" } else { "secret.set" };
        let detail = json!({ "name": name, "value": "[redacted]" });
        self.audit(&mut tx, tenant, actor, action, format!("install:{id}"), detail).await?;
        self.gateway.set_secret(&install, name, value).await?;
        Ok(tx.commit().await?)
    }

    pub async fn delete_secret(
        &self,
        actor: &str,
        tenant: &TenantId,
        id: &InstallId,
        name: &str,
    ) -> Result<(), ServiceError> {
        let (install, _) = self.install(tenant, id).await?;
        let mut tx = self.store.begin().await?;
        self.audit(&mut tx, tenant, actor, "secret.delete", format!("install:{id}"), json!({ "name": name })).await?;
        if !self.gateway.delete_secret(&install, name).await? {
            return Err(ServiceError::not_found("secret", name));
        }
        Ok(tx.commit().await?)
    }

    /// The names of the install's secrets; their values never leave the runtime.
    pub async fn secret_names(&self, tenant: &TenantId, id: &InstallId) -> Result<Vec<String>, ServiceError> {
        let (install, _) = self.install(tenant, id).await?;
        Ok(self.gateway.secret_names(&install).await?)
    }

    /// The install's current policy.
    pub(crate) async fn current_policy(
        &self,
        tenant: &TenantId,
        install: &InstallId,
    ) -> Result<StoredPolicy, ServiceError> {
        self.install(tenant, install).await?;
        self.store
            .policy(tenant, install, None)
            .await?
            .ok_or_else(|| ServiceError::not_found("policy of install", install))
    }

    /// Every version of the install's policy, newest first.
    pub(crate) async fn policy_versions(
        &self,
        tenant: &TenantId,
        install: &InstallId,
    ) -> Result<Vec<StoredPolicy>, ServiceError> {
        self.install(tenant, install).await?;
        Ok(self.store.policies(tenant, install).await?)
    }
}
