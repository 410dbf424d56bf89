//! Gatehouse's marker, and how a visitor's cards are found.
//!
//! Every visitor card the connector creates carries, in its Add row, the marker AMAG's own
//! CONNECT/GUEST integration puts on its visitors: personal data 48 (Source) = `Gatehouse`,
//! 49 (IdentityId) and 50 (VisitId) = the visit id, which is how Gatehouse identifies a visitor
//! (the field numbers are the install's `marker_fields`). Every action finds the visitor's cards
//! by that marker, never by name: Symmetry may keep a name differently from what was written (code
//! page 1252, 40 characters), and two visitors may share a name.
//!
//! kv's record of the card (and the host's PACS id) is only a fallback, for cards created before
//! the marker existed: such a card gets the marker (a Modify row) the first time an action meets
//! it. A fallback card that carries another visit's marker, or a stripped (erased) one, is not
//! this visitor's.

use gatehouse_sdk::{kv, log, ConnectorError, PersonRef};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::changes::{self, settle};
use crate::config::{Install, MarkerFields, PdfField};
use crate::db::{Card, CardKey, Db};
use crate::import::{Batch, Field};
use crate::text::PERSONAL_DATA_LENGTH;
use crate::visitors::{record_key, Record};

/// What the source field of a Gatehouse card holds.
pub const SOURCE: &str = "Gatehouse";

/// The marker of one visit: the value of its identity and visit fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    pub id: String,
}

impl Marker {
    /// The visit id itself where a personal data field keeps it exactly (printable ASCII, no
    /// surrounding spaces, at most 60 characters); otherwise `sha256:` and 48 hex digits of its
    /// digest, so that a long or non-Latin id still marks its visitor uniquely.
    pub fn of(who: &PersonRef) -> Marker {
        let id = who.external_id.as_str();
        let exact = !id.is_empty()
            && id.len() <= PERSONAL_DATA_LENGTH
            && id.trim() == id
            && id.chars().all(|c| c.is_ascii_graphic() || c == ' ')
            && !id.starts_with("sha256:");
        if exact {
            return Marker { id: id.to_string() };
        }
        let digest = Sha256::digest(id.as_bytes());
        let hex: String = digest.iter().take(24).map(|b| format!("{b:02x}")).collect();
        Marker { id: format!("sha256:{hex}") }
    }

    /// The personal data columns that put the marker on a card.
    pub fn fields(&self, markers: MarkerFields) -> Vec<Field> {
        vec![
            Field::PersonalData(markers.source, SOURCE.into()),
            Field::PersonalData(markers.identity, self.id.clone()),
            Field::PersonalData(markers.visit, self.id.clone()),
        ]
    }
}

/// A card's marker fields as multiMAX shows them (`None` for NULL or blank).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seen {
    pub source: Option<String>,
    pub identity: Option<String>,
    pub visit: Option<String>,
}

impl Seen {
    pub fn read(db: &Db, markers: MarkerFields, card_id: i64) -> Result<Seen, ConnectorError> {
        let values = db.multimax.personal_data(card_id, &[markers.source, markers.identity, markers.visit])?;
        let value = |field: PdfField| values.iter().find(|(f, _)| *f == field).and_then(|(_, v)| v.clone());
        Ok(Seen { source: value(markers.source), identity: value(markers.identity), visit: value(markers.visit) })
    }

    /// Gatehouse's marker for exactly this visit (the database's own comparison ignores case).
    pub fn is(&self, marker: &Marker) -> bool {
        self.source.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case(SOURCE))
            && self.visit.as_deref().is_some_and(|v| v.trim() == marker.id)
    }

    /// Never marked: no source and no visit (a card from before the marker, or anybody's).
    pub fn is_unmarked(&self) -> bool {
        self.source.is_none() && self.visit.is_none()
    }
}

/// Whether `card` carries `marker`.
pub fn carries(db: &Db, install: &Install, card: &Card, marker: &Marker) -> Result<bool, ConnectorError> {
    Ok(Seen::read(db, install.markers, card.card_id)?.is(marker))
}

