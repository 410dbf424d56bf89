//! Cards (QR code credentials) and PINs: Security Center `Credential` entities.
//!
//! Card numbers come from the host's unique-number pool over the install's range,
//! keyed per format and facility code, owned by the person (so a retry gets the same
//! number back). A credential is created and assigned in one request, so there is never
//! an unassigned credential of ours lying around:
//! `entity=NewEntity(Credential),Name=…,Format=<constructor>,CardholderGuid={person},Status.Activate(from,to),Guid`.
//!
//! When Security Center says the number is taken (`EntityAlreadyExists`), the
//! credential holding it is looked up: if it is already this person's, a previous
//! attempt created it before a crash and it is adopted; otherwise the number is
//! reserved in the pool, so it is never offered again, and the next one is tried.
//!
//! What we issued is listed in kv per person. A listed credential counts as issued only
//! while the person's record still holds it; otherwise (revoked, or after a
//! compensation that a redrive undoes) it is discarded and a new one issued. Revoking
//! deletes those credentials (a deactivated credential would keep its number taken in
//! Security Center and the range would run dry) and returns card numbers to the pool;
//! `revoke.rs` also takes away what the visitor's records hold beyond that list.

use gatehouse_sdk::{kv, log, AccessWindow, CardCredential, ConnectorError, Credential, Outcome, PersonRef};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::card_format::CardFormat;
use crate::config::CardRange;
use crate::entities::{Directory, EntityType};
use crate::envelope::{self, parse_time};
use crate::error::{FailCode, WebSdkError};
use crate::guid::Guid;
use crate::names;
use crate::outcome;
use crate::people::{self, PersonRecord};
use crate::pin;
use crate::query::{Query, Value};

/// Numbers tried before giving up when Security Center reports them taken.
const ATTEMPTS: u32 = 20;

/// One credential we issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issued {
    pub guid: Guid,
    #[serde(flatten)]
    pub kind: IssuedKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IssuedKind {
    Card { pool: String, number: u64 },
    Pin,
}

/// kv key of the credentials issued to a person.
pub fn issued_key(who: &PersonRef) -> String {
    format!("credentials/{}", people::person_key(who))
}

/// kv pool of a format and facility code.
pub fn pool(range: &CardRange) -> String {
    format!("cards/{}/{}", range.format.spec().id, range.facility_code)
}

/// The credentials kv says we issued to the person.
pub fn issued(who: &PersonRef) -> Result<Vec<Issued>, ConnectorError> {
    Ok(kv::get_json(&issued_key(who))?.unwrap_or_default())
}

fn record_issued(who: &PersonRef, credential: Issued) -> Result<(), ConnectorError> {
    let mut all = issued(who)?;
    if !all.iter().any(|i| i.guid == credential.guid) {
        all.push(credential);
    }
    kv::set_json(&issued_key(who), &all)
}

/// What creating one credential came to.
enum Attempt {
    Created(Guid),
    /// The value is on another entity already.
    Taken,
}

/// `issue-card` params. The host sends the number it allocated from its own pool
/// (with facility code and format); the connector's allocation from the install's range,
/// checked against Security Center, is the one that counts, and the credential returned
/// is the card Security Center really holds, which is what the host renders as a QR code.
pub const ISSUE_CARD_PARAMS: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "card_number": {"description": "The host pool's number; informational, see the action description.", "type": "integer", "minimum": 0},
    "facility_code": {"description": "The host pool's facility code; the card uses the install's cards.facility_code.", "type": "integer", "minimum": 0},
    "format": {"description": "The host pool's format name; the card uses the install's cards.format.", "type": "string"}
  }
}"#;

pub fn issue_card(directory: &Directory, who: &PersonRef, window: &AccessWindow) -> Result<Outcome, ConnectorError> {
    let range = directory.settings.cards.ok_or_else(|| {
        ConnectorError::config(
            "QR code credentials need a card range: set cards (format, facility_code, min, max) in the install",
        )
    })?;
    let person = people::require(directory, who)?;
    let pool = pool(&range);
    let card = |number| CardCredential {
        card_number: number,
        facility_code: range.facility_code,
        format: range.format.spec().id.into(),
    };
    let existing = issued(who)?.into_iter().find(|i| matches!(&i.kind, IssuedKind::Card { pool: p, .. } if *p == pool));
    if let Some(existing) = existing {
        let IssuedKind::Card { number, .. } = existing.kind else { unreachable!("only cards were kept") };
        if holds(directory, &person, &existing.guid)? {
            let updated = set_window(directory, who, window)?;
            let detail = json!({ "cardholder": person.guid, "card_number": number, "already_issued": true });
            return Ok(outcome(Some(person.guid), Some(Credential::Card(card(number))), !updated.is_empty(), detail));
        }
        discard(directory, who, &existing)?;
    }
    for _ in 0..ATTEMPTS {
        let number = kv::allocate_unique(&pool, range.min, range.max, &people::person_key(who))?;
        let format = range.format.constructor(range.facility_code, number);
        let name = match range.format.spec().facility_max {
            Some(_) => format!("{}-{number}", range.facility_code),
            None => number.to_string(),
        };
        match create(directory, &person, &name, &format, window)? {
            Attempt::Created(guid) => {
                record_issued(who, Issued { guid, kind: IssuedKind::Card { pool: pool.clone(), number } })?;
                log::info!("issued card {} to {}", name, person.guid; "credential" => guid);
                let detail = json!({ "cardholder": person.guid, "credential": guid, "card_number": number });
                return Ok(outcome(Some(person.guid), Some(Credential::Card(card(number))), true, detail));
            }
            Attempt::Taken => {
                log::warn!("card {} is taken in Security Center; trying the next number", name);
                kv::release_unique(&pool, number)?;
                kv::reserve_unique(&pool, number)?;
            }
        }
    }
    Err(ConnectorError::conflict(format!(
        "Security Center already had {ATTEMPTS} card numbers in a row of the range; reconcile the install's card range with Security Center"
    )))
}

