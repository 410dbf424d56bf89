//! Fixtures: logins and multiMAX contents (companies, access codes, personal-data titles,
//! cardholders with cards, personal data and access codes) as JSON.
//!
//! Seeding is an upsert by id and all-or-nothing: a fixture that does not validate (unknown
//! company, duplicate card, text too long for its column) changes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::config::Login;
use crate::model::multimax::{AccessCode, Card, Cardholder, Company, MultiMax};
use crate::model::schema::{ObjectId, PERSONAL_DATA_FIELDS, PERSONAL_DATA_TYPE};
use crate::value::{check_fits, convert, SqlType, Value};

const DEFAULT_FIXTURE: &str = include_str!("../fixtures/default.json");

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    #[serde(default)]
    pub logins: Vec<Login>,
    /// Personal data field number (1..=50) to the site's title for it.
    #[serde(default)]
    pub personal_data_titles: BTreeMap<u8, String>,
    #[serde(default)]
    pub companies: Vec<CompanySeed>,
    #[serde(default)]
    pub access_codes: Vec<AccessCodeSeed>,
    #[serde(default)]
    pub cardholders: Vec<CardholderSeed>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanySeed {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessCodeSeed {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub company_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardholderSeed {
    pub card_id: i64,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub init_let: Option<String>,
    #[serde(default)]
    pub employee_number: Option<String>,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub visitor: bool,
    #[serde(default)]
    pub personal_data: BTreeMap<u8, String>,
    #[serde(default)]
    pub cards: Vec<CardSeed>,
    /// Access code ids granted to the cardholder.
    #[serde(default)]
    pub access_codes: Vec<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardSeed {
    pub number: i64,
    pub facility_code: i64,
    #[serde(default)]
    pub card_format: Option<i64>,
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub inactive: bool,
    /// Defaults to "the cardholder's first card".
    #[serde(default)]
    pub primary: Option<bool>,
    #[serde(default)]
    pub active_from: Option<NaiveDateTime>,
    #[serde(default)]
    pub expires: Option<NaiveDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read fixture {path}")]
    Io { path: String, source: std::io::Error },
    #[error("fixture is not valid JSON for the simulator: {0}")]
    Json(#[from] serde_json::Error),
    #[error("fixture rejected: {0}")]
    Invalid(String),
}

impl Fixture {
    /// The fixture shipped in `fixtures/default.json`.
    pub fn default_fixture() -> Fixture {
        serde_json::from_str(DEFAULT_FIXTURE).expect("the bundled default fixture is valid (tested)")
    }

    pub fn from_file(path: &Path) -> Result<Fixture, FixtureError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| FixtureError::Io { path: path.display().to_string(), source })?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Upserts this fixture's multiMAX contents; on any error `multimax` is unchanged.
    pub fn apply(&self, multimax: &mut MultiMax) -> Result<(), FixtureError> {
        let mut next = multimax.clone();
        for (number, title) in &self.personal_data_titles {
            if !(1..=PERSONAL_DATA_FIELDS).contains(number) {
                return invalid(format!("personal data field {number} is outside 1..=50"));
            }
            fits(title, ObjectId::PersonalDataTitleTable, "Title")?;
            next.personal_data_titles.insert(*number, title.clone());
        }
        for c in &self.companies {
            fits(&c.name, ObjectId::CompanyTable, "CompanyName")?;
            next.companies.insert(c.id, Company { id: c.id, name: c.name.clone() });
        }
        for a in &self.access_codes {
            fits(&a.name, ObjectId::AccessCodeTable, "AccessCodeName")?;
            if a.company_id.is_some_and(|id| !next.companies.contains_key(&id)) {
                return invalid(format!("access code {} names unknown company {:?}", a.id, a.company_id));
            }
            next.access_codes.insert(a.id, AccessCode { id: a.id, name: a.name.clone(), company_id: a.company_id });
        }
        for holder in &self.cardholders {
            seed_cardholder(&mut next, holder)?;
        }
        *multimax = next;
        Ok(())
    }
}

fn invalid<T>(message: String) -> Result<T, FixtureError> {
    Err(FixtureError::Invalid(message))
}

fn fits(text: &str, object: ObjectId, column: &str) -> Result<(), FixtureError> {
    let ty = object.column_index(column).map(|i| object.columns()[i].ty).unwrap_or(PERSONAL_DATA_TYPE);
    fits_type(text, ty, column)
}

fn fits_type(text: &str, ty: SqlType, what: &str) -> Result<(), FixtureError> {
    let value = convert(&Value::str(text), ty).map_err(|e| FixtureError::Invalid(e.to_string()))?;
    if check_fits(&value, ty) {
        Ok(())
    } else {
        invalid(format!("{what} '{text}' is longer than {}", ty.sql_name()))
    }
}

fn seed_cardholder(next: &mut MultiMax, seed: &CardholderSeed) -> Result<(), FixtureError> {
    let holder_columns = [
        (&seed.first_name, "FirstName"),
        (&seed.last_name, "LastName"),
        (&seed.init_let, "InitLet"),
        (&seed.employee_number, "EmployeeNumber"),
    ];
    for (text, column) in holder_columns {
        if let Some(text) = text {
            fits(text, ObjectId::CardHolderTable, column)?;
        }
    }
    if seed.company_id.is_some_and(|id| !next.companies.contains_key(&id)) {
        return invalid(format!("cardholder {} names unknown company {:?}", seed.card_id, seed.company_id));
    }
    for (number, value) in &seed.personal_data {
        if !(1..=PERSONAL_DATA_FIELDS).contains(number) {
            return invalid(format!("cardholder {}: personal data field {number} is outside 1..=50", seed.card_id));
        }
        fits_type(value, PERSONAL_DATA_TYPE, &format!("PersonalData{number}"))?;
    }
    if let Some(code) = seed.access_codes.iter().find(|c| !next.access_codes.contains_key(c)) {
        return invalid(format!("cardholder {} names unknown access code {code}", seed.card_id));
    }
    next.cards.retain(|c| c.card_id != seed.card_id);
    next.access_rights.retain(|(card_id, _), _| *card_id != seed.card_id);
    for (i, card) in seed.cards.iter().enumerate() {
        if next.card_exists(card.number, card.facility_code) {
            return invalid(format!(
                "card {} (facility {}) already belongs to another cardholder",
                card.number, card.facility_code
            ));
        }
        if let Some(pin) = &card.pin {
            fits(pin, ObjectId::CardInfoTable, "PINNumber")?;
        }
        next.cards.push(Card {
            card_id: seed.card_id,
            number: card.number,
            customer_code: card.facility_code,
            card_format: card.card_format,
            pin: card.pin.clone(),
            inactive: card.inactive,
            forced_inactive: card.inactive,
            primary: card.primary.unwrap_or(i == 0),
            active_from: card.active_from,
            expires: card.expires,
            ..Card::default()
        });
    }
    for code in &seed.access_codes {
        next.access_rights.insert((seed.card_id, *code), true);
    }
    next.cardholders.insert(
        seed.card_id,
        Cardholder {
            card_id: seed.card_id,
            first_name: seed.first_name.clone(),
            last_name: seed.last_name.clone(),
            init_let: seed.init_let.clone(),
            employee_number: seed.employee_number.clone(),
            company_id: seed.company_id,
            visitor: seed.visitor,
            personal_data: seed.personal_data.clone(),
            changed_at: None,
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_fixture_loads_and_applies() {
        let fixture = Fixture::default_fixture();
        let mut m = MultiMax::default();
        fixture.apply(&mut m).unwrap();
        assert_eq!(m.personal_data_titles.get(&5).map(String::as_str), Some("Email"));
        assert!(m.card_exists(1000, 100));
        assert!(fixture.logins.iter().any(|l| l.user == "gatehouse"));
    }

    #[test]
    fn an_invalid_fixture_changes_nothing() {
        let mut m = MultiMax::default();
        Fixture::default_fixture().apply(&mut m).unwrap();
        let before = m.clone();
        let bad = Fixture {
            companies: vec![CompanySeed { id: 9, name: "New".into() }],
            cardholders: vec![CardholderSeed {
                card_id: 99,
                cards: vec![CardSeed { number: 5001, facility_code: 100, ..Default::default() }],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert!(matches!(bad.apply(&mut m), Err(FixtureError::Invalid(_))));
        assert_eq!(m, before);
    }

    #[test]
    fn text_too_long_for_its_column_is_rejected() {
        let mut m = MultiMax::default();
        let bad = Fixture { companies: vec![CompanySeed { id: 1, name: "x".repeat(51) }], ..Default::default() };
        assert!(bad.apply(&mut m).is_err());
    }
}
