//! Install set-up: the live validation an operator runs after entering the connection, and the
//! pickers the set-up form fills from the database (companies, access codes, personal data
//! fields, employees).
//!
//! Validation reports every problem it can find as a failed check in plain words instead of
//! stopping at the first: a wrong password, a missing grant and a bad card range are three
//! different fixes.

use std::collections::BTreeMap;

use gatehouse_sdk::{Check, ConnectorError, OptionItem};

use crate::config::{Config, Install, PdfField};
use crate::db::{self, Conn, Row, IMPORT, MULTIMAX};
use crate::employees::normalise_email;

pub const PICKERS: &[&str] = &["companies", "access-codes", "personal-data-fields", "employees"];

pub fn validate(config: Config) -> Result<Vec<Check>, ConnectorError> {
    let install = match config.checked() {
        Ok(install) => install,
        Err(error) => return Ok(vec![check("configuration", Err(error))]),
    };
    let mut checks = vec![check("configuration", Ok("complete".into()))];
    let import = Conn::open(IMPORT).and_then(|conn| {
        conn.query(db::PING, &[])?;
        let waiting = count(&conn.query(db::BACKLOG, &[])?, "Pending")?;
        Ok((conn, waiting))
    });
    checks.push(check(
        "import database",
        import.map(|(_, waiting)| {
            format!("connected; DataImportTable is readable, {waiting} rows wait for the import service")
        }),
    ));
    let multimax = match Conn::open(MULTIMAX).and_then(|conn| conn.query(db::PING, &[]).map(|_| conn)) {
        Ok(conn) => conn,
        Err(error) => {
            checks.push(check("multiMAX database", Err(error)));
            return Ok(checks);
        }
    };
    checks.push(check("multiMAX database", Ok("connected".into())));
    checks.push(check("company", company(&multimax, &install)));
    checks.push(check("card range", card_range(&multimax, &install)));
    checks.push(check(
        "access codes",
        multimax.access_codes().map(|codes| format!("{} access codes can be mapped", codes.len())),
    ));
    if let Some(workplace) = &install.workplace {
        checks.push(check("workplace email field", email_field(&multimax, workplace.email_field)));
    }
    Ok(checks)
}

fn check(name: &str, result: Result<String, ConnectorError>) -> Check {
    match result {
        Ok(detail) => Check { name: name.into(), ok: true, detail },
        Err(error) => Check { name: name.into(), ok: false, detail: error.message },
    }
}

fn count(rows: &gatehouse_sdk::sql::Rows, column: &str) -> Result<i64, ConnectorError> {
    Row::first(rows).map_or(Ok(0), |row| row.int(column))
}

fn company(multimax: &Conn, install: &Install) -> Result<String, ConnectorError> {
    let rows = multimax.query(db::COMPANY_BY_ID, &[install.company_id.into()])?;
    match Row::first(&rows) {
        Some(row) => Ok(format!(
            "credentials go to company {} ({:?})",
            install.company_id,
            row.text("CompanyName")?.unwrap_or_default()
        )),
        None => Err(ConnectorError::config(format!(
            "company {} does not exist in Symmetry; pick one from the companies list",
            install.company_id
        ))),
    }
}

fn card_range(multimax: &Conn, install: &Install) -> Result<String, ConnectorError> {
    let cards = install.cards;
    let size = cards.max - cards.min + 1;
    let rows = multimax.query(db::CARDS_IN_RANGE, &[cards.facility_code.into(), cards.min.into(), cards.max.into()])?;
    let taken = count(&rows, "Taken")?;
    if taken >= size {
        return Err(ConnectorError::config(format!(
            "every number of {}-{} is already used by a card with facility code {}; choose a free range",
            cards.min, cards.max, cards.facility_code
        )));
    }
    Ok(format!(
        "{} of {size} numbers free ({taken} used by existing cards with facility code {})",
        size - taken,
        cards.facility_code
    ))
}

fn email_field(multimax: &Conn, field: PdfField) -> Result<String, ConnectorError> {
    let rows = multimax.query(&db::cards_with_any_email(field), &[])?;
    let title = titles(multimax).ok().and_then(|titles| titles.into_iter().find(|(f, _)| *f == field)).map(|(_, t)| t);
    Ok(format!(
        "{} cardholders have something in personal data field {}{}",
        rows.len(),
        field.number(),
        title.map(|t| format!(" ({t:?})")).unwrap_or_default()
    ))
}

