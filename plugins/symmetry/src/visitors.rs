//! Visitors: a Symmetry cardholder with one card from the install's range, created by
//! `upsert-person` (Symmetry cannot hold a cardholder without a card) and changed afterwards
//! through Modify / Disable / Enable / access-code rows keyed by that card.
//!
//! kv remembers, per visitor, the card number (written before the add row, so an unfinished
//! creation can still release it) and, once multiMAX shows the card, its CardID — the PACS id
//! every later action starts from.

use gatehouse_sdk::{
    clock, kv, log, secrets, Action, Call, CardCredential, ConnectorError, Credential, ErrorKind, Outcome, Person,
    PersonRef, Windowed,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::cards::{self, Allocation};
use crate::changes::{self, card_outcome, settle};
use crate::config::{Contact, Install, PdfField};
use crate::db::{Card, CardKey, Db};
use crate::import::{Batch, Field, ImportRow, Request};
use crate::params::{AccessCodeParams, IssueCardParams, IssuePinParams};
use crate::time::{SmsTime, SmsWindow};

/// How often the import service may refuse a number as existing (although multiMAX did not show
/// it) before one call gives up.
const MAX_CONFLICTS: usize = 5;
// ASSUMPTION: names are varchar(40) and personal data fields varchar(60), as integrators' staging
// variables suggest; we cut values to fit so that what we verify is what Symmetry stores.
const NAME_LENGTH: usize = 40;
const PERSONAL_DATA_LENGTH: usize = 60;
// ASSUMPTION: Symmetry needs non-empty names, so an erased visitor keeps placeholder names.
const ERASED_LAST_NAME: &str = "Erased";
const ERASED_FIRST_NAME: &str = "Visitor";
/// An optional install secret mixed into PIN derivation (see [`derive_pin`]).
pub const PIN_KEY_SECRET: &str = "pin-key";

/// What kv keeps per visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub card_number: i64,
    pub facility_code: i64,
    /// Set once multiMAX shows the card; until then the creation is unfinished.
    pub card_id: Option<i64>,
}

pub fn record_key(external_id: &str) -> String {
    format!("visitor/{external_id}")
}

pub fn run(install: &Install, call: &Call, action: Action) -> Result<Outcome, ConnectorError> {
    let db = Db::open()?;
    let visitors = Visitors { db: &db, install, call, batch: Batch::new(&db, install, &call.idempotency_key) };
    match action {
        Action::UpsertPerson(person) => visitors.upsert(&person),
        Action::SetAccessWindow(windowed) => visitors.set_access_window(&windowed),
        Action::IssueCard(windowed) => visitors.issue_card(&windowed),
        Action::IssuePin(windowed) => visitors.issue_pin(&windowed),
        Action::AddGroups(who) => visitors.add_groups(&who),
        Action::RemoveGroups(who) => visitors.remove_groups(&who),
        Action::RevokeCredentials(who) => visitors.revoke(&who),
        Action::Activate(who) => visitors.activate(&who),
        Action::Deactivate(who) => visitors.deactivate(&who),
        Action::ErasePerson(who) => visitors.erase(&who),
        Action::CheckOut(_) => Err(ConnectorError::permanent(
            "Symmetry has no visitor check-out; use the policy's sign-out rule \"expire\", which expires and disables the card",
        )),
    }
}

struct Visitors<'a> {
    db: &'a Db,
    install: &'a Install,
    call: &'a Call,
    batch: Batch<'a>,
}

/// A visitor as Symmetry will store them.
struct Holder {
    first_name: String,
    last_name: String,
    /// Contact details to write, when the policy includes them and fields are configured.
    contact: Vec<(PdfField, String)>,
}

