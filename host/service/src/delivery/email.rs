//! The credential e-mail: a plain-text template with `{placeholders}`, and
//! sending over the tenant's SMTP relay (lettre). A tenant can replace the
//! template; one that names a placeholder Gatehouse does not fill is refused
//! when it is saved, since the typo would otherwise reach every visitor.

use crate::domain::{SmtpRelay, SmtpSecurity};
use gatehouse_core::Sealer;
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

/// The placeholders a template may use, each written `{name}`.
pub const PLACEHOLDERS: [&str; 6] = ["first_name", "location", "card_number", "valid_from", "valid_until", "time_zone"];

/// Fills every [`PLACEHOLDERS`] entry.
pub fn render_template(template: &str, email: &CredentialEmail<'_>) -> String {
    let values = [
        email.first_name.to_string(),
        email.location.to_string(),
        email.card_number.to_string(),
        email.valid_from.clone(),
        email.valid_until.clone(),
        email.time_zone.to_string(),
    ];
    PLACEHOLDERS
        .iter()
        .zip(values)
        .fold(template.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), &value))
}

/// Refuses an empty template and one naming a `{placeholder}` that is not
/// one of [`PLACEHOLDERS`]. Braces around anything but a lower-case name are
/// plain text.
pub fn check_template(template: &str) -> Result<(), String> {
    if template.trim().is_empty() {
        return Err("the e-mail template is empty".into());
    }
    let unknown: Vec<&str> = template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .filter(|name| !PLACEHOLDERS.contains(name))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let known = PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ");
    let unknown = unknown.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ");
    Err(format!("the e-mail template names {unknown}, which Gatehouse does not fill; it can use {known}"))
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
    let qr = Attachment::new("access-qr.png".into())
        .body(email.qr_png.to_vec(), ContentType::parse("image/png").expect("valid MIME type"));
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(format!("Your access to {}", email.location))
        .multipart(MultiPart::mixed().singlepart(SinglePart::plain(render_template(template, email))).singlepart(qr))
        .map_err(|e| invalid("the message", &e))?;

    let builder = match relay.security {
        SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host),
        SmtpSecurity::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&relay.host).map_err(|e| invalid("the relay", &e))?
        }
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&relay.host).map_err(|e| invalid("the relay", &e))?
        }
    };
    let mut builder = builder.port(relay.port).timeout(Some(std::time::Duration::from_secs(30)));
    if let (Some(user), Some(sealed)) = (&relay.username, &relay.password_sealed) {
        let password = sealer.open_base64(sealed).map_err(|e| invalid("the sealed password", &e))?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_permanent() => Err(DeliveryError::Invalid(format!("the relay refused the message: {e}"))),
        Err(e) => Err(DeliveryError::Relay(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> CredentialEmail<'static> {
        CredentialEmail {
            to: "ada@example.com",
            first_name: "Ada",
            location: "Paris HQ",
            card_number: 5001,
            valid_from: "09:00".into(),
            valid_until: "17:00".into(),
            time_zone: "Europe/Paris",
            qr_png: &[],
        }
    }

    #[test]
    fn the_default_template_passes_its_own_check_and_is_filled_completely() {
        check_template(DEFAULT_TEMPLATE).unwrap();
        let text = render_template(DEFAULT_TEMPLATE, &email());
        assert!(!PLACEHOLDERS.iter().any(|p| text.contains(&format!("{{{p}}}"))), "{text}");
        assert!(text.contains("Card number: 5001"), "{text}");
    }

    #[test]
    fn a_misspelt_placeholder_is_refused_and_the_message_lists_the_known_ones() {
        let error = check_template("Hello {frist_name}, card {card_number}").unwrap_err();
        assert!(error.contains("{frist_name}") && error.contains("{first_name}"), "{error}");
        assert!(!error.contains("{card_number}, which"), "{error}");
    }

    #[test]
    fn braces_around_anything_but_a_name_are_plain_text() {
        check_template("Bring ID {Passport or licence}; costs {} nothing; {card_number}").unwrap();
        assert!(check_template("  \n").is_err());
    }
}
