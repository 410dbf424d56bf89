//! Card numbers for visitors, from the install's range.
//!
//! The host's unique-number pool (one per facility code: numbers repeat across facility codes)
//! hands out the lowest number not in use, idempotently per visitor. The pool does not know
//! Symmetry, so every number is checked against the cards multiMAX has and the add rows still
//! waiting in `DataImportTable`; a number found taken is reserved in the pool, so it is never
//! offered again, and the next one is tried.

use gatehouse_sdk::{kv, log, ConnectorError};

use crate::config::Install;
use crate::db::{self, Card, CardKey, Db, Row};

/// How many taken numbers one call skips before it gives up (the reservations persist, so a
/// retry continues where this call stopped).
const MAX_SKIPS: usize = 50;

/// The pool of a facility code.
pub fn pool(facility_code: i64) -> String {
    format!("cards/{facility_code}")
}

/// Where a visitor's card number stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Allocation {
    /// Nobody has this number, in multiMAX or in a pending import row.
    Free(CardKey),
    /// Our card with this number already exists: an earlier attempt created it.
    Existing(Card),
    /// Our own add row for this number is still waiting, under an earlier action's reference.
    Pending { card: CardKey, reference: String },
}

/// The number for `owner` (a visitor's external id). `is_ours` recognises a card an earlier
/// attempt of ours created (it carries the visitor's marker, see `marker.rs`): it is adopted,
/// not skipped.
pub fn allocate(
    db: &Db,
    install: &Install,
    owner: &str,
    is_ours: impl Fn(&Card) -> Result<bool, ConnectorError>,
) -> Result<Allocation, ConnectorError> {
    let cards = install.cards;
    let pool = pool(cards.facility_code);
    // The range is checked to lie in 1..=i32::MAX, so these conversions are lossless.
    let (min, max) = (cards.min as u64, cards.max as u64);
    for _ in 0..MAX_SKIPS {
        let number = kv::allocate_unique(&pool, min, max, owner)?;
        let card = CardKey { number: number as i64, facility_code: cards.facility_code };
        if db.multimax.card_taken(card)? {
            if let Some(existing) = db.multimax.card_by_key(card)? {
                if is_ours(&existing)? {
                    return Ok(Allocation::Existing(existing));
                }
            }
            mark_taken(&pool, number, "an existing card has it")?;
            continue;
        }
        let pending = pending_adds(db, card)?;
        if pending.is_empty() {
            return Ok(Allocation::Free(card));
        }
        match pending.iter().find(|reference| reference.starts_with(&install.batch_prefix)) {
            // The number is ours in the pool, so our pending add row for it is this visitor's.
            Some(reference) if pending.len() == 1 => {
                return Ok(Allocation::Pending { card, reference: reference.clone() });
            }
            _ => mark_taken(&pool, number, "another integrator's import row is adding it")?,
        }
    }
    Err(ConnectorError::conflict(format!(
        "{MAX_SKIPS} card numbers in a row were already taken in Symmetry; a retry continues with the next ones, \
         but check that cards {}-{} (facility code {}) are reserved for Gatehouse",
        cards.min, cards.max, cards.facility_code
    )))
}

/// Takes `number` away from its owner and reserves it, so allocation skips it from now on.
pub fn mark_taken(pool: &str, number: u64, why: &str) -> Result<(), ConnectorError> {
    log::warn!("card number {} is taken in Symmetry ({}); trying the next", number, why; "pool" => pool);
    kv::release_unique(pool, number)?;
    kv::reserve_unique(pool, number)?;
    Ok(())
}

/// Returns a visitor's number to the pool. Should the card still exist in Symmetry, the
/// allocation check finds it and reserves it again.
pub fn release(card: CardKey) -> Result<(), ConnectorError> {
    Ok(kv::release_unique(&pool(card.facility_code), card.number as u64)?)
}

/// BatchReferences of add rows for `card` that the import service has not processed yet.
fn pending_adds(db: &Db, card: CardKey) -> Result<Vec<String>, ConnectorError> {
    let rows = db.import.query(db::PENDING_ADDS, &[card.number.into(), card.facility_code.into()])?;
    Row::all(&rows).map(|row| Ok(row.text("BatchReference")?.unwrap_or_default())).collect()
}