impl Holder {
    fn of(person: &Person, install: &Install) -> Result<Holder, ConnectorError> {
        let (first, last) = (person.first_name.trim(), person.last_name.trim());
        // A visitor known by one name keeps it as the last name, which Symmetry lists by.
        let (first, last) = if last.is_empty() { ("", first) } else { (first, last) };
        if last.is_empty() {
            return Err(ConnectorError::permanent("the visitor has no name; Symmetry needs at least a last name"));
        }
        let mut contact = Vec::new();
        if person.include_contact {
            for (what, field) in install.visitor_fields.configured() {
                let value = match what {
                    Contact::Email => person.identity.email.as_deref(),
                    Contact::Phone => person.phone.as_deref(),
                    Contact::Company => person.company.as_deref(),
                    Contact::Host => person.host_name.as_deref(),
                };
                if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                    contact.push((field, cut(value, PERSONAL_DATA_LENGTH)));
                }
            }
        }
        Ok(Holder { first_name: cut(first, NAME_LENGTH), last_name: cut(last, NAME_LENGTH), contact })
    }

    fn names_match(&self, card: &Card) -> bool {
        same_text(&card.first_name, &self.first_name) && same_text(&card.last_name, &self.last_name)
    }

    /// Whether `card` is the one an earlier attempt of ours created for this visitor.
    fn owns(&self, card: &Card, install: &Install) -> bool {
        self.names_match(card) && card.company_id == Some(install.company_id)
    }
}

