//! State changes on one existing card, shared by visitors and employees.
//!
//! Each change has the same shape: read the card, write import rows only for what differs (so a
//! card already in the requested state costs nothing and reports `changed: false`), wait for the
//! import service, then read multiMAX again and require the effect to be there. The rows'
//! messages are consulted only when it is not.

use gatehouse_sdk::{ConnectorError, Credential, Outcome};
use serde_json::{json, Value};

use crate::db::{AccessCode, Card, Db};
use crate::import::{Batch, Field, ImportRow, Request};
use crate::time::{SmsTime, SmsWindow};

/// Writes `rows` (if any) and checks `effect_visible` afterwards. Returns whether rows were
/// needed, i.e. whether Symmetry changed.
pub fn settle(
    batch: &Batch,
    rows: &[ImportRow],
    expected: &str,
    effect_visible: impl FnOnce() -> Result<bool, ConnectorError>,
) -> Result<bool, ConnectorError> {
    if rows.is_empty() {
        return Ok(false);
    }
    let processed = batch.run(rows)?;
    if effect_visible()? {
        Ok(true)
    } else {
        Err(batch.rejection(&processed, expected)?)
    }
}

/// The outcome of an action on `card`: its CardID is the PACS id, and the detail names the card
/// and the BatchReference of the rows written for it.
pub fn card_outcome(
    card: &Card,
    batch: &Batch,
    changed: bool,
    credential: Option<Credential>,
    extra: Value,
) -> Outcome {
    let mut detail = json!({
        "card_id": card.card_id,
        "card_number": card.number,
        "facility_code": card.facility_code,
        "batch_reference": batch.reference(),
    });
    if let (Some(detail), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        detail.extend(extra);
    }
    Outcome { pacs_id: Some(card.card_id.to_string()), credential, changed, detail: detail.to_string() }
}

/// Re-reads a card after a change; `None` when it vanished, which the import rows' messages then
/// explain ("card not found").
pub fn reread(db: &Db, card: &Card) -> Result<Option<Card>, ConnectorError> {
    Ok(db.multimax.card_by_key(card.key())?.filter(|after| after.card_id == card.card_id))
}

/// Sets the card's validity to `window` (a Modify row with ActiveDate and ExpiryDate) and, when
/// the card is forced inactive and the window is not over at `now`, enables it (RecordRequest 5):
/// see `visitors.rs` on why a window reopens a revoked visitor card.
pub fn open_window(
    db: &Db,
    batch: &Batch,
    card: &Card,
    window: SmsWindow,
    now: SmsTime,
) -> Result<bool, ConnectorError> {
    let rows = open_rows(card, window, now, Vec::new());
    let enable = reenables(card, window, now);
    let expected =
        format!("{} valid {} to {}{}", card.key(), window.active, window.expiry, if enable { ", active" } else { "" });
    settle(batch, &rows, &expected, || {
        Ok(reread(db, card)?.is_some_and(|after| has_window(&after, window) && (!enable || !after.inactive)))
    })
}

/// Whether giving `card` the window `window` at `now` also enables it: it is forced inactive and
/// the window is not over.
pub fn reenables(card: &Card, window: SmsWindow, now: SmsTime) -> bool {
    card.inactive && window.expiry > now
}

/// A Modify row with `extra` and the window's dates where the card lacks them, then an Enable row
/// when [`reenables`] says so.
pub fn open_rows(card: &Card, window: SmsWindow, now: SmsTime, extra: Vec<Field>) -> Vec<ImportRow> {
    let mut fields = extra;
    fields.extend(window_fields(card, window));
    let mut rows = modify(card, fields);
    if reenables(card, window, now) {
        rows.push(ImportRow::new(Request::Enable, card.key()));
    }
    rows
}

/// The Modify columns that give `card` the dates of `window`; none when it has them.
pub fn window_fields(card: &Card, window: SmsWindow) -> Vec<Field> {
    if has_window(card, window) {
        return Vec::new();
    }
    vec![Field::ActiveDate(window.active), Field::ExpiryDate(window.expiry)]
}

pub fn has_window(card: &Card, window: SmsWindow) -> bool {
    card.active_from == Some(window.active) && card.expires_at == Some(window.expiry)
}

/// Forces the card inactive (RecordRequest 2).
pub fn disable(db: &Db, batch: &Batch, card: &Card) -> Result<bool, ConnectorError> {
    let rows: Vec<ImportRow> =
        (!card.inactive).then(|| ImportRow::new(Request::Disable, card.key())).into_iter().collect();
    settle(batch, &rows, &format!("{} inactive", card.key()), || {
        Ok(reread(db, card)?.is_some_and(|after| after.inactive))
    })
}

