//! The Envoy-compatible webhook: signature check and payload mapping.
//!
//! Envoy POSTs `{ "meta": {...}, "payload": {...} }` with
//! `X-Envoy-Signature: base64(HMAC-SHA256(raw body, client secret))`. The
//! signature is checked over the exact bytes, in constant time, before the
//! body is parsed. Event names we do not handle are accepted and recorded as
//! ignored: Envoy adds names without notice.

use super::timestamps::parse_instant;
use crate::domain::{EmployeeEvent, InviteDetails, PersonDetails, SignIn, SignOut, VisitId, VisitorEvent};
use base64::Engine;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const SIGNATURE_HEADER: &str = "x-envoy-signature";

/// base64(HMAC-SHA256(body, secret)): the signature Envoy sends.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is the base64 HMAC-SHA256 of `body` under `secret`,
/// compared in constant time.
pub fn signature_is_valid(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(claimed) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(body);
    mac.verify_slice(&claimed).is_ok()
}

/// A parsed Envoy request: its event name, de-duplication key and the
/// normalised event (or why it is not acted on).
pub struct EnvoyEvent {
    pub name: String,
    pub dedup_key: String,
    pub event: Result<VisitorEvent, String>,
}

/// Parses an Envoy request body; `Err` for a malformed one (400).
pub fn parse(body: &[u8], zone: Tz, received_at: DateTime<Utc>) -> Result<EnvoyEvent, String> {
    let root: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let meta = root.get("meta").filter(|m| m.is_object()).ok_or("the body has no `meta` object")?;
    let name = meta.get("event").and_then(Value::as_str).ok_or("`meta.event` is missing")?.to_string();
    // A redelivery repeats Envoy's job id; without one, the exact body identifies it.
    let dedup_key = match meta.pointer("/job/id").and_then(id_text) {
        Some(job) => format!("envoy-job:{job}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(body))),
    };
    let event = match name.as_str() {
        "entry_sign_in"
        | "entry_sign_out"
        | "invite_created"
        | "invite_updated"
        | "invite_removed"
        | "employee_entry_sign_in"
        | "employee_entry_sign_out" => {
            let payload = root.get("payload").filter(|p| p.is_object()).ok_or("the body has no `payload` object")?;
            Ok(normalise(&name, payload, zone, received_at)?)
        }
        other => Err(format!("Envoy event `{other}` is not handled by Gatehouse")),
    };
    Ok(EnvoyEvent { name, dedup_key, event })
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the JSON:API resource of a handled event.
fn normalise(name: &str, payload: &Value, zone: Tz, received_at: DateTime<Utc>) -> Result<VisitorEvent, String> {
    let id = payload.get("id").and_then(id_text).ok_or("`payload.id` is missing")?;
    let empty = Value::Object(Default::default());
    let attrs = payload.get("attributes").unwrap_or(&empty);
    let text = |key: &str| attrs.get(key).and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty());
    let time = |key: &str| -> Result<Option<DateTime<Utc>>, String> {
        text(key).map(|t| parse_instant(&t, zone).map_err(|e| format!("`payload.attributes.{key}`: {e}"))).transpose()
    };
    let person = || {
        let mut person = PersonDetails::from_full_name(&text("full-name").unwrap_or_default());
        person.email = text("email");
        person.phone = text("phone-number");
        person.host_name = text("host").or_else(|| text("inviter-name"));
        person
    };
    // ASSUMPTION: relationships follow JSON:API (`{"invite": {"data": {"id": ...}}}`); a bare `{"id": ...}` is accepted too.
    let invite_id = payload
        .pointer("/relationships/invite/data/id")
        .or_else(|| payload.pointer("/relationships/invite/id"))
        .and_then(id_text);
    // An entry belongs to its invite's visit; a walk-in's entry is its own visit.
    let entry_visit = || {
        VisitId::new(match &invite_id {
            Some(invite) => format!("invite-{invite}"),
            None => format!("entry-{id}"),
        })
    };
    // ASSUMPTION: `flow-name` is the visitor type on entries and invites alike.
    let visitor_type = text("flow-name").unwrap_or_default();
    Ok(match name {
        "invite_created" | "invite_updated" => {
            let arrival =
                time("expected-arrival-time")?.ok_or("`payload.attributes.expected-arrival-time` is missing")?;
            let details = InviteDetails {
                visit_id: VisitId::new(format!("invite-{id}")),
                visitor_type,
                person: person(),
                expected_arrival: arrival,
                registration_complete: attrs.get("preregistration-complete").and_then(Value::as_bool).unwrap_or(false),
                occurred_at: received_at,
            };
            if name == "invite_created" {
                VisitorEvent::VisitInvited(details)
            } else {
                VisitorEvent::VisitUpdated(details)
            }
        }
        "invite_removed" => {
            VisitorEvent::VisitCancelled { visit_id: VisitId::new(format!("invite-{id}")), occurred_at: received_at }
        }
        "entry_sign_in" => VisitorEvent::VisitorSignedIn(SignIn {
            visit_id: entry_visit(),
            visitor_type,
            person: person(),
            invited: invite_id.is_some(),
            occurred_at: time("signed-in-at")?.unwrap_or(received_at),
        }),
        "entry_sign_out" => VisitorEvent::VisitorSignedOut(SignOut {
            visit_id: entry_visit(),
            occurred_at: time("signed-out-at")?.unwrap_or(received_at),
        }),
        "employee_entry_sign_in" | "employee_entry_sign_out" => {
            let email = text("email").ok_or("`payload.attributes.email` is missing for an employee entry")?;
            let names = PersonDetails::from_full_name(&text("full-name").unwrap_or_default());
            let signed_in = name == "employee_entry_sign_in";
            let at = time(if signed_in { "signed-in-at" } else { "signed-out-at" })?.unwrap_or(received_at);
            let employee =
                EmployeeEvent { email, first_name: names.first_name, last_name: names.last_name, occurred_at: at };
            if signed_in {
                VisitorEvent::EmployeeSignedIn(employee)
            } else {
                VisitorEvent::EmployeeSignedOut(employee)
            }
        }
        other => return Err(format!("Envoy event `{other}` is not handled by Gatehouse")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_the_exact_body_and_secret() {
        let body = br#"{"meta":{"event":"entry_sign_in"}}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(body);
        let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(sign(b"secret", body), signature);
        assert!(signature_is_valid(b"secret", body, &signature));
        assert!(!signature_is_valid(b"other", body, &signature));
        assert!(!signature_is_valid(b"secret", b"{}", &signature));
        assert!(!signature_is_valid(b"secret", body, "not base64!"));
    }
}
