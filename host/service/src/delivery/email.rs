//! The credential e-mail: a plain-text template with `{placeholders}`, and
//! sending over the tenant's SMTP relay (lettre). A tenant can replace the
//! template; unknown placeholders are left as written so a typo shows.

use crate::domain::{SmtpRelay, SmtpSecurity};
use crate::seal::Sealer;
use base64::Engine;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub const DEFAULT_TEMPLATE: &str = include_str!("../../templates/credential-email.txt");

/// What the e-mail says.
pub struct CredentialEmail<'a> {
    pub to: &'a str,
    pub first_name: &'a str,
    pub location: &'a str,
    pub card_number: u64,
    /// Local times, already formatted in the location's zone.
    pub valid_from: String,
    pub valid_until: String,
    pub time_zone: &'a str,
    pub qr_png: &'a [u8],
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The settings or the address are wrong; retrying will not help.
    #[error("{0}")]
    Invalid(String),
    /// The relay could not be reached or refused for now.
    #[error("the SMTP relay failed: {0}")]
    Relay(String),
}

/// Fills `{first_name}`, `{location}`, `{card_number}`, `{valid_from}`,
/// `{valid_until}` and `{time_zone}`.
pub fn render_template(template: &str, email: &CredentialEmail<'_>) -> String {
    [
        ("{first_name}", email.first_name.to_string()),
        ("{location}", email.location.to_string()),
        ("{card_number}", email.card_number.to_string()),
        ("{valid_from}", email.valid_from.clone()),
        ("{valid_until}", email.valid_until.clone()),
        ("{time_zone}", email.time_zone.to_string()),
    ]
    .iter()
    .fold(template.to_string(), |text, (placeholder, value)| text.replace(placeholder, value))
}

/// Sends the e-mail with the QR code attached.
pub async fn send_credential_email(
    relay: &SmtpRelay,
    sealer: &Sealer,
    template: &str,
    email: &CredentialEmail<'_>,
) -> Result<(), DeliveryError> {
    let invalid = |what: &str, e: &dyn std::fmt::Display| DeliveryError::Invalid(format!("{what}: {e}"));
    let from = relay.from.parse().map_err(|e| invalid("the relay's sender address", &e))?;
    let to = email.to.parse().map_err(|e| invalid("the visitor's e-mail address", &e))?;
    let qr = Attachment::new("access-qr.png".into()).body(email.qr_png.to_vec(), ContentType::parse("image/png").expect("valid MIME type"));
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Your access to {}", email.location))
        .multipart(MultiPart::mixed().singlepart(SinglePart::plain(render_template(template, email))).singlepart(qr))
        .map_err(|e| invalid("the message", &e))?;

    let builder = match relay.security {
        SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&relay.host).map_err(|e| invalid("the relay", &e))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&relay.host).map_err(|e| invalid("the relay", &e))?,
    };
    let mut builder = builder.port(relay.port).timeout(Some(std::time::Duration::from_secs(30)));
    if let (Some(user), Some(sealed)) = (&relay.username, &relay.password_sealed) {
        let sealed = base64::engine::general_purpose::STANDARD.decode(sealed).map_err(|e| invalid("the sealed password", &e))?;
        let password = sealer.open_str(&sealed).map_err(|e| invalid("the sealed password", &e))?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(DeliveryError::Invalid(format!("the relay refused the message: {e}"))),
        Err(e) => Err(DeliveryError::Relay(e.to_string())),
    }
}
