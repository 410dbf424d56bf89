//! What the Data Connect import service does with one DataImportTable row (RecordRequest 0–6),
//! reconstructed from integrators' code. AMAG's processing is undocumented, so every rule here
//! is marked as an assumption; the shared notes (§2.2) name the evidence for each request code.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;

use crate::config::StatusCodes;
use crate::model::multimax::{Card, Cardholder, MultiMax};
use crate::model::schema::{ObjectId, PERSONAL_DATA_FIELDS};
use crate::value::Value;

/// The fields of an import row the processor acts on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportRow {
    pub record_request: Option<i64>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub init_let: Option<String>,
    pub employee_reference: Option<String>,
    pub company_id: Option<i64>,
    pub card_number: Option<i64>,
    pub customer_code: Option<i64>,
    pub card_format: Option<i64>,
    pub pin: Option<String>,
    pub active_date: Option<NaiveDateTime>,
    pub expiry_date: Option<NaiveDateTime>,
    pub access_code_id: Option<i64>,
    pub personal_data: BTreeMap<u8, String>,
}

impl ImportRow {
    /// Reads a stored DataImportTable row (columns in schema order).
    pub fn from_stored(row: &[Value]) -> ImportRow {
        let get = |name: &str| ObjectId::DataImportTable.column_index(name).map(|i| &row[i]).unwrap_or(&Value::Null);
        let text = |name: &str| get(name).as_str().map(str::to_string);
        let int = |name: &str| get(name).as_i64();
        let time = |name: &str| match get(name) {
            Value::DateTime(t) => Some(*t),
            _ => None,
        };
        let personal_data =
            (1..=PERSONAL_DATA_FIELDS).filter_map(|n| text(&format!("PersonalData{n}")).map(|v| (n, v))).collect();
        ImportRow {
            record_request: int("RecordRequest"),
            last_name: text("LastName"),
            first_name: text("FirstName"),
            init_let: text("InitLet"),
            employee_reference: text("EmployeeReference"),
            company_id: int("CompanyID"),
            card_number: int("CardNumber"),
            customer_code: int("CustomerCode"),
            card_format: int("CardFormat"),
            pin: text("PIN"),
            active_date: time("ActiveDate"),
            expiry_date: time("ExpiryDate"),
            access_code_id: int("AccessCodeID"),
            personal_data,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    CardAlreadyExists,
    CardNotFound,
    AccessCodeNotFound,
    CompanyNotFound,
    InvalidRequest,
    MissingField,
}

impl Outcome {
    pub fn status(self, codes: &StatusCodes) -> i64 {
        match self {
            Outcome::Success => codes.success,
            Outcome::CardAlreadyExists => codes.card_already_exists,
            Outcome::CardNotFound => codes.card_not_found,
            Outcome::AccessCodeNotFound => codes.access_code_not_found,
            Outcome::CompanyNotFound => codes.company_not_found,
            Outcome::InvalidRequest => codes.invalid_request,
            Outcome::MissingField => codes.missing_field,
        }
    }
}

/// Applies one row to multiMAX. A row that fails changes nothing.
pub fn apply(multimax: &mut MultiMax, row: &ImportRow, now: NaiveDateTime) -> Outcome {
    match row.record_request {
        Some(0) => add(multimax, row, now),
        Some(1) => modify(multimax, row, now),
        Some(2) => set_active(multimax, row, now, false),
        Some(3) => add_access_code(multimax, row),
        Some(4) => with_targets(multimax, row, |m, cards| {
            let holders = card_ids(m, &cards);
            m.access_rights.retain(|(card_id, _), _| !holders.contains(card_id));
            Outcome::Success
        }),
        Some(5) => set_active(multimax, row, now, true),
        Some(6) => remove_access_code(multimax, row),
        // ASSUMPTION: code 42 (seen once, copy-pasted) and anything else is rejected.
        _ => Outcome::InvalidRequest,
    }
}

/// The cards a row addresses.
// ASSUMPTION: keys in the order integrators use them — CardNumber (+ CustomerCode when given),
// else EmployeeReference, else LastName + FirstName (trimmed, case-insensitive); a row without
// CustomerCode matches the card number under any facility code.
fn target_cards(m: &MultiMax, row: &ImportRow) -> Vec<usize> {
    let holders_cards = |pred: &dyn Fn(&Cardholder) -> bool| -> Vec<usize> {
        let ids: BTreeSet<i64> = m.cardholders.values().filter(|h| pred(h)).map(|h| h.card_id).collect();
        (0..m.cards.len()).filter(|i| ids.contains(&m.cards[*i].card_id)).collect()
    };
    let same = |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| a.trim().eq_ignore_ascii_case(b.trim()));
    if let Some(number) = row.card_number {
        return (0..m.cards.len())
            .filter(|i| {
                m.cards[*i].number == number && row.customer_code.is_none_or(|cc| m.cards[*i].customer_code == cc)
            })
            .collect();
    }
    if let Some(reference) = &row.employee_reference {
        return holders_cards(&|h| same(&h.employee_number, reference));
    }
    match (&row.last_name, &row.first_name) {
        (Some(last), Some(first)) => holders_cards(&|h| same(&h.last_name, last) && same(&h.first_name, first)),
        _ => Vec::new(),
    }
}

fn card_ids(m: &MultiMax, cards: &[usize]) -> BTreeSet<i64> {
    cards.iter().map(|i| m.cards[*i].card_id).collect()
}

fn with_targets(
    m: &mut MultiMax,
    row: &ImportRow,
    action: impl FnOnce(&mut MultiMax, Vec<usize>) -> Outcome,
) -> Outcome {
    let cards = target_cards(m, row);
    if cards.is_empty() {
        return Outcome::CardNotFound;
    }
    action(m, cards)
}

/// RecordRequest 0: add a cardholder with a card.
// ASSUMPTION: needs CardNumber and LastName (else "Required field missing"); CompanyID must exist;
// a cardholder whose EmployeeNumber equals EmployeeReference gets the card added ("AddModify"),
// otherwise a new cardholder is created; the first card is primary; card number 0 means "no
// credential"; AccessCodeID is ignored (access codes are added with RecordRequest 3); imported
// cardholders are not flagged Visitor; a missing CustomerCode stores facility code 0.
fn add(m: &mut MultiMax, row: &ImportRow, now: NaiveDateTime) -> Outcome {
    let (Some(number), Some(_)) = (row.card_number, &row.last_name) else {
        return Outcome::MissingField;
    };
    if row.company_id.is_some_and(|c| !m.companies.contains_key(&c)) {
        return Outcome::CompanyNotFound;
    }
    let customer_code = row.customer_code.unwrap_or(0);
    if m.card_exists(number, customer_code) {
        return Outcome::CardAlreadyExists;
    }
    let existing = row.employee_reference.as_ref().and_then(|reference| {
        m.cardholders
            .values()
            .find(|h| h.employee_number.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(reference)))
            .map(|h| h.card_id)
    });
    let card_id = existing.unwrap_or_else(|| m.next_card_id());
    let holder = m.cardholders.entry(card_id).or_insert_with(|| Cardholder { card_id, ..Cardholder::default() });
    update_holder(holder, row, now);
    let primary = !m.cards.iter().any(|c| c.card_id == card_id);
    m.cards.push(Card {
        card_id,
        number,
        customer_code,
        card_format: row.card_format,
        pin: row.pin.clone(),
        primary,
        active_from: row.active_date,
        expires: row.expiry_date,
        changed_at: Some(now),
        ..Card::default()
    });
    Outcome::Success
}

