//! Delivery of the outbox to the tenant's webhook: POST with
//! `X-Gatehouse-Signature: sha256=<hex HMAC-SHA256 of the body>`, retried with
//! backoff until the receiver answers 2xx or the budget runs out.

use super::RetryPolicy;
use crate::service::{Service, ServiceError};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-gatehouse-signature";

/// `sha256=<hex>` of the body under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Clone)]
pub struct WebhookSender {
    service: Service,
    client: reqwest::Client,
    retry: RetryPolicy,
}

impl WebhookSender {
    pub fn new(service: Service, retry: RetryPolicy) -> Self {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("a default HTTP client builds");
        Self { service, client, retry }
    }

    /// Attempts every due delivery once; returns how many were delivered.
    pub async fn deliver_due(&self) -> Result<usize, ServiceError> {
        let store = self.service.store();
        let due = store.due_outbound_any_tenant(self.service.clock().now(), 100).await?;
        let mut delivered = 0;
        for delivery in due {
            let hook = store.tenant(&delivery.tenant_id).await?.and_then(|t| t.settings.outbound_webhook);
            let result = match hook {
                None => Err(("the tenant no longer has an outbound webhook".to_string(), false)),
                Some(hook) => match self.service.sealer().open_base64(&hook.secret_sealed).ok() {
                    None => Err(("the webhook secret cannot be unsealed".to_string(), false)),
                    Some(secret) => self.post(&hook.url, secret.as_bytes(), &delivery.payload).await,
                },
            };
            let attempts = delivery.attempts + 1;
            let now = self.service.clock().now();
            let outcome = match &result {
                Ok(()) => Ok(()),
                Err((error, true)) if !self.retry.exhausted(attempts) => {
                    Err((error.as_str(), Some(now + self.retry.delay(attempts, None))))
                }
                Err((error, _)) => Err((error.as_str(), None)),
            };
            let mut tx = store.begin().await?;
            tx.record_outbound_attempt(&delivery.id, outcome).await?;
            tx.commit().await?;
            delivered += usize::from(result.is_ok());
        }
        Ok(delivered)
    }

    /// One POST; `Err((reason, retryable))`.
    async fn post(&self, url: &str, secret: &[u8], payload: &serde_json::Value) -> Result<(), (String, bool)> {
        let body = payload.to_string();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature(secret, body.as_bytes()))
            .body(body)
            .send()
            .await
            .map_err(|e| (format!("the webhook could not be reached: {e}"), true))?;
        match response.status() {
            s if s.is_success() => Ok(()),
            s => Err((
                format!("the webhook answered {s}"),
                s.is_server_error() || s.as_u16() == 429 || s.as_u16() == 408,
            )),
        }
    }
}
