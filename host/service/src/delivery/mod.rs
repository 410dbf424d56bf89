//! Credential delivery: the QR image of an issued card, e-mailed to the
//! visitor through the tenant's SMTP relay with a plain, editable template.

mod email;
mod qr;

pub use email::{
    check_template, render_template, send_credential_email, CredentialEmail, DeliveryError, DEFAULT_TEMPLATE,
    PLACEHOLDERS,
};
pub use qr::card_qr_png;