/// Re-activates the card (RecordRequest 5).
pub fn enable(db: &Db, batch: &Batch, card: &Card) -> Result<bool, ConnectorError> {
    let rows: Vec<ImportRow> = card.inactive.then(|| ImportRow::new(Request::Enable, card.key())).into_iter().collect();
    settle(batch, &rows, &format!("{} active", card.key()), || {
        Ok(reread(db, card)?.is_some_and(|after| !after.inactive))
    })
}

/// Ends the card's validity at `now` and forces it inactive; `expire` chooses whether the dates
/// change too (so the controller expires the card even if someone re-enables it).
pub fn revoke(db: &Db, batch: &Batch, card: &Card, now: SmsTime, expire: bool) -> Result<bool, ConnectorError> {
    let rows = revoke_rows(card, now, expire, Vec::new());
    let expected = format!("{} expired and inactive", card.key());
    settle(batch, &rows, &expected, || Ok(reread(db, card)?.is_some_and(|after| is_revoked(&after, now, expire))))
}

/// The rows that revoke a card, with `extra` columns in the same Modify row.
pub fn revoke_rows(card: &Card, now: SmsTime, expire: bool, extra: Vec<Field>) -> Vec<ImportRow> {
    let mut fields = extra;
    if expire && !is_expired(card, now) {
        // A window that has not started yet is closed at both ends, so expiry never precedes activation.
        if card.active_from.is_none_or(|a| a > now) {
            fields.push(Field::ActiveDate(now));
        }
        fields.push(Field::ExpiryDate(now));
    }
    let mut rows = modify(card, fields);
    if !card.inactive {
        rows.push(ImportRow::new(Request::Disable, card.key()));
    }
    rows
}

pub fn is_revoked(card: &Card, now: SmsTime, expire: bool) -> bool {
    card.inactive && (!expire || is_expired(card, now))
}

fn is_expired(card: &Card, now: SmsTime) -> bool {
    card.expires_at.is_some_and(|e| e <= now)
}

/// One Modify row with `fields`, or no row when there is nothing to change.
pub fn modify(card: &Card, fields: Vec<Field>) -> Vec<ImportRow> {
    if fields.is_empty() {
        return Vec::new();
    }
    vec![ImportRow { request: Request::Modify, card: card.key(), fields }]
}

/// The access codes with these ids; an id Symmetry does not know is a policy mistake.
pub fn resolve_access_codes(db: &Db, ids: &[i64]) -> Result<Vec<AccessCode>, ConnectorError> {
    let known = db.multimax.access_codes()?;
    ids.iter()
        .map(|id| {
            known.iter().find(|code| code.id == *id).cloned().ok_or_else(|| {
                ConnectorError::config(format!(
                    "access code {id} does not exist in Symmetry; update the policy's access-code mapping"
                ))
            })
        })
        .collect()
}

fn has_code(rights: &[String], code: &AccessCode) -> bool {
    rights.iter().any(|name| name.trim().eq_ignore_ascii_case(code.name.trim()))
}

/// Adds the codes the card lacks, one RecordRequest 3 row each. Returns whether any were added.
pub fn add_access_codes(db: &Db, batch: &Batch, card: &Card, codes: &[AccessCode]) -> Result<bool, ConnectorError> {
    let rights = db.multimax.access_rights(card.card_id)?;
    let rows: Vec<ImportRow> = codes
        .iter()
        .filter(|code| !has_code(&rights, code))
        .map(|code| ImportRow::new(Request::AddAccessCode, card.key()).with(Field::AccessCode(code.id)))
        .collect();
    let expected = format!("{} with access codes {}", card.key(), names(codes));
    settle(batch, &rows, &expected, || {
        let rights = db.multimax.access_rights(card.card_id)?;
        Ok(codes.iter().all(|code| has_code(&rights, code)))
    })
}

/// Removes the codes the card has, one RecordRequest 6 row each.
pub fn remove_access_codes(db: &Db, batch: &Batch, card: &Card, codes: &[AccessCode]) -> Result<bool, ConnectorError> {
    let rights = db.multimax.access_rights(card.card_id)?;
    let rows: Vec<ImportRow> = codes
        .iter()
        .filter(|code| has_code(&rights, code))
        .map(|code| ImportRow::new(Request::RemoveAccessCode, card.key()).with(Field::AccessCode(code.id)))
        .collect();
    let expected = format!("{} without access codes {}", card.key(), names(codes));
    settle(batch, &rows, &expected, || {
        let rights = db.multimax.access_rights(card.card_id)?;
        Ok(!codes.iter().any(|code| has_code(&rights, code)))
    })
}

fn names(codes: &[AccessCode]) -> String {
    codes.iter().map(|c| format!("{:?}", c.name)).collect::<Vec<_>>().join(", ")
}