/// The site's titles of the personal data fields.
fn titles(multimax: &Conn) -> Result<Vec<(PdfField, String)>, ConnectorError> {
    let rows = multimax.query(db::PERSONAL_DATA_TITLES, &[])?;
    let mut titles = Vec::new();
    for row in Row::all(&rows) {
        let field = u8::try_from(row.int("PersonalDataNumber")?).ok().and_then(|n| PdfField::try_from(n).ok());
        if let (Some(field), Some(title)) = (field, row.text("Title")?) {
            titles.push((field, title));
        }
    }
    Ok(titles)
}

pub fn list_options(config: Config, picker: &str) -> Result<Vec<OptionItem>, ConnectorError> {
    let item = |id: String, label: String, detail: Option<String>| OptionItem { id, label, detail };
    match picker {
        "companies" => {
            let multimax = Conn::open(MULTIMAX)?;
            let rows = multimax.query(db::COMPANIES, &[])?;
            Row::all(&rows)
                .map(|row| {
                    Ok(item(row.int("CompanyID")?.to_string(), row.text("CompanyName")?.unwrap_or_default(), None))
                })
                .collect()
        }
        "access-codes" => {
            let codes = Conn::open(MULTIMAX)?.access_codes()?;
            Ok(codes
                .into_iter()
                .map(|code| item(code.id.to_string(), code.name, code.company_id.map(|c| format!("company {c}"))))
                .collect())
        }
        "personal-data-fields" => {
            // Titles are a convenience: without them the picker still offers the 50 fields.
            let (titles, note) = match titles(&Conn::open(MULTIMAX)?) {
                Ok(titles) => (titles, None),
                Err(error) => (Vec::new(), Some(format!("titles unavailable: {}", error.message))),
            };
            Ok(PdfField::ALL
                .filter_map(|n| PdfField::try_from(n).ok())
                .map(|field| {
                    let title = titles.iter().find(|(f, _)| *f == field).map(|(_, t)| t.clone());
                    let label = match &title {
                        Some(title) => format!("{} - {title}", field.number()),
                        None => format!("Personal data {}", field.number()),
                    };
                    item(field.number().to_string(), label, note.clone())
                })
                .collect())
        }
        "employees" => employees(&config),
        other => Err(ConnectorError::permanent(format!(
            "unknown picker {other:?}; this connector offers {}",
            PICKERS.join(", ")
        ))),
    }
}

/// Everyone with an email in the Workplace field, for the exclusion picker: the id is the email
/// (what the exclusion list holds).
fn employees(config: &Config) -> Result<Vec<OptionItem>, ConnectorError> {
    let field = config.workplace.email_field.ok_or_else(|| {
        ConnectorError::config("choose workplace.email_field first: employees are listed by the email in that field")
    })?;
    let multimax = Conn::open(MULTIMAX)?;
    let emails = multimax.query(&db::cards_with_any_email(field), &[])?;
    let mut holders = BTreeMap::new();
    for row in Row::all(&multimax.query(db::ALL_CARDHOLDERS, &[])?) {
        let label =
            format!("{}, {}", row.text("LastName")?.unwrap_or_default(), row.text("FirstName")?.unwrap_or_default());
        let detail = format!("card {} (facility code {})", row.int("CardNumber")?, row.int("CustomerCodeNumber")?);
        holders.insert(row.int("CardID")?, (label, detail));
    }
    let mut by_email = BTreeMap::new();
    for row in Row::all(&emails) {
        let Some(email) = row.text("Email")?.map(|e| normalise_email(&e)) else { continue };
        let (label, detail) = match holders.get(&row.int("CardID")?) {
            Some((label, detail)) => (label.clone(), Some(detail.clone())),
            None => (email.clone(), None),
        };
        by_email.entry(email.clone()).or_insert(OptionItem { id: email, label, detail });
    }
    let mut items: Vec<OptionItem> = by_email.into_values().collect();
    items.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(items)
}