/// RecordRequest 1: modify.
// ASSUMPTION: NULL means "not sent", so fields can be changed but not cleared.
fn modify(m: &mut MultiMax, row: &ImportRow, now: NaiveDateTime) -> Outcome {
    if row.company_id.is_some_and(|c| !m.companies.contains_key(&c)) {
        return Outcome::CompanyNotFound;
    }
    with_targets(m, row, |m, cards| {
        for id in card_ids(m, &cards) {
            if let Some(holder) = m.cardholders.get_mut(&id) {
                update_holder(holder, row, now);
            }
        }
        for i in cards {
            let card = &mut m.cards[i];
            card.pin = row.pin.clone().or(card.pin.take());
            card.active_from = row.active_date.or(card.active_from);
            card.expires = row.expiry_date.or(card.expires);
            card.card_format = row.card_format.or(card.card_format);
            card.changed_at = Some(now);
        }
        Outcome::Success
    })
}

fn update_holder(holder: &mut Cardholder, row: &ImportRow, now: NaiveDateTime) {
    let set = |field: &mut Option<String>, value: &Option<String>| {
        if value.is_some() {
            field.clone_from(value);
        }
    };
    set(&mut holder.last_name, &row.last_name);
    set(&mut holder.first_name, &row.first_name);
    set(&mut holder.init_let, &row.init_let);
    set(&mut holder.employee_number, &row.employee_reference);
    holder.company_id = row.company_id.or(holder.company_id);
    for (n, value) in &row.personal_data {
        holder.personal_data.insert(*n, value.clone());
    }
    holder.changed_at = Some(now);
}

/// RecordRequest 2 (force inactive) and 5 (re-activate).
// ASSUMPTION: sets Inactive and ForcedInactive together; a card key affects that card only, an
// employee or name key affects all the cardholder's cards.
fn set_active(m: &mut MultiMax, row: &ImportRow, now: NaiveDateTime, active: bool) -> Outcome {
    with_targets(m, row, |m, cards| {
        for i in cards {
            let card = &mut m.cards[i];
            card.inactive = !active;
            card.forced_inactive = !active;
            card.inactive_since = if active { None } else { Some(now) };
            card.changed_at = Some(now);
        }
        Outcome::Success
    })
}

fn known_access_code(m: &MultiMax, row: &ImportRow) -> Option<i64> {
    row.access_code_id.filter(|id| m.access_codes.contains_key(id))
}

