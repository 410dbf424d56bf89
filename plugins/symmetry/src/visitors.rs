//! Visitors: a Symmetry cardholder with one card from the install's range, created by
//! `upsert-person` (Symmetry cannot hold a cardholder without a card) and changed afterwards
//! through Modify / Disable / Enable / access-code rows keyed by that card.
//!
//! **Finding a visitor.** Every card the connector creates carries Gatehouse's marker in personal
//! data (48 Source = `Gatehouse`, 49 IdentityId and 50 VisitId = the visit id; see `marker.rs`),
//! written in the Add row itself, and every action finds the visitor's cards by that marker —
//! never by name, which Symmetry may store differently from what was written. kv remembers the
//! card number (written before the add row, so an unfinished creation can still release it) and
//! its CardID, but only as the fallback for cards made before the marker existed; such a card is
//! given the marker when an action finds it.
//!
//! **Lossy text is not a failure.** Names and personal data are varchar in code page 1252 and cut
//! to their columns (`text.rs`): what is read back is compared with the stored form of what was
//! written, and `upsert-person` reports every loss in its outcome's `detail.warnings` (an array of
//! sentences the host attaches to the job as a warning).
//!
//! **Sign-out covers everything.** `revoke-credentials`, `deactivate`, `remove-groups` and
//! `erase-person` act on every card carrying the visit's marker (and the fallback card), and a
//! visitor without any card is not an error (`changed: false`): the host also runs them to
//! compensate a provisioning job that failed, possibly before any card existed. When
//! `upsert-person` finds several marked cards (left by an earlier defect) it keeps the lowest
//! CardID and revokes the others.
//!
//! **Redrives reopen the card.** A provisioning job re-run under new idempotency keys after a
//! compensation finds the same card by its marker, so no second card is made, and must leave it
//! as a fresh provisioning would: `activate` enables it when the window has started, and every
//! step that gives the card the visit's window (`set-access-window`, `issue-card`, `issue-pin`)
//! also lifts a forced-inactive flag as long as that window is not over. That is needed because a
//! window starting later has no `activate` in the provisioning job itself (the planner schedules
//! it for the window's start), and it is safe because the window's own dates still bound access;
//! a new card is likewise active, with its window, from creation. The cost: a visitor card an
//! operator disabled by hand in Symmetry is enabled again by the next window change Gatehouse
//! sends for that visit (as `activate` always did); a window that is over reopens nothing.

use gatehouse_sdk::{
    clock, log, secrets, Action, Call, CardCredential, ConnectorError, Credential, Outcome, PersonRef, Windowed,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::cards;
use crate::changes::{self, card_outcome, settle};
use crate::config::{Install, PdfField};
use crate::db::{Card, CardKey, Db};
use crate::import::{Batch, Field, ImportRow, Request};
use crate::marker::{self, Found};
use crate::params::{AccessCodeParams, IssueCardParams, IssuePinParams};
use crate::time::{SmsTime, SmsWindow};

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
        // ASSUMPTION: the import's `FaceFile` column (only its name is public) names an image
        // file on the Symmetry server, which a connector cannot write [I].
        Action::SetPhoto(_) => Err(ConnectorError::permanent(
            "Symmetry's Data Connect import has no documented way to take a photo; remove set-photo from the policy",
        )),
    }
}

pub(crate) struct Visitors<'a> {
    pub db: &'a Db,
    pub install: &'a Install,
    pub call: &'a Call,
    pub batch: Batch<'a>,
}

