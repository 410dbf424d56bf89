//! The multiMAX database as typed records: companies, access codes, personal-data titles,
//! cardholders with their cards and personal data, and access rights.
//!
//! The import processor changes these records with domain operations; SQL readers see them
//! through [`MultiMax::rows`], which lays them out as the tables and views of `schema`.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use super::schema::{ObjectId, PERSONAL_DATA_FIELDS};
use crate::value::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccessCode {
    pub id: i64,
    pub name: String,
    pub company_id: Option<i64>,
}

/// A person.
// ASSUMPTION: `CardID` identifies the cardholder record, and a cardholder may hold several cards
// (one marked `PrimaryCard`) that all share the CardID.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cardholder {
    pub card_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub init_let: Option<String>,
    pub employee_number: Option<String>,
    pub company_id: Option<i64>,
    pub visitor: bool,
    /// Field number (1..=50) to value.
    pub personal_data: BTreeMap<u8, String>,
    pub changed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Card {
    pub card_id: i64,
    pub number: i64,
    /// The facility ("customer") code.
    pub customer_code: i64,
    pub card_format: Option<i64>,
    pub pin: Option<String>,
    pub inactive: bool,
    pub forced_inactive: bool,
    pub lost: bool,
    pub primary: bool,
    pub issue_level: i64,
    pub active_from: Option<NaiveDateTime>,
    pub expires: Option<NaiveDateTime>,
    /// ASSUMPTION: InactiveDateTime records when the card was forced inactive.
    pub inactive_since: Option<NaiveDateTime>,
    pub changed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MultiMax {
    pub companies: BTreeMap<i64, Company>,
    pub access_codes: BTreeMap<i64, AccessCode>,
    pub personal_data_titles: BTreeMap<u8, String>,
    pub cardholders: BTreeMap<i64, Cardholder>,
    pub cards: Vec<Card>,
    /// (CardID, AccessCodeID) to "enabled".
    // ASSUMPTION: access codes are granted per cardholder (CardID), not per card.
    pub access_rights: BTreeMap<(i64, i64), bool>,
}

impl MultiMax {
    /// Card number 0 is Symmetry's "no credential assigned" marker and never collides.
    pub fn card_exists(&self, number: i64, customer_code: i64) -> bool {
        number != 0 && self.cards.iter().any(|c| c.number == number && c.customer_code == customer_code)
    }

    pub fn next_card_id(&self) -> i64 {
        self.cardholders.keys().next_back().map_or(1, |id| id + 1)
    }

    /// The rows of a multiMAX table or view, in its column order.
    pub fn rows(&self, object: ObjectId) -> Vec<Vec<Value>> {
        match object {
            ObjectId::CardHolderTable => self.cardholders.values().map(cardholder_row).collect(),
            ObjectId::CardInfoTable => self.cards.iter().map(card_row).collect(),
            ObjectId::CompanyTable => {
                self.companies.values().map(|c| vec![Value::Int(c.id), Value::str(&c.name)]).collect()
            }
            ObjectId::AccessCodeTable => self
                .access_codes
                .values()
                .map(|a| vec![Value::Int(a.id), Value::str(&a.name), Value::opt_int(a.company_id)])
                .collect(),
            ObjectId::PersonalDataTitleTable => {
                self.personal_data_titles.iter().map(|(n, t)| vec![Value::Int(*n as i64), Value::str(t)]).collect()
            }
            ObjectId::ViewSmsCardHolders => self.card_holder_view_rows(),
            ObjectId::ViewSmsCardHolderPersonalData1To25 => self.personal_data_rows(1..=25),
            ObjectId::ViewSmsCardHolderPersonalData26To50 => self.personal_data_rows(26..=50),
            ObjectId::ViewAccessRights => self
                .access_rights
                .iter()
                .map(|((card_id, code), enabled)| {
                    let name = self.access_codes.get(code).map(|a| a.name.as_str());
                    vec![Value::Int(*card_id), Value::Int(*code), Value::opt_str(name), Value::Bit(*enabled)]
                })
                .collect(),
            ObjectId::DataImportTable | ObjectId::MessageTable => Vec::new(),
        }
    }

    // ASSUMPTION: Inactive shows the stored flag only; ActiveDateTime/ExpirationDateTime are
    // enforced by the access controllers and do not flip Inactive in the database.
    fn card_holder_view_rows(&self) -> Vec<Vec<Value>> {
        self.cards
            .iter()
            .filter_map(|card| {
                let holder = self.cardholders.get(&card.card_id)?;
                let mut row = vec![
                    Value::Int(holder.card_id),
                    Value::opt_str(holder.first_name.as_deref()),
                    Value::opt_str(holder.last_name.as_deref()),
                    Value::opt_str(holder.init_let.as_deref()),
                    Value::opt_str(holder.employee_number.as_deref()),
                    Value::Bit(holder.visitor),
                    Value::opt_int(holder.company_id),
                    Value::Int(card.customer_code),
                    Value::Int(card.number),
                    Value::Bit(card.primary),
                    Value::opt_str(card.pin.as_deref()),
                    Value::Bit(card.inactive),
                    Value::opt_datetime(card.active_from),
                    Value::opt_datetime(card.inactive_since),
                    Value::opt_datetime(card.expires),
                ];
                row.extend(personal_data_values(holder, 1..=PERSONAL_DATA_FIELDS));
                Some(row)
            })
            .collect()
    }

    fn personal_data_rows(&self, fields: std::ops::RangeInclusive<u8>) -> Vec<Vec<Value>> {
        self.cardholders
            .values()
            .map(|h| std::iter::once(Value::Int(h.card_id)).chain(personal_data_values(h, fields.clone())).collect())
            .collect()
    }
}

fn personal_data_values(holder: &Cardholder, fields: std::ops::RangeInclusive<u8>) -> impl Iterator<Item = Value> + '_ {
    fields.map(|n| Value::opt_str(holder.personal_data.get(&n).map(String::as_str)))
}

