//! Writes through Data Connect: rows in `multiMAXImport.dbo.DataImportTable` that Symmetry's
//! import service applies to multiMAX on its own schedule.
//!
//! Three rules make this safe to retry and safe to share with other integrators:
//! - every row of one action carries the same `BatchReference` (our prefix + a digest of the
//!   idempotency key), so a retried action finds the rows it already wrote and waits on them
//!   instead of writing them twice;
//! - we only ever INSERT, and only ever read back our own rows: nothing is updated, deleted or
//!   truncated;
//! - a row's `RecordStatus` is not trusted on its own (which code means success is not public):
//!   callers verify the effect in multiMAX, and only when it is missing do the rows' messages
//!   decide the error.

use gatehouse_sdk::sql::Value;
use gatehouse_sdk::{log, ConnectorError};
use sha2::{Digest, Sha256};

use crate::config::{Install, PdfField, Processing};
use crate::db::{self, CardKey, Db, Row};
use crate::time::SmsTime;

/// `RecordRequest`: what the import service does with a row. The codes come from integrators'
/// code, not from an AMAG table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Add a cardholder with a card ("card already exists" when the number is taken).
    Add = 0,
    /// Modify the card / cardholder matched by the key.
    Modify = 1,
    /// Disable: force the card inactive.
    Disable = 2,
    AddAccessCode = 3,
    RemoveAllAccessCodes = 4,
    /// Enable: re-activate a disabled card.
    Enable = 5,
    RemoveAccessCode = 6,
}

impl Request {
    pub fn code(self) -> i64 {
        self as i64
    }
}

/// A column value of an import row besides the key.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    LastName(String),
    FirstName(String),
    CompanyId(i64),
    CardFormat(i64),
    Pin(String),
    ActiveDate(SmsTime),
    ExpiryDate(SmsTime),
    AccessCode(i64),
    PersonalData(PdfField, String),
}

impl Field {
    fn column(&self) -> String {
        match self {
            Field::LastName(_) => "LastName".into(),
            Field::FirstName(_) => "FirstName".into(),
            Field::CompanyId(_) => "CompanyID".into(),
            Field::CardFormat(_) => "CardFormat".into(),
            Field::Pin(_) => "PIN".into(),
            Field::ActiveDate(_) => "ActiveDate".into(),
            Field::ExpiryDate(_) => "ExpiryDate".into(),
            Field::AccessCode(_) => "AccessCodeID".into(),
            Field::PersonalData(field, _) => field.column(),
        }
    }

    fn value(&self) -> Value {
        match self {
            Field::LastName(text) | Field::FirstName(text) | Field::Pin(text) | Field::PersonalData(_, text) => {
                Value::Text(text.clone())
            }
            Field::CompanyId(id) | Field::CardFormat(id) | Field::AccessCode(id) => Value::Int(*id),
            Field::ActiveDate(time) | Field::ExpiryDate(time) => time.to_value(),
        }
    }
}

/// One row to write. Rows are keyed by card number + customer code, the key every card-targeting
/// request of Data Connect accepts. Columns we do not set are left out of the INSERT.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub request: Request,
    pub card: CardKey,
    pub fields: Vec<Field>,
}

impl ImportRow {
    pub fn new(request: Request, card: CardKey) -> ImportRow {
        ImportRow { request, card, fields: Vec::new() }
    }

    pub fn with(mut self, field: Field) -> ImportRow {
        self.fields.push(field);
        self
    }

    fn access_code(&self) -> Option<i64> {
        self.fields.iter().find_map(|f| match f {
            Field::AccessCode(id) => Some(*id),
            _ => None,
        })
    }

    fn insert(&self, reference: &str) -> (String, Vec<Value>) {
        let mut columns: Vec<String> =
            ["RecordRequest", "RecordStatus", "ImportNow", "BatchReference", "CardNumber", "CustomerCode"]
                .map(String::from)
                .into();
        let mut values = vec![
            Value::Int(self.request.code()),
            Value::Int(0),
            Value::Boolean(true),
            Value::Text(reference.to_string()),
            Value::Int(self.card.number),
            Value::Int(self.card.facility_code),
        ];
        for field in &self.fields {
            columns.push(field.column());
            values.push(field.value());
        }
        (db::insert_import_row(&columns), values)
    }
}

/// One of our rows as `DataImportTable` shows it now.
#[derive(Debug, Clone, PartialEq)]
pub struct OurRow {
    pub record_count: i64,
    pub request: i64,
    /// 0 while pending; set by the import service once it processed the row.
    pub status: i64,
    pub card_number: Option<i64>,
    pub access_code: Option<i64>,
    pub pin: Option<String>,
}