pub fn issue_pin(
    directory: &Directory,
    who: &PersonRef,
    window: &AccessWindow,
    idempotency_key: &str,
) -> Result<Outcome, ConnectorError> {
    let person = people::require(directory, who)?;
    if let Some(existing) = issued(who)?.into_iter().find(|i| i.kind == IssuedKind::Pin) {
        if !holds(directory, &person, &existing.guid)? {
            discard(directory, who, &existing)?;
        } else if let Some(digits) = pin_of(directory, &existing.guid)? {
            let updated = set_window(directory, who, window)?;
            let detail = json!({ "cardholder": person.guid, "credential": existing.guid, "already_issued": true });
            return Ok(outcome(Some(person.guid), Some(Credential::Pin(digits)), !updated.is_empty(), detail));
        }
    }
    let length = directory.settings.pin_length;
    for attempt in 0..ATTEMPTS {
        let digits = pin::derive(idempotency_key, &people::person_key(who), attempt, length)?;
        let format = Value::call("KeypadCredentialFormat", &[Value::text(&digits)]);
        // The name must not reveal the PIN.
        let name = format!("PIN {}", person.name);
        let name = names::fit(&name, names::MAX_UNITS).unwrap_or(name);
        let created = create(directory, &person, &name, &format, window).map_err(|error| match error {
            WebSdkError::Fail { code: FailCode::InvalidValue, message } => ConnectorError::config(format!(
                "Security Center refused a {length}-digit PIN ({message}); set pin_length to at least its minimum PIN length"
            )),
            error => error.into(),
        })?;
        match created {
            Attempt::Created(guid) => {
                record_issued(who, Issued { guid, kind: IssuedKind::Pin })?;
                log::info!("issued a PIN to {}", person.guid; "credential" => guid);
                let detail = json!({ "cardholder": person.guid, "credential": guid });
                return Ok(outcome(Some(person.guid), Some(Credential::Pin(digits)), true, detail));
            }
            Attempt::Taken => log::warn!("a derived PIN is taken in Security Center; deriving another"),
        }
    }
    Err(ConnectorError::conflict(format!("{ATTEMPTS} derived PINs in a row were taken in Security Center")))
}

/// Whether the credential we issued is still the person's. It may be gone or unassigned
/// (revoked or checked out in Security Desk, or by a compensation that a redrive now
/// undoes), or sit on another record of the visit: then it gives this record no access.
fn holds(directory: &Directory, person: &PersonRecord, credential: &Guid) -> Result<bool, WebSdkError> {
    if person.credentials.contains(credential) {
        return Ok(true);
    }
    let object = directory.read(credential, &["Guid", "CardholderGuid"])?;
    Ok(object.is_some_and(|o| envelope::guid(&o, "CardholderGuid") == Some(person.guid)))
}

/// Deletes a credential we issued that is no longer the person's, frees its number and
/// drops it from kv, so that a new one is issued in its place.
fn discard(directory: &Directory, who: &PersonRef, credential: &Issued) -> Result<(), ConnectorError> {
    log::info!("credential {} we issued is no longer on the visitor; issuing a new one", credential.guid);
    directory.delete(&credential.guid)?;
    if let IssuedKind::Card { pool, number } = &credential.kind {
        kv::release_unique(pool, *number)?;
    }
    let remaining: Vec<Issued> = issued(who)?.into_iter().filter(|i| i.guid != credential.guid).collect();
    kv::set_json(&issued_key(who), &remaining)
}

