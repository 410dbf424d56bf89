//! A tenant's delivery settings: the SMTP relay and template of credential
//! e-mails, and the outbound webhook that occupancy notifications go to.
//! Secrets (the relay's password, the webhook's HMAC key) are write-only:
//! sealed on save, shown only as "set", redacted in the audit trail.

use super::{Service, ServiceError};
use crate::delivery::check_template;
use crate::domain::{OutboundWebhook, SmtpRelay, SmtpSecurity, TenantId, TenantSettings};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// An SMTP relay as an operator describes it (password in clear, sealed on save).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpRelaySpec {
    #[schema(min_length = 1)]
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// Give both or neither of username and password.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, e.g. "Reception <reception@example.com>".
    #[schema(min_length = 3)]
    pub from: String,
}

impl SmtpRelaySpec {
    /// What can be checked without the store (`gatehouse apply` checks a whole file first).
    pub fn check(&self) -> Result<(), ServiceError> {
        let invalid = |why: String| Err(ServiceError::InvalidInput(format!("SMTP relay: {why}")));
        if self.host.trim().is_empty() || self.host.contains(char::is_whitespace) {
            return invalid(format!("`{}` is not a host name", self.host));
        }
        if self.port == 0 {
            return invalid("port 0 is not a port".into());
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid(format!(
                "the sender `{}` is not an e-mail address (e.g. \"Reception <reception@example.com>\")",
                self.from
            ));
        }
        if self.username.is_some() != self.password.is_some() {
            return invalid("give both a username and a password, or neither".into());
        }
        Ok(())
    }
}

/// The three settings, by name, for clearing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliverySetting {
    Smtp,
    OutboundWebhook,
    EmailTemplate,
}

