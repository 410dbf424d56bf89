//! The host-side step that e-mails the QR code of the card a job issued.

use super::execute::{Effect, StepResult};
use super::{Engine, ServiceError};
use crate::delivery::{card_qr_png, send_credential_email, CredentialEmail, DeliveryError, DEFAULT_TEMPLATE};
use crate::domain::ErrorKind;
use crate::store::{AttachmentBody, RunnableStep, StepRecord, StepUpdate};

impl Engine {
    pub(super) async fn run_email_step(
        &self,
        runnable: &RunnableStep,
        step: &StepRecord,
    ) -> Result<StepResult, ServiceError> {
        let service = self.service();
        let store = service.store();
        let (tenant_id, install_id, subject) = (&runnable.tenant_id, &runnable.install_id, &runnable.subject);
        let Some(tenant) = store.tenant(tenant_id).await? else {
            return Ok(StepResult::stop(ErrorKind::Config, "the tenant no longer exists"));
        };
        let Some(relay) = tenant.settings.smtp.clone() else {
            return Ok(StepResult::stop(
                ErrorKind::Config,
                "the tenant has no SMTP relay; set one to e-mail credentials",
            ));
        };
        let Some(card) = store.latest_card(tenant_id, install_id, subject).await? else {
            return Ok(StepResult::stop(
                ErrorKind::Permanent,
                "no card was issued to this visitor, so there is no QR code to send",
            ));
        };
        let person = store.person(tenant_id, install_id, subject.external_id()).await?;
        let Some((first_name, to)) =
            person.and_then(|p| Some((p.details.first_name.clone(), p.details.email.clone()?)))
        else {
            return Ok(StepResult::stop(ErrorKind::Permanent, "the visitor has no e-mail address"));
        };
        let Some(install) = store.install(tenant_id, install_id).await? else {
            return Ok(StepResult::stop(ErrorKind::Config, "the install no longer exists"));
        };
        let Some(location) = store.location(tenant_id, &install.location_id).await? else {
            return Ok(StepResult::stop(ErrorKind::Config, "the install's location no longer exists"));
        };
        let Some(window) = step.planned.window else {
            return Ok(StepResult::stop(ErrorKind::Permanent, "the e-mail was planned without an access window"));
        };
        let png = card_qr_png(&card).map_err(ServiceError::InvalidInput)?;
        let local = |at: chrono::DateTime<chrono::Utc>| {
            at.with_timezone(&location.time_zone).format("%Y-%m-%d %H:%M").to_string()
        };
        let email = CredentialEmail {
            to: &to,
            first_name: &first_name,
            location: &location.name,
            card_number: card.card_number,
            valid_from: local(window.starts_at()),
            valid_until: local(window.ends_at()),
            time_zone: location.time_zone.name(),
            qr_png: &png,
        };
        let template = tenant.settings.email_template.as_deref().unwrap_or(DEFAULT_TEMPLATE);
        Ok(match send_credential_email(&relay, service.sealer(), template, &email).await {
            Ok(()) => StepResult {
                update: StepUpdate::Done {
                    outcome: serde_json::json!({ "sent_to": to, "card_number": card.card_number }),
                },
                effects: vec![Effect::Attach(AttachmentBody::QrPng(png))],
            },
            Err(DeliveryError::Invalid(reason)) => StepResult::stop(ErrorKind::Config, reason),
            Err(DeliveryError::Relay(reason)) => {
                let retry = &self.inner.config.retry;
                let now = service.clock().now();
                let update = if retry.exhausted(step.attempts) {
                    StepUpdate::Dead { kind: ErrorKind::Transient, error: reason }
                } else {
                    StepUpdate::Retry {
                        at: now + retry.delay(step.attempts, None),
                        kind: ErrorKind::Transient,
                        error: reason,
                    }
                };
                StepResult { update, effects: Vec::new() }
            }
        })
    }
}