impl Visitors<'_> {
    pub fn now(&self) -> Result<SmsTime, ConnectorError> {
        SmsTime::from_utc(clock::now(), self.install.zone)
    }

    fn window(&self, windowed: &Windowed) -> Result<SmsWindow, ConnectorError> {
        SmsWindow::from_utc(windowed.window.starts_at, windowed.window.ends_at, self.install.zone)
    }

    /// Every card of the visitor (see `marker.rs`), unmarked fallback cards given the marker.
    pub fn cards(&self, who: &PersonRef) -> Result<Found, ConnectorError> {
        let mut found = marker::find(self.db, self.install, who, false)?;
        marker::backfill(self.db, self.install, &self.call.idempotency_key, who, &mut found)?;
        Ok(found)
    }

    /// The visitor's card for actions that give access: the first of [`Self::cards`].
    fn require_card(&self, who: &PersonRef) -> Result<(Card, Found), ConnectorError> {
        let found = self.cards(who)?;
        match found.cards.first() {
            Some(card) => Ok((card.clone(), found)),
            None => Err(ConnectorError::permanent(format!(
                "Symmetry has no card for visitor {:?}; the policy must upsert the visitor first",
                who.external_id
            ))),
        }
    }

    pub fn confirm(&self, who: &PersonRef, card: &Card) -> Result<(), ConnectorError> {
        let record =
            Record { card_number: card.number, facility_code: card.facility_code, card_id: Some(card.card_id) };
        gatehouse_sdk::kv::set_json(&record_key(&who.external_id), &record)
    }

    fn set_access_window(&self, windowed: &Windowed) -> Result<Outcome, ConnectorError> {
        let (card, found) = self.require_card(&windowed.who)?;
        let window = self.window(windowed)?;
        let changed = changes::open_window(self.db, &self.batch, &card, window, self.now()?)?;
        Ok(card_outcome(&card, &self.batch, changed, None, found.note(window_detail(window))))
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
        let (card, found) = self.require_card(&windowed.who)?;
        let window = self.window(windowed)?;
        let changed = changes::open_window(self.db, &self.batch, &card, window, self.now()?)?;
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
        Ok(card_outcome(&card, &self.batch, changed, Some(credential), found.note(detail)))
    }

    /// Sets a PIN on the visitor's card (valid with the card's window). A retry finds the PIN it
    /// already wrote in its own import row instead of deriving a new one.
    fn issue_pin(&self, windowed: &Windowed) -> Result<Outcome, ConnectorError> {
        let params = IssuePinParams::from_call(self.call)?;
        let (card, found) = self.require_card(&windowed.who)?;
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
        let now = self.now()?;
        let enable = changes::reenables(&card, window, now);
        let rows = changes::open_rows(&card, window, now, fields);
        let changed = settle(&self.batch, &rows, &format!("{} with the new PIN", card.key()), || {
            Ok(changes::reread(self.db, &card)?.is_some_and(|after| {
                after.pin.as_deref() == Some(pin.as_str())
                    && changes::has_window(&after, window)
                    && (!enable || !after.inactive)
            }))
        })?;
        Ok(card_outcome(&card, &self.batch, changed, Some(Credential::Pin(pin)), found.note(window_detail(window))))
    }

    fn add_groups(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let ids = AccessCodeParams::from_call(self.call)?.ids()?;
        let codes = changes::resolve_access_codes(self.db, &ids)?;
        let (card, found) = self.require_card(who)?;
        let changed = changes::add_access_codes(self.db, &self.batch, &card, &codes)?;
        Ok(card_outcome(&card, &self.batch, changed, None, found.note(json!({ "access_codes": ids }))))
    }

    fn activate(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let (card, found) = self.require_card(who)?;
        let changed = changes::enable(self.db, &self.batch, &card)?;
        Ok(card_outcome(&card, &self.batch, changed, None, found.note(json!({}))))
    }

    /// Runs `change` on every card of the visitor; no card is no change.
    fn on_every_card(
        &self,
        who: &PersonRef,
        detail: serde_json::Value,
        change: impl Fn(&Card) -> Result<bool, ConnectorError>,
    ) -> Result<Outcome, ConnectorError> {
        let found = self.cards(who)?;
        let Some(first) = found.cards.first() else {
            return Ok(no_card());
        };
        let mut changed = false;
        for card in &found.cards {
            changed |= change(card)?;
        }
        Ok(card_outcome(first, &self.batch, changed, None, found.note(detail)))
    }

    fn remove_groups(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let ids = AccessCodeParams::from_call(self.call)?.ids()?;
        let codes = changes::resolve_access_codes(self.db, &ids)?;
        self.on_every_card(who, json!({ "access_codes": ids }), |card| {
            changes::remove_access_codes(self.db, &self.batch, card, &codes)
        })
    }

    /// Sign-out: every card expires now (unless the install turned that off) and is forced inactive.
    fn revoke(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let now = self.now()?;
        let expire = self.install.sign_out_expires;
        self.on_every_card(who, json!({ "revoked_at": now.to_string() }), |card| {
            changes::revoke(self.db, &self.batch, card, now, expire)
        })
    }

    fn deactivate(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        self.on_every_card(who, json!({}), |card| changes::disable(self.db, &self.batch, card))
    }

    /// Data Connect has no documented delete, so erasing strips every card of the visitor instead:
    /// every access code removed, names replaced, contact fields and the marker's identity and
    /// visit blanked (the source stays, so an operator still sees where the card came from),
    /// expired and forced inactive. The card numbers go back to the pool (the allocation check
    /// skips them while the cards exist).
    fn erase(&self, who: &PersonRef) -> Result<Outcome, ConnectorError> {
        let key = record_key(&who.external_id);
        let record: Option<Record> = gatehouse_sdk::kv::get_json(&key)?;
        let found = marker::find(self.db, self.install, who, true)?;
        if found.cards.is_empty() {
            if let Some(record) = record {
                cards::release(CardKey { number: record.card_number, facility_code: record.facility_code })?;
            }
            gatehouse_sdk::kv::delete(&key)?;
            return Ok(no_card());
        }
        let now = self.now()?;
        let markers = self.install.markers;
        let mut blanked: Vec<PdfField> = self.install.visitor_fields.configured().map(|(_, field)| field).collect();
        blanked.extend([markers.identity, markers.visit]);
        let mut changed = false;
        for card in &found.cards {
            changed |= self.strip(card, &blanked, now)?;
            cards::release(card.key())?;
        }
        // A number kv held for an unfinished creation goes back too.
        let held = record.map(|r| CardKey { number: r.card_number, facility_code: r.facility_code });
        if let Some(held) = held.filter(|held| found.cards.iter().all(|card| card.key() != *held)) {
            cards::release(held)?;
        }
        gatehouse_sdk::kv::delete(&key)?;
        Ok(card_outcome(&found.cards[0], &self.batch, changed, None, found.note(json!({ "erased": true }))))
    }

    fn strip(&self, card: &Card, blanked: &[PdfField], now: SmsTime) -> Result<bool, ConnectorError> {
        let blank = |values: &[(PdfField, Option<String>)]| values.iter().all(|(_, value)| value.is_none());
        let erased_names = |c: &Card| {
            c.last_name.trim().eq_ignore_ascii_case(ERASED_LAST_NAME)
                && c.first_name.trim().eq_ignore_ascii_case(ERASED_FIRST_NAME)
        };
        let mut fields = Vec::new();
        if !erased_names(card) {
            fields.push(Field::LastName(ERASED_LAST_NAME.into()));
            fields.push(Field::FirstName(ERASED_FIRST_NAME.into()));
        }
        // ASSUMPTION: an empty string clears a personal data field (NULL means "unchanged").
        let current = self.db.multimax.personal_data(card.card_id, blanked)?;
        fields.extend(
            current.iter().filter(|(_, v)| v.is_some()).map(|(field, _)| Field::PersonalData(*field, String::new())),
        );
        let mut rows = Vec::new();
        if !self.db.multimax.access_rights(card.card_id)?.is_empty() {
            rows.push(ImportRow::new(Request::RemoveAllAccessCodes, card.key()));
        }
        rows.extend(changes::revoke_rows(card, now, true, fields));
        settle(&self.batch, &rows, &format!("{} erased", card.key()), || {
            let stripped = changes::reread(self.db, card)?
                .is_some_and(|after| erased_names(&after) && changes::is_revoked(&after, now, true));
            Ok(stripped
                && self.db.multimax.access_rights(card.card_id)?.is_empty()
                && blank(&self.db.multimax.personal_data(card.card_id, blanked)?))
        })
    }
}

pub fn no_card() -> Outcome {
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