/// The cards of one visitor.
#[derive(Debug, Default)]
pub struct Found {
    /// Marked cards first (lowest CardID, then number), then the fallback card, if any.
    pub cards: Vec<Card>,
    /// Fallback cards without the marker (not yet backfilled).
    pub unmarked: Vec<CardKey>,
    /// Cards that got the marker during this call.
    pub backfilled: Vec<i64>,
}

impl Found {
    /// What the outcome's detail says about the search, merged into `detail`.
    pub fn note(&self, mut detail: Value) -> Value {
        if let Value::Object(map) = &mut detail {
            if !self.backfilled.is_empty() {
                map.insert("marker_backfilled".into(), json!(self.backfilled));
            }
            if self.cards.len() > 1 {
                map.insert("cards".into(), json!(self.cards.iter().map(|c| c.number).collect::<Vec<_>>()));
            }
        }
        detail
    }
}

/// Every card of the visitor `who`: those carrying the visit's marker, and the card kv (or the
/// host's PACS id) remembers when it has no marker at all. `erasing` also accepts a remembered
/// card that was already stripped, so an interrupted erasure can finish.
pub fn find(db: &Db, install: &Install, who: &PersonRef, erasing: bool) -> Result<Found, ConnectorError> {
    let marker = Marker::of(who);
    let mut found = Found::default();
    for card_id in db.multimax.cards_with_marker(install.markers, &marker.id, SOURCE)? {
        if !Seen::read(db, install.markers, card_id)?.is(&marker) {
            continue;
        }
        let mut cards = db.multimax.cards_by_id(card_id)?;
        cards.sort_by_key(|c| (c.number, c.facility_code));
        found.cards.extend(cards);
    }
    let Some(card) = remembered(db, who)? else {
        return Ok(found);
    };
    if found.cards.iter().any(|c| c.card_id == card.card_id && c.key() == card.key()) {
        return Ok(found);
    }
    let seen = Seen::read(db, install.markers, card.card_id)?;
    if seen.is(&marker) {
        found.cards.push(card);
    } else if seen.is_unmarked() || (erasing && seen.visit.is_none()) {
        found.unmarked.push(card.key());
        found.cards.push(card);
    } else {
        log::warn!(
            "{} is remembered for visitor {} but carries another marker ({:?}); it is not this visitor's",
            card.key(),
            who.external_id,
            seen.visit
        );
    }
    Ok(found)
}

/// The card kv remembers (number and CardID), else the only card of the CardID the host passes
/// as PACS id.
fn remembered(db: &Db, who: &PersonRef) -> Result<Option<Card>, ConnectorError> {
    if let Some(Record { card_number, facility_code, card_id: Some(card_id) }) =
        kv::get_json::<Record>(&record_key(&who.external_id))?
    {
        let key = CardKey { number: card_number, facility_code };
        return Ok(db.multimax.card_by_key(key)?.filter(|card| card.card_id == card_id));
    }
    let Some(card_id) = who.pacs_id.as_deref().and_then(|id| id.trim().parse::<i64>().ok()) else {
        return Ok(None);
    };
    let mut cards = db.multimax.cards_by_id(card_id)?;
    Ok(if cards.len() == 1 { cards.pop() } else { None })
}

/// Puts the marker on the unmarked cards of `found`, each with one Modify row. The rows go under
/// their own BatchReference (the action's key + `/marker`), so they never merge with the rows the
/// action itself writes for the same card, and a retry finds them.
pub fn backfill(
    db: &Db,
    install: &Install,
    idempotency_key: &str,
    who: &PersonRef,
    found: &mut Found,
) -> Result<(), ConnectorError> {
    if found.unmarked.is_empty() {
        return Ok(());
    }
    let marker = Marker::of(who);
    let batch = Batch::new(db, install, &format!("{idempotency_key}/marker"));
    for key in std::mem::take(&mut found.unmarked) {
        let Some(card) = found.cards.iter().find(|c| c.key() == key) else { continue };
        let rows = changes::modify(card, marker.fields(install.markers));
        settle(&batch, &rows, &format!("{} with Gatehouse's marker", card.key()), || {
            carries(db, install, card, &marker)
        })?;
        log::info!("gave {} Gatehouse's marker for visitor {}", card.key(), who.external_id);
        found.backfilled.push(card.number);
    }
    Ok(())
}