impl OurRow {
    fn is_for(&self, row: &ImportRow) -> bool {
        self.request == row.request.code()
            && self.card_number == Some(row.card.number)
            && self.access_code == row.access_code()
    }

    pub fn is_pending(&self) -> bool {
        self.status == 0
    }
}

/// The `BatchReference` of the action with `idempotency_key`: our prefix and 80 bits of the
/// key's SHA-256, which fits the column (varchar(50) [I]) whatever the key's length.
pub fn batch_reference(prefix: &str, idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

/// The rows of one action, under one `BatchReference`.
pub struct Batch<'a> {
    db: &'a Db,
    reference: String,
    processing: Processing,
}

impl<'a> Batch<'a> {
    pub fn new(db: &'a Db, install: &Install, idempotency_key: &str) -> Batch<'a> {
        Batch::adopt(db, install, batch_reference(&install.batch_prefix, idempotency_key))
    }

    /// The batch that wrote rows under `reference` (an earlier action of ours).
    pub fn adopt(db: &'a Db, install: &Install, reference: String) -> Batch<'a> {
        Batch { db, reference, processing: install.processing }
    }

    pub fn reference(&self) -> &str {
        &self.reference
    }

    pub fn our_rows(&self) -> Result<Vec<OurRow>, ConnectorError> {
        let rows = self.db.import.query(db::OUR_ROWS, &[self.reference.as_str().into()])?;
        Row::all(&rows)
            .map(|row| {
                Ok(OurRow {
                    record_count: row.int("RecordCount")?,
                    request: row.int("RecordRequest")?,
                    status: row.opt_int("RecordStatus")?.unwrap_or(0),
                    card_number: row.opt_int("CardNumber")?,
                    access_code: row.opt_int("AccessCodeID")?,
                    pin: row.text("PIN")?,
                })
            })
            .collect()
    }

    /// Writes the rows this batch has not written yet, in order, and waits until the import
    /// service has processed all of them. Returns our row for each of `rows`, in order.
    pub fn run(&self, rows: &[ImportRow]) -> Result<Vec<OurRow>, ConnectorError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let existing = self.our_rows()?;
        let mut wrote = false;
        for row in rows {
            if existing.iter().any(|ours| ours.is_for(row)) {
                continue;
            }
            let (statement, values) = row.insert(&self.reference);
            self.db.import.execute(&statement, &values)?;
            wrote = true;
        }
        let written = if wrote { self.our_rows()? } else { existing };
        let counts = rows
            .iter()
            .map(|row| {
                written.iter().rev().find(|ours| ours.is_for(row)).map(|ours| ours.record_count).ok_or_else(|| {
                    ConnectorError::permanent(format!(
                        "a DataImportTable row written with BatchReference {:?} cannot be read back; \
                         check that the column keeps the whole value",
                        self.reference
                    ))
                })
            })
            .collect::<Result<Vec<i64>, ConnectorError>>()?;
        if wrote {
            log::info!("wrote DataImportTable rows {:?}", counts; "batch_reference" => self.reference);
        }
        let processed = self.wait(&counts)?;
        Ok(counts.iter().filter_map(|c| processed.iter().find(|r| r.record_count == *c).cloned()).collect())
    }

    /// Polls our rows until none of `counts` is pending, pausing on the server between looks.
    /// The bound counts polls, not clock readings, so it holds under a frozen test clock too.
    fn wait(&self, counts: &[i64]) -> Result<Vec<OurRow>, ConnectorError> {
        let pause = Value::Text(pause_text(self.processing.poll_interval_ms));
        let mut pauses_left = self.processing.polls;
        loop {
            let rows = self.our_rows()?;
            let pending: Vec<i64> = rows
                .iter()
                .filter(|r| counts.contains(&r.record_count) && r.is_pending())
                .map(|r| r.record_count)
                .collect();
            if pending.is_empty() {
                return Ok(rows);
            }
            if pauses_left == 0 {
                return Err(self.timeout(&pending));
            }
            pauses_left -= 1;
            self.db.import.execute(db::PAUSE, std::slice::from_ref(&pause))?;
        }
    }

    fn timeout(&self, pending: &[i64]) -> ConnectorError {
        let backlog = self
            .db
            .import
            .query(db::BACKLOG, &[])
            .ok()
            .and_then(|rows| Row::first(&rows).and_then(|row| row.int("Pending").ok()))
            .map(|n| format!(" ({n} rows are waiting in DataImportTable)"))
            .unwrap_or_default();
        ConnectorError::transient(format!(
            "Symmetry's import service has not processed DataImportTable rows {pending:?} within {} s{backlog}; \
             check that the service is running. A retry waits on the same rows, it does not write them again",
            self.processing.wait_seconds
        ))
        .retry_after_ms(self.processing.poll_interval_ms)
    }

    /// Why processed rows did not have their effect, from the import service's messages:
    /// "card already exists" is a conflict, "... not found" is permanent, and so is anything else.
    pub fn rejection(&self, rows: &[OurRow], expected: &str) -> Result<ConnectorError, ConnectorError> {
        let mut reasons = Vec::new();
        let mut kind = Rejection::Other;
        for row in rows {
            let message = self.message(row.status)?;
            let this = Rejection::of(message.as_deref().unwrap_or(""));
            kind = kind.max(this);
            reasons.push(format!(
                "row {} (RecordRequest {}) has status {}{}",
                row.record_count,
                row.request,
                row.status,
                message.map(|m| format!(": {m:?}")).unwrap_or_default()
            ));
        }
        let text = format!("Symmetry did not apply the change ({expected}): {}", reasons.join("; "));
        Ok(match kind {
            Rejection::CardExists => ConnectorError::conflict(text),
            Rejection::NotFound | Rejection::Other => ConnectorError::permanent(text),
        })
    }

    fn message(&self, status: i64) -> Result<Option<String>, ConnectorError> {
        let rows = self.db.import.query(db::MESSAGE, &[status.into()])?;
        match Row::first(&rows) {
            Some(row) => row.text("Message"),
            None => Ok(None),
        }
    }
}

/// What a processed row's message says went wrong, most telling last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rejection {
    Other,
    /// "Card not found", "Access code not found", "Company not found".
    NotFound,
    /// "Card already exists": the number is taken; allocate the next one.
    CardExists,
}