/// RecordRequest 3: one access code per row; adding one twice is harmless.
fn add_access_code(m: &mut MultiMax, row: &ImportRow) -> Outcome {
    with_targets(m, row, |m, cards| {
        let Some(code) = known_access_code(m, row) else {
            return Outcome::AccessCodeNotFound;
        };
        for id in card_ids(m, &cards) {
            m.access_rights.insert((id, code), true);
        }
        Outcome::Success
    })
}

/// RecordRequest 6.
// ASSUMPTION: removing an access code the cardholder does not hold succeeds.
fn remove_access_code(m: &mut MultiMax, row: &ImportRow) -> Outcome {
    with_targets(m, row, |m, cards| {
        let Some(code) = known_access_code(m, row) else {
            return Outcome::AccessCodeNotFound;
        };
        for id in card_ids(m, &cards) {
            m.access_rights.remove(&(id, code));
        }
        Outcome::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Fixture;

    fn multimax() -> MultiMax {
        let mut m = MultiMax::default();
        Fixture::default_fixture().apply(&mut m).unwrap();
        m
    }

    fn now() -> NaiveDateTime {
        "2024-05-01T08:00:00".parse().unwrap()
    }

    fn card(number: i64, request: i64) -> ImportRow {
        ImportRow {
            record_request: Some(request),
            card_number: Some(number),
            customer_code: Some(100),
            ..Default::default()
        }
    }

    #[test]
    fn add_creates_a_cardholder_with_its_card_and_refuses_duplicates() {
        let mut m = multimax();
        let row = ImportRow { last_name: Some("Visitor".into()), company_id: Some(2), ..card(1001, 0) };
        assert_eq!(apply(&mut m, &row, now()), Outcome::Success);
        let created = m.cards.iter().find(|c| c.number == 1001).unwrap();
        assert!(created.primary && !created.inactive);
        assert_eq!(m.cardholders[&created.card_id].company_id, Some(2));
        assert_eq!(apply(&mut m, &row, now()), Outcome::CardAlreadyExists);
        let no_company = ImportRow { company_id: Some(99), ..card(1002, 0) };
        assert_eq!(
            apply(&mut m, &ImportRow { last_name: Some("x".into()), ..no_company }, now()),
            Outcome::CompanyNotFound
        );
        assert_eq!(apply(&mut m, &card(1003, 0), now()), Outcome::MissingField);
    }

    #[test]
    fn disable_and_enable_toggle_the_card_and_stamp_the_time() {
        let mut m = multimax();
        assert_eq!(apply(&mut m, &card(5003, 2), now()), Outcome::Success);
        let c = m.cards.iter().find(|c| c.number == 5003).unwrap();
        assert!(c.inactive && c.forced_inactive && c.inactive_since == Some(now()));
        let other = m.cards.iter().find(|c| c.number == 5103).unwrap();
        assert!(!other.inactive, "a card key leaves the cardholder's other cards alone");
        assert_eq!(apply(&mut m, &card(5003, 5), now()), Outcome::Success);
        assert!(!m.cards.iter().find(|c| c.number == 5003).unwrap().inactive);
        assert_eq!(apply(&mut m, &card(4242, 2), now()), Outcome::CardNotFound);
    }

    #[test]
    fn access_codes_are_added_removed_and_validated() {
        let mut m = multimax();
        let add = ImportRow { access_code_id: Some(13), ..card(5001, 3) };
        assert_eq!(apply(&mut m, &add, now()), Outcome::Success);
        assert!(m.access_rights.contains_key(&(1, 13)));
        let remove = ImportRow { access_code_id: Some(13), ..card(5001, 6) };
        assert_eq!(apply(&mut m, &remove, now()), Outcome::Success);
        assert!(!m.access_rights.contains_key(&(1, 13)));
        let unknown = ImportRow { access_code_id: Some(999), ..card(5001, 3) };
        assert_eq!(apply(&mut m, &unknown, now()), Outcome::AccessCodeNotFound);
        assert_eq!(apply(&mut m, &card(5001, 4), now()), Outcome::Success);
        assert!(!m.access_rights.keys().any(|(id, _)| *id == 1));
    }

    #[test]
    fn modify_by_employee_reference_updates_fields_and_all_cards() {
        let mut m = multimax();
        let expiry: NaiveDateTime = "2024-06-01T17:00:00".parse().unwrap();
        let row = ImportRow {
            record_request: Some(1),
            employee_reference: Some("e1003".into()),
            expiry_date: Some(expiry),
            personal_data: [(3, "555-0100".to_string())].into(),
            ..Default::default()
        };
        assert_eq!(apply(&mut m, &row, now()), Outcome::Success);
        assert!(m.cards.iter().filter(|c| c.card_id == 3).all(|c| c.expires == Some(expiry)));
        assert_eq!(m.cardholders[&3].personal_data[&3], "555-0100");
        assert_eq!(m.cardholders[&3].first_name.as_deref(), Some("Walter"));
    }

    #[test]
    fn unknown_request_codes_are_rejected() {
        let mut m = multimax();
        assert_eq!(apply(&mut m, &card(5001, 42), now()), Outcome::InvalidRequest);
    }
}