/// Creates and assigns one credential, or finds that a previous attempt already did.
fn create(
    directory: &Directory,
    person: &PersonRecord,
    name: &str,
    format: &Value,
    window: &AccessWindow,
) -> Result<Attempt, WebSdkError> {
    let mut query = Query::new()
        .new_entity(EntityType::Credential.name())
        .set("Name", Value::text(name))
        .set("Format", format.clone())
        .set("CardholderGuid", Value::guid(&person.guid));
    if let Some(partition) = &directory.settings.partition {
        query = query.call(None, "InsertIntoPartition", &[Value::guid(partition)]);
    }
    let query = query
        .call(Some("Status"), "Activate", &[Value::time(window.starts_at), Value::time(window.ends_at)])
        .project("Guid");
    match directory.sdk.write(&query) {
        Ok(created) => {
            created.object().and_then(|o| envelope::guid(&o, "Guid")).map(Attempt::Created).ok_or_else(|| {
                WebSdkError::Malformed("Security Center created a credential but did not return its GUID".into())
            })
        }
        Err(error) if error.is_fail(&FailCode::EntityAlreadyExists) => match holder_of(directory, format)? {
            Some((credential, owner)) if owner == Some(person.guid) => Ok(Attempt::Created(credential)),
            _ => Ok(Attempt::Taken),
        },
        Err(error) => Err(error),
    }
}

/// The credential carrying `format`'s unique id, and its owner.
///
/// ASSUMPTION: `CredentialConfiguration` filters by `UniqueIds@<format constructor>`,
/// as the guide shows for plates (spec §6 OP9 [I] for Wiegand and keypad).
fn holder_of(directory: &Directory, format: &Value) -> Result<Option<(Guid, Option<Guid>)>, WebSdkError> {
    let found =
        directory.search("CredentialConfiguration", Query::new().add("UniqueIds", std::slice::from_ref(format)))?;
    let Some(credential) = found.first() else { return Ok(None) };
    let object = directory.read(credential, &["Guid", "CardholderGuid"])?.unwrap_or_default();
    Ok(Some((*credential, envelope::guid(&object, "CardholderGuid"))))
}

/// The digits of a PIN credential, read back from its format; `None` when it is gone.
///
/// ASSUMPTION: a keypad credential's `Format` reads with the digits as `CardId` or
/// `UniqueId` (spec §5.3, legacy field names [I]).
fn pin_of(directory: &Directory, credential: &Guid) -> Result<Option<String>, WebSdkError> {
    let Some(object) = directory.read(credential, &["Guid", "Format"])? else { return Ok(None) };
    let format = envelope::field(&object, "Format").and_then(|f| f.as_object().cloned()).unwrap_or_default();
    Ok(["CardId", "UniqueId"]
        .iter()
        .filter_map(|name| envelope::text(&format, name))
        .find(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())))
}

/// Puts `window` on every credential we issued to the person; returns those changed.
pub fn set_window(directory: &Directory, who: &PersonRef, window: &AccessWindow) -> Result<Vec<Guid>, ConnectorError> {
    let issued = issued(who)?;
    let guids: Vec<Guid> = issued.iter().map(|i| i.guid).collect();
    let mut changed = Vec::new();
    for object in directory.read_many(&guids, &["Guid", "Status"])? {
        let Some(guid) = envelope::guid(&object, "Guid") else { continue };
        let status = envelope::field(&object, "Status").and_then(|s| s.as_object().cloned()).unwrap_or_default();
        let at = |name: &str| envelope::text(&status, name).as_deref().and_then(parse_time).map(|ms| ms / 1000);
        let current = (at("ActivationDate"), at("ExpirationDate"));
        if current == (Some(window.starts_at.div_euclid(1000)), Some(window.ends_at.div_euclid(1000))) {
            continue;
        }
        let query = Query::new().entity(&guid).call(
            Some("Status"),
            "Activate",
            &[Value::time(window.starts_at), Value::time(window.ends_at)],
        );
        directory.sdk.write(&query)?;
        changed.push(guid);
    }
    Ok(changed)
}

/// Deletes every credential we issued to the person and frees its card number.
/// Returns the credentials revoked; an empty list when there was nothing to revoke.
pub fn revoke_all(directory: &Directory, who: &PersonRef) -> Result<Vec<Guid>, ConnectorError> {
    let mut remaining = issued(who)?;
    let mut revoked = Vec::new();
    while let Some(credential) = remaining.first().cloned() {
        if directory.delete(&credential.guid)? {
            revoked.push(credential.guid);
        }
        if let IssuedKind::Card { pool, number } = &credential.kind {
            kv::release_unique(pool, *number)?;
        }
        // Written after each credential, so a failure half-way loses nothing.
        remaining.remove(0);
        kv::set_json(&issued_key(who), &remaining)?;
    }
    kv::delete(&issued_key(who))?;
    Ok(revoked)
}

/// For the set-up form's card-format picker.
pub fn formats() -> impl Iterator<Item = (&'static str, String)> {
    CardFormat::all().iter().map(|spec| {
        let detail = match spec.facility_max {
            Some(limit) => format!("facility code 0–{limit}, card 0–{}", spec.card_max),
            None => format!("card 0–{}", spec.card_max),
        };
        (spec.id, format!("{} ({detail})", spec.label))
    })
}
