//! A tenant's delivery settings: the SMTP relay and template of credential
//! e-mails, and the webhook occupancy notifications go to. Secrets go in and
//! never come out; each answer is the settings as they now stand.

use super::auth::Principal;
use super::{ApiJson, ApiState, TenantPath};
use crate::intake::ApiError;
use crate::service::{DeliverySetting, DeliveryView, SmtpRelaySpec};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutOutboundWebhook {
    /// http or https.
    #[schema(pattern = "^https?://")]
    pub url: String,
    /// The HMAC-SHA256 key that signs each notification.
    #[schema(min_length = 1)]
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutEmailTemplate {
    /// Plain text; may name the placeholders the settings list, as `{name}`.
    #[schema(min_length = 1)]
    pub template: String,
}

#[utoipa::path(get, path = "/v1/tenants/{tenant}/delivery", tag = "delivery", params(TenantPath),
    responses((status = 200, body = DeliveryView)))]
pub(super) async fn get(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<DeliveryView>, ApiError> {
    principal.read(&p.tenant)?;
    Ok(Json(app.service.delivery_settings(&p.tenant).await?))
}

/// Sets or replaces the SMTP relay; the sender must be an e-mail address.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/delivery/smtp", tag = "delivery", params(TenantPath),
    request_body = SmtpRelaySpec, responses((status = 200, body = DeliveryView)))]
pub(super) async fn put_smtp(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(spec): ApiJson<SmtpRelaySpec>,
) -> Result<Json<DeliveryView>, ApiError> {
    principal.write(&p.tenant)?;
    Ok(Json(app.service.set_smtp_relay(&principal.actor(), &p.tenant, spec).await?))
}

/// Sets or replaces the outbound occupancy webhook and its signing key.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/delivery/outbound-webhook", tag = "delivery", params(TenantPath),
    request_body = PutOutboundWebhook, responses((status = 200, body = DeliveryView)))]
pub(super) async fn put_outbound_webhook(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(body): ApiJson<PutOutboundWebhook>,
) -> Result<Json<DeliveryView>, ApiError> {
    principal.write(&p.tenant)?;
    Ok(Json(app.service.set_outbound_webhook(&principal.actor(), &p.tenant, &body.url, &body.secret).await?))
}

/// Replaces the credential e-mail template; an unknown placeholder is refused.
#[utoipa::path(put, path = "/v1/tenants/{tenant}/delivery/email-template", tag = "delivery", params(TenantPath),
    request_body = PutEmailTemplate, responses((status = 200, body = DeliveryView)))]
pub(super) async fn put_email_template(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
    ApiJson(body): ApiJson<PutEmailTemplate>,
) -> Result<Json<DeliveryView>, ApiError> {
    principal.write(&p.tenant)?;
    Ok(Json(app.service.set_email_template(&principal.actor(), &p.tenant, &body.template).await?))
}

async fn clear(
    app: ApiState,
    principal: Principal,
    p: TenantPath,
    setting: DeliverySetting,
) -> Result<Json<DeliveryView>, ApiError> {
    principal.write(&p.tenant)?;
    Ok(Json(app.service.clear_delivery_setting(&principal.actor(), &p.tenant, setting).await?))
}

/// Removes the relay: credential e-mails fail, saying a relay is needed.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/delivery/smtp", tag = "delivery", params(TenantPath),
    responses((status = 200, body = DeliveryView)))]
pub(super) async fn delete_smtp(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<DeliveryView>, ApiError> {
    clear(app, principal, p, DeliverySetting::Smtp).await
}

/// Removes the webhook: occupancy notifications stop.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/delivery/outbound-webhook", tag = "delivery", params(TenantPath),
    responses((status = 200, body = DeliveryView)))]
pub(super) async fn delete_outbound_webhook(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<DeliveryView>, ApiError> {
    clear(app, principal, p, DeliverySetting::OutboundWebhook).await
}

/// Goes back to the default template.
#[utoipa::path(delete, path = "/v1/tenants/{tenant}/delivery/email-template", tag = "delivery", params(TenantPath),
    responses((status = 200, body = DeliveryView)))]
pub(super) async fn delete_email_template(
    State(app): State<ApiState>,
    principal: Principal,
    Path(p): Path<TenantPath>,
) -> Result<Json<DeliveryView>, ApiError> {
    clear(app, principal, p, DeliverySetting::EmailTemplate).await
}