fn cardholder_row(h: &Cardholder) -> Vec<Value> {
    vec![
        Value::Int(h.card_id),
        Value::opt_str(h.first_name.as_deref()),
        Value::opt_str(h.last_name.as_deref()),
        Value::opt_str(h.init_let.as_deref()),
        Value::opt_str(h.employee_number.as_deref()),
        Value::opt_int(h.company_id),
        Value::Bit(h.visitor),
        Value::opt_datetime(h.changed_at),
    ]
}

fn card_row(c: &Card) -> Vec<Value> {
    vec![
        Value::Int(c.card_id),
        Value::Int(c.number),
        Value::Int(c.customer_code),
        Value::opt_int(c.card_format),
        Value::opt_str(c.pin.as_deref()),
        Value::Bit(c.inactive),
        Value::Bit(c.forced_inactive),
        Value::Bit(c.lost),
        Value::Bit(false),
        Value::Bit(false),
        Value::Bit(c.primary),
        Value::Int(c.issue_level),
        Value::opt_datetime(c.active_from),
        Value::opt_datetime(c.expires),
        Value::opt_datetime(c.inactive_since),
        Value::opt_datetime(c.changed_at),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_the_declared_columns() {
        let mut m = MultiMax::default();
        m.cardholders.insert(1, Cardholder { card_id: 1, ..Default::default() });
        m.cards.push(Card { card_id: 1, number: 5, ..Default::default() });
        m.access_codes.insert(3, AccessCode { id: 3, name: "Lobby".into(), company_id: None });
        m.access_rights.insert((1, 3), true);
        m.personal_data_titles.insert(5, "Email".into());
        m.companies.insert(1, Company { id: 1, name: "Acme".into() });
        for object in ObjectId::ALL.into_iter().filter(|o| o.database() == super::super::schema::Database::MultiMax) {
            for row in m.rows(object) {
                assert_eq!(row.len(), object.columns().len(), "{object:?}");
            }
        }
    }

    #[test]
    fn card_number_zero_never_collides() {
        let mut m = MultiMax::default();
        m.cards.push(Card { card_id: 1, number: 0, customer_code: 7, ..Default::default() });
        assert!(!m.card_exists(0, 7));
    }
}