impl Rejection {
    pub fn of(message: &str) -> Rejection {
        let message = message.to_ascii_lowercase();
        if message.contains("already exist") {
            Rejection::CardExists
        } else if message.contains("not found") {
            Rejection::NotFound
        } else {
            Rejection::Other
        }
    }
}

/// `WAITFOR DELAY` text for `millis`: hh:mm:ss.mmm.
fn pause_text(millis: u32) -> String {
    let (seconds, millis) = (millis / 1000, millis % 1000);
    format!("{:02}:{:02}:{:02}.{millis:03}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_reference_fits_the_column_whatever_the_key() {
        let long_key = "k".repeat(500);
        let reference = batch_reference("gatehouse:", &long_key);
        assert!(reference.starts_with("gatehouse:"));
        assert_eq!(reference.len(), "gatehouse:".len() + 20);
        assert_eq!(reference, batch_reference("gatehouse:", &long_key), "the same key gives the same reference");
        assert_ne!(reference, batch_reference("gatehouse:", "another key"));
    }

    #[test]
    fn messages_decide_the_error_class() {
        assert_eq!(Rejection::of("Card already exists"), Rejection::CardExists);
        assert_eq!(Rejection::of("Card not found"), Rejection::NotFound);
        assert_eq!(Rejection::of("Access code not found"), Rejection::NotFound);
        assert_eq!(Rejection::of("Record processed"), Rejection::Other);
    }

    #[test]
    fn pauses_are_written_as_waitfor_delay_text() {
        assert_eq!(pause_text(50), "00:00:00.050");
        assert_eq!(pause_text(1_000), "00:00:01.000");
        assert_eq!(pause_text(60_000), "00:01:00.000");
    }

    #[test]
    fn an_insert_names_exactly_the_columns_it_sets() {
        let card = CardKey { number: 1000, facility_code: 42 };
        let row = ImportRow::new(Request::AddAccessCode, card).with(Field::AccessCode(7));
        let (statement, values) = row.insert("gatehouse:abc");
        assert_eq!(
            statement,
            "INSERT INTO dbo.DataImportTable (RecordRequest, RecordStatus, ImportNow, BatchReference, CardNumber, \
             CustomerCode, AccessCodeID) VALUES (@P1, @P2, @P3, @P4, @P5, @P6, @P7)"
        );
        assert_eq!(values[0], Value::Int(3));
        assert_eq!(values[2], Value::Boolean(true));
        assert_eq!(values[6], Value::Int(7));
    }
}