fn cut(text: &str, length: usize) -> String {
    text.chars().take(length).collect()
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Visitors<'_> {
    fn zone_time(&self, instant: gatehouse_sdk::UtcMillis) -> Result<SmsTime, ConnectorError> {
        SmsTime::from_utc(instant, self.install.zone)
    }

    fn window(&self, windowed: &Windowed) -> Result<SmsWindow, ConnectorError> {
        SmsWindow::from_utc(windowed.window.starts_at, windowed.window.ends_at, self.install.zone)
    }

    /// The visitor's card: the one kv remembers (its number and CardID), else the only card of
    /// the CardID the host passes as PACS id.
    fn find_card(&self, who: &PersonRef) -> Result<Option<Card>, ConnectorError> {
        if let Some(Record { card_number, facility_code, card_id: Some(card_id) }) =
            kv::get_json::<Record>(&record_key(&who.external_id))?
        {
            let key = CardKey { number: card_number, facility_code };
            return Ok(self.db.multimax.card_by_key(key)?.filter(|card| card.card_id == card_id));
        }
        let Some(card_id) = who.pacs_id.as_deref().and_then(|id| id.trim().parse::<i64>().ok()) else {
            return Ok(None);
        };
        let mut cards = self.db.multimax.cards_by_id(card_id)?;
        Ok(if cards.len() == 1 { cards.pop() } else { None })
    }

    fn require_card(&self, who: &PersonRef) -> Result<Card, ConnectorError> {
        self.find_card(who)?.ok_or_else(|| {
            ConnectorError::permanent(format!(
                "Symmetry has no card for visitor {:?}; the policy must upsert the visitor first",
                who.external_id
            ))
        })
    }

    fn confirm(&self, who: &PersonRef, card: &Card) -> Result<(), ConnectorError> {
        let record =
            Record { card_number: card.number, facility_code: card.facility_code, card_id: Some(card.card_id) };
        kv::set_json(&record_key(&who.external_id), &record)
    }

    fn upsert(&self, person: &Person) -> Result<Outcome, ConnectorError> {
        let holder = Holder::of(person, self.install)?;
        match self.find_card(&person.identity)? {
            Some(card) => self.update(&person.identity, &holder, card),
            None => self.create(&person.identity, &holder),
        }
    }

    /// Adds the cardholder with a fresh card. Until `set-access-window` / `issue-card` set the
    /// real window, the card is valid from now to now: it opens nothing.
    fn create(&self, who: &PersonRef, holder: &Holder) -> Result<Outcome, ConnectorError> {
        let install = self.install;
        let pool = cards::pool(install.cards.facility_code);
        for _ in 0..MAX_CONFLICTS {
            let allocation = cards::allocate(self.db, install, &who.external_id, |card| holder.owns(card, install))?;
            let adopted;
            let (key, batch) = match allocation {
                Allocation::Existing(card) => {
                    self.confirm(who, &card)?;
                    return Ok(card_outcome(&card, &self.batch, false, None, json!({ "adopted": true })));
                }
                Allocation::Pending { card, reference } => {
                    adopted = Batch::adopt(self.db, install, reference);
                    (card, &adopted)
                }
                Allocation::Free(card) => (card, &self.batch),
            };
            let record = Record { card_number: key.number, facility_code: key.facility_code, card_id: None };
            kv::set_json(&record_key(&who.external_id), &record)?;
            let processed = batch.run(&[self.add_row(key, holder)?])?;
            if let Some(card) = self.db.multimax.card_by_key(key)?.filter(|card| holder.owns(card, install)) {
                self.confirm(who, &card)?;
                return Ok(card_outcome(&card, batch, true, None, json!({ "created": true })));
            }
            let expected = format!("cardholder {:?} with {key}", holder.last_name);
            let error = batch.rejection(&processed, &expected)?;
            if error.kind != ErrorKind::Conflict {
                return Err(error);
            }
            cards::mark_taken(&pool, key.number as u64, "the import service says the card already exists")?;
        }
        Err(ConnectorError::conflict(format!(
            "the import service refused {MAX_CONFLICTS} card numbers in a row as existing although multiMAX does not list them; \
             check the card range against Symmetry"
        )))
    }

    fn add_row(&self, key: CardKey, holder: &Holder) -> Result<ImportRow, ConnectorError> {
        let now = self.zone_time(clock::now())?;
        let mut row = ImportRow::new(Request::Add, key)
            .with(Field::LastName(holder.last_name.clone()))
            .with(Field::FirstName(holder.first_name.clone()))
            .with(Field::CompanyId(self.install.company_id))
            .with(Field::ActiveDate(now))
            .with(Field::ExpiryDate(now));
        if let Some(format) = self.install.cards.card_format {
            row = row.with(Field::CardFormat(format));
        }
        for (field, value) in &holder.contact {
            row = row.with(Field::PersonalData(*field, value.clone()));
        }
        Ok(row)
    }

    fn update(&self, who: &PersonRef, holder: &Holder, card: Card) -> Result<Outcome, ConnectorError> {
        let mut fields = Vec::new();
        if !holder.names_match(&card) {
            fields.push(Field::LastName(holder.last_name.clone()));
            fields.push(Field::FirstName(holder.first_name.clone()));
        }
        let contact_fields: Vec<PdfField> = holder.contact.iter().map(|(field, _)| *field).collect();
        let contact_matches = |current: &[(PdfField, Option<String>)]| {
            holder.contact.iter().all(|(field, value)| {
                current.iter().any(|(f, v)| f == field && v.as_deref().is_some_and(|v| same_text(v, value)))
            })
        };
        let current = self.db.multimax.personal_data(card.card_id, &contact_fields)?;
        if !contact_matches(&current) {
            fields.extend(holder.contact.iter().map(|(field, value)| Field::PersonalData(*field, value.clone())));
        }
        let rows = changes::modify(&card, fields);
        let expected = format!("{} held by {:?} with the visitor's contact details", card.key(), holder.last_name);
        let changed = settle(&self.batch, &rows, &expected, || {
            let names = changes::reread(self.db, &card)?.is_some_and(|after| holder.names_match(&after));
            Ok(names && contact_matches(&self.db.multimax.personal_data(card.card_id, &contact_fields)?))
        })?;
        self.confirm(who, &card)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({})))
    }

    fn set_access_window(&self, windowed: &Windowed) -> Result<Outcome, ConnectorError> {
        let card = self.require_card(&windowed.who)?;
        let window = self.window(windowed)?;
        let changed = changes::set_window(self.db, &self.batch, &card, window)?;
        Ok(card_outcome(&card, &self.batch, changed, None, window_detail(window)))
    }

    /// The card was created with the person; issuing it gives it the window and hands out its
    /// number.
    fn issue_card(&self, windowed: &Windowed) -> Result<Outcome, ConnectorError> {
        let params: IssueCardParams = self.call.params()?;
        let facility_code = self.install.cards.facility_code;
        if let Some(asked) = params.facility_code.filter(|asked| i64::from(*asked) != facility_code) {
            return Err(ConnectorError::config(format!(
                "the policy asks for facility code {asked}, but the install issues cards with facility code {facility_code}"
            )));
        }
        let card = self.require_card(&windowed.who)?;
        let window = self.window(windowed)?;
        let changed = changes::set_window(self.db, &self.batch, &card, window)?;
        let mut detail = window_detail(window);
        if let Some(host_number) = params.card_number.filter(|n| i64::try_from(*n).ok() != Some(card.number)) {
            // Symmetry cannot hold a cardholder without a card, so the card exists since
            // upsert-person; the credential below is the one Symmetry really has.
            log::warn!("the host allocated card {} but the visitor's Symmetry card is {}", host_number, card.number);
            detail["host_card_number"] = json!(host_number);
        }
        let credential = Credential::Card(CardCredential {
            card_number: u64::try_from(card.number).map_err(|_| bad_number(&card))?,
            facility_code: u32::try_from(card.facility_code).map_err(|_| bad_number(&card))?,
            format: match self.install.cards.card_format {
                Some(format) => format!("symmetry-card-format-{format}"),
                None => "symmetry-default".into(),
            },
        });
        Ok(card_outcome(&card, &self.batch, changed, Some(credential), detail))
    }

    /// Sets a PIN on the visitor's card (valid with the card's window). A retry finds the PIN it
    /// already wrote in its own import row instead of deriving a new one.
    fn issue_pin(&self, windowed: &Windowed) -> Result<Outcome, ConnectorError> {
        let params = IssuePinParams::from_call(self.call)?;
        let card = self.require_card(&windowed.who)?;
        let window = self.window(windowed)?;
        let written = self.batch.our_rows()?.into_iter().rev().find_map(|row| {
            (row.request == Request::Modify.code() && row.card_number == Some(card.number)).then_some(row.pin).flatten()
        });
        let pin = match written {
            Some(pin) => pin,
            None => {
                derive_pin(&self.call.idempotency_key, card.key(), clock::now(), params.digits, pin_key()?.as_deref())
            }
        };
        let mut fields = Vec::new();
        if card.pin.as_deref() != Some(pin.as_str()) {
            fields.push(Field::Pin(pin.clone()));
        }
        fields.extend(changes::window_fields(&card, window));
        let rows = changes::modify(&card, fields);
        let changed = settle(&self.batch, &rows, &format!("{} with the new PIN", card.key()), || {
            let after = changes::reread(self.db, &card)?;
            Ok(after
                .is_some_and(|after| after.pin.as_deref() == Some(pin.as_str()) && changes::has_window(&after, window)))
        })?;
        Ok(card_outcome(&card, &self.batch, changed, Some(Credential::Pin(pin)), window_detail(window)))
    }

    fn add_groups(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let ids = AccessCodeParams::from_call(self.call)?.ids()?;
        let codes = changes::resolve_access_codes(self.db, &ids)?;
        let card = self.require_card(who)?;
        let changed = changes::add_access_codes(self.db, &self.batch, &card, &codes)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({ "access_codes": ids })))
    }

    fn remove_groups(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let ids = AccessCodeParams::from_call(self.call)?.ids()?;
        let codes = changes::resolve_access_codes(self.db, &ids)?;
        let Some(card) = self.find_card(who)? else {
            return Ok(no_card());
        };
        let changed = changes::remove_access_codes(self.db, &self.batch, &card, &codes)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({ "access_codes": ids })))
    }

    /// Sign-out: the card expires now (unless the install turned that off) and is forced inactive.
    fn revoke(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let Some(card) = self.find_card(who)? else {
            return Ok(no_card());
        };
        let now = self.zone_time(clock::now())?;
        let changed = changes::revoke(self.db, &self.batch, &card, now, self.install.sign_out_expires)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({ "revoked_at": now.to_string() })))
    }

    fn activate(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let card = self.require_card(who)?;
        let changed = changes::enable(self.db, &self.batch, &card)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({})))
    }

    fn deactivate(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let Some(card) = self.find_card(who)? else {
            return Ok(no_card());
        };
        let changed = changes::disable(self.db, &self.batch, &card)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({})))
    }

    /// Data Connect has no documented delete, so erasing strips the card instead: every access
    /// code removed, names replaced, contact fields blanked, expired and forced inactive. The
    /// card number goes back to the pool (the allocation check skips it while the card exists).
    fn erase(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let key = record_key(&who.external_id);
        let record: Option<Record> = kv::get_json(&key)?;
        let Some(card) = self.find_card(who)? else {
            if let Some(record) = record {
                cards::release(CardKey { number: record.card_number, facility_code: record.facility_code })?;
            }
            kv::delete(&key)?;
            return Ok(no_card());
        };
        let now = self.zone_time(clock::now())?;
        let contact_fields: Vec<PdfField> = self.install.visitor_fields.configured().map(|(_, field)| field).collect();
        let blank = |values: &[(PdfField, Option<String>)]| values.iter().all(|(_, value)| value.is_none());
        let erased_names =
            |c: &Card| same_text(&c.last_name, ERASED_LAST_NAME) && same_text(&c.first_name, ERASED_FIRST_NAME);
        let mut fields = Vec::new();
        if !erased_names(&card) {
            fields.push(Field::LastName(ERASED_LAST_NAME.into()));
            fields.push(Field::FirstName(ERASED_FIRST_NAME.into()));
        }
        // ASSUMPTION: an empty string clears a personal data field (NULL means "unchanged").
        let current = self.db.multimax.personal_data(card.card_id, &contact_fields)?;
        fields.extend(
            current.iter().filter(|(_, v)| v.is_some()).map(|(field, _)| Field::PersonalData(*field, String::new())),
        );
        let mut rows = Vec::new();
        if !self.db.multimax.access_rights(card.card_id)?.is_empty() {
            rows.push(ImportRow::new(Request::RemoveAllAccessCodes, card.key()));
        }
        rows.extend(changes::revoke_rows(&card, now, true, fields));
        let changed = settle(&self.batch, &rows, &format!("{} erased", card.key()), || {
            let stripped = changes::reread(self.db, &card)?
                .is_some_and(|after| erased_names(&after) && changes::is_revoked(&after, now, true));
            Ok(stripped
                && self.db.multimax.access_rights(card.card_id)?.is_empty()
                && blank(&self.db.multimax.personal_data(card.card_id, &contact_fields)?))
        })?;
        cards::release(card.key())?;
        kv::delete(&key)?;
        Ok(card_outcome(&card, &self.batch, changed, None, json!({ "erased": true })))
    }
}