/// A tenant's delivery settings as they may be shown: no secret, only
/// whether it is set.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct DeliveryView {
    /// None: credential e-mails fail until a relay is set.
    pub smtp: Option<SmtpRelayView>,
    /// None: occupancy notifications are not sent anywhere.
    pub outbound_webhook: Option<OutboundWebhookView>,
    /// The tenant's own template; none means the default below.
    pub email_template: Option<String>,
    pub default_email_template: String,
    /// What a template may name, each written `{name}`.
    pub placeholders: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SmtpRelayView {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password_set: bool,
    pub from: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OutboundWebhookView {
    pub url: String,
    /// Always true: a webhook cannot be saved without its HMAC key.
    pub secret_set: bool,
}

impl From<&TenantSettings> for DeliveryView {
    fn from(settings: &TenantSettings) -> Self {
        DeliveryView {
            smtp: settings.smtp.as_ref().map(|r| SmtpRelayView {
                host: r.host.clone(),
                port: r.port,
                security: r.security,
                username: r.username.clone(),
                password_set: r.password_sealed.is_some(),
                from: r.from.clone(),
            }),
            outbound_webhook: settings
                .outbound_webhook
                .as_ref()
                .map(|w| OutboundWebhookView { url: w.url.clone(), secret_set: true }),
            email_template: settings.email_template.clone(),
            default_email_template: crate::delivery::DEFAULT_TEMPLATE.into(),
            placeholders: crate::delivery::PLACEHOLDERS.iter().map(|p| p.to_string()).collect(),
        }
    }
}

impl Service {
    pub async fn delivery_settings(&self, tenant: &TenantId) -> Result<DeliveryView, ServiceError> {
        Ok(DeliveryView::from(&self.tenant(tenant).await?.settings))
    }

    /// Sets the tenant's SMTP relay for credential e-mails.
    pub async fn set_smtp_relay(
        &self,
        actor: &str,
        tenant: &TenantId,
        spec: SmtpRelaySpec,
    ) -> Result<DeliveryView, ServiceError> {
        spec.check()?;
        let written: &[&str] = if spec.password.is_some() { &["password"] } else { &[] };
        let relay = SmtpRelay {
            password_sealed: spec.password.as_deref().map(|p| self.sealer.seal_base64(p)),
            host: spec.host,
            port: spec.port,
            security: spec.security,
            username: spec.username,
            from: spec.from,
        };
        self.update_settings(actor, tenant, "tenant.smtp", written, |s| s.smtp = Some(relay)).await
    }

    /// Sets where occupancy notifications go and the key that signs them.
    pub async fn set_outbound_webhook(
        &self,
        actor: &str,
        tenant: &TenantId,
        url: &str,
        secret: &str,
    ) -> Result<DeliveryView, ServiceError> {
        check_outbound_webhook(url, secret)?;
        let hook = OutboundWebhook { url: url.into(), secret_sealed: self.sealer.seal_base64(secret) };
        self.update_settings(actor, tenant, "tenant.outbound-webhook", &["secret"], |s| s.outbound_webhook = Some(hook))
            .await
    }

    /// Replaces the credential e-mail template (see `delivery::email`).
    pub async fn set_email_template(
        &self,
        actor: &str,
        tenant: &TenantId,
        template: &str,
    ) -> Result<DeliveryView, ServiceError> {
        check_template(template).map_err(ServiceError::InvalidInput)?;
        let template = template.to_string();
        self.update_settings(actor, tenant, "tenant.email-template", &[], |s| s.email_template = Some(template)).await
    }

    /// Whether the tenant's relay already is `spec`, password included.
    pub async fn smtp_relay_is(&self, tenant: &TenantId, spec: &SmtpRelaySpec) -> Result<bool, ServiceError> {
        let Some(relay) = self.tenant(tenant).await?.settings.smtp else { return Ok(false) };
        let password = relay.password_sealed.as_deref().map(|sealed| self.sealer.open_base64(sealed)).transpose()?;
        Ok((&relay.host, relay.port, relay.security, &relay.username, &password, &relay.from)
            == (&spec.host, spec.port, spec.security, &spec.username, &spec.password, &spec.from))
    }

    /// Whether the tenant's outbound webhook already is `url` signed with `secret`.
    pub async fn outbound_webhook_is(&self, tenant: &TenantId, url: &str, secret: &str) -> Result<bool, ServiceError> {
        let Some(hook) = self.tenant(tenant).await?.settings.outbound_webhook else { return Ok(false) };
        Ok(hook.url == url && self.sealer.open_base64(&hook.secret_sealed)? == secret)
    }

    /// Removes one setting: no relay, no webhook, or the default template again.
    pub async fn clear_delivery_setting(
        &self,
        actor: &str,
        tenant: &TenantId,
        setting: DeliverySetting,
    ) -> Result<DeliveryView, ServiceError> {
        let (action, clear): (_, fn(&mut TenantSettings)) = match setting {
            DeliverySetting::Smtp => ("tenant.smtp.delete", |s| s.smtp = None),
            DeliverySetting::OutboundWebhook => ("tenant.outbound-webhook.delete", |s| s.outbound_webhook = None),
            DeliverySetting::EmailTemplate => ("tenant.email-template.delete", |s| s.email_template = None),
        };
        self.update_settings(actor, tenant, action, &[], clear).await
    }

    /// Applies `change` and audits it with the redacted view before and
    /// after, naming the secrets it wrote (a rotated password leaves the
    /// view as it was, and the trail must still show it).
    async fn update_settings(
        &self,
        actor: &str,
        tenant_id: &TenantId,
        action: &str,
        secrets_written: &[&str],
        change: impl FnOnce(&mut TenantSettings),
    ) -> Result<DeliveryView, ServiceError> {
        let mut tenant = self.tenant(tenant_id).await?;
        let before = DeliveryView::from(&tenant.settings);
        change(&mut tenant.settings);
        let after = DeliveryView::from(&tenant.settings);
        let mut tx = self.store.begin().await?;
        tx.upsert_tenant(&tenant, self.clock.now()).await?;
        let detail =
            json!({ "before": audited(&before), "after": audited(&after), "secrets_written": secrets_written });
        self.audit(&mut tx, tenant_id, actor, action, format!("tenant:{tenant_id}"), detail).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// An http(s) URL and a key to sign with.
pub fn check_outbound_webhook(url: &str, secret: &str) -> Result<(), ServiceError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| ServiceError::InvalidInput(format!("webhook url `{url}`: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ServiceError::InvalidInput(format!("webhook url `{url}` must be http or https")));
    }
    if secret.is_empty() {
        return Err(ServiceError::InvalidInput("the webhook's HMAC secret is empty".into()));
    }
    Ok(())
}

/// The view without the constant parts, which would only fill the trail.
fn audited(view: &DeliveryView) -> serde_json::Value {
    json!({ "smtp": view.smtp, "outbound_webhook": view.outbound_webhook, "email_template": view.email_template })
}