fn no_card() -> Outcome {
    Outcome { pacs_id: None, credential: None, changed: false, detail: json!({ "card": null }).to_string() }
}

fn bad_number(card: &Card) -> ConnectorError {
    ConnectorError::permanent(format!("Symmetry holds {} that cannot be a credential number", card.key()))
}

fn window_detail(window: SmsWindow) -> serde_json::Value {
    json!({ "active_local": window.active.to_string(), "expiry_local": window.expiry.to_string() })
}

fn pin_key() -> Result<Option<String>, ConnectorError> {
    match secrets::get(PIN_KEY_SECRET) {
        Ok(secret) => Ok(Some(secret.reveal())),
        Err(gatehouse_sdk::secrets::SecretsError::NotFound(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// A PIN of `digits` digits. A component has no random source, so the PIN is a digest of what
/// is unique to this issuance (idempotency key, card, the host clock's millisecond) and, when
/// the install sets one, the secret `pin-key` — without which anyone who knows the key and the
/// issuing millisecond could recompute it. It never starts with 0, so sites that store PINs as
/// numbers keep every digit.
pub fn derive_pin(idempotency_key: &str, card: CardKey, now_ms: i64, digits: u32, pin_key: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    for part in [
        pin_key.unwrap_or(""),
        idempotency_key,
        &card.number.to_string(),
        &card.facility_code.to_string(),
        &now_ms.to_string(),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let low = 10u64.pow(digits - 1);
    (low + u64::from_be_bytes(first) % (9 * low)).to_string()
}
