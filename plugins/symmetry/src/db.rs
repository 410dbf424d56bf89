//! The two Symmetry databases, every statement the connector sends them, and what the rows mean.
//!
//! All SQL lives in this file as named constants (or, where a column name depends on the
//! configured personal data field, as a function of a validated [`PdfField`]), so the exact
//! statement shapes a Symmetry site — or the simulator — must accept can be read in one place.
//! Names are two-part (`dbo.X`): each label's DSN names its database.
//!
//! Reads go to multiMAX, mostly through the views integrators use (`ViewSMSCardHolders`,
//! `ViewAccessRights`, the personal-data views). Writes never go to multiMAX: they are rows in
//! `multiMAXImport.dbo.DataImportTable` (see `import.rs`).

use gatehouse_sdk::sql::{self, Rows, SqlError, Value};
use gatehouse_sdk::ConnectorError;

use crate::config::{MarkerFields, PdfField};
use crate::time::SmsTime;

/// The label of the multiMAX database (cardholders, cards, access codes, personal data).
pub const MULTIMAX: &str = "multimax";
/// The label of the multiMAXImport database (DataImportTable, MessageTable).
pub const IMPORT: &str = "import";

// ASSUMPTION: the "multimax" DSN's database is multiMAX and the "import" DSN's is multiMAXImport,
// so two-part names resolve; both are the fixed names of a Symmetry install.

pub const PING: &str = "SELECT 1";

// --- multiMAX --------------------------------------------------------------------------------

pub const CARD_BY_ID: &str = "SELECT CardID, FirstName, LastName, CompanyID, CardNumber, CustomerCodeNumber, \
     PrimaryCard, PINNumber, Inactive, ActiveDateTime, ExpirationDateTime \
     FROM dbo.ViewSMSCardHolders WHERE CardID = @P1";
pub const CARD_BY_NUMBER: &str = "SELECT CardID, FirstName, LastName, CompanyID, CardNumber, CustomerCodeNumber, \
     PrimaryCard, PINNumber, Inactive, ActiveDateTime, ExpirationDateTime \
     FROM dbo.ViewSMSCardHolders WHERE CardNumber = @P1 AND CustomerCodeNumber = @P2";
/// Whether a card number is taken, whoever holds it (the allocation check).
pub const CARD_TAKEN: &str = "SELECT CardID FROM dbo.CardInfoTable WHERE CardNumber = @P1 AND CustomerCodeNumber = @P2";
pub const CARDS_IN_RANGE: &str = "SELECT COUNT(*) AS Taken FROM dbo.CardInfoTable \
     WHERE CustomerCodeNumber = @P1 AND CardNumber BETWEEN @P2 AND @P3";
pub const ALL_CARDHOLDERS: &str =
    "SELECT CardID, FirstName, LastName, CardNumber, CustomerCodeNumber FROM dbo.ViewSMSCardHolders";
// ASSUMPTION: a listed access right is on the card whatever its IsEnabled says; IsEnabled is
// schedule state, not membership.
pub const ACCESS_RIGHTS: &str = "SELECT AccessGroupName FROM dbo.ViewAccessRights WHERE CardID = @P1";
pub const ACCESS_CODES: &str =
    "SELECT AccessCodeID, AccessCodeName, CompanyID FROM dbo.AccessCodeTable ORDER BY AccessCodeName";
// ASSUMPTION: the company table is dbo.CompanyTable(CompanyID, CompanyName); its name is not public.
pub const COMPANIES: &str = "SELECT CompanyID, CompanyName FROM dbo.CompanyTable ORDER BY CompanyName";
pub const COMPANY_BY_ID: &str = "SELECT CompanyID, CompanyName FROM dbo.CompanyTable WHERE CompanyID = @P1";
// ASSUMPTION: the site's personal data titles (Setup > Identity > Personal Data > Card Holder
// Titles) are readable as dbo.PersonalDataTitleTable(PersonalDataNumber, Title); where Symmetry keeps
// them is not public.
pub const PERSONAL_DATA_TITLES: &str =
    "SELECT PersonalDataNumber, Title FROM dbo.PersonalDataTitleTable ORDER BY PersonalDataNumber";

/// The personal-data view that holds `field`.
fn personal_data_view(field: PdfField) -> &'static str {
    // ASSUMPTION: fields 26-50 are in ViewSMSCardHolderPersonalData26_50, the companion of the
    // documented 1_25 view.
    if field.number() <= 25 {
        "dbo.ViewSMSCardHolderPersonalData1_25"
    } else {
        "dbo.ViewSMSCardHolderPersonalData26_50"
    }
}

/// Cards whose `field` holds `@P1` (a trimmed, lower-case email), trimmed and case-insensitively.
pub fn cards_with_email(field: PdfField) -> String {
    let column = field.column();
    format!(
        "SELECT CardID, {column} AS Email FROM {} WHERE LOWER(LTRIM(RTRIM({column}))) = @P1",
        personal_data_view(field)
    )
}

/// Every card with something in `field` (the employee picker).
pub fn cards_with_any_email(field: PdfField) -> String {
    let column = field.column();
    format!("SELECT CardID, {column} AS Email FROM {} WHERE {column} IS NOT NULL", personal_data_view(field))
}

/// Cards carrying Gatehouse's marker for one visit: the visit field holds `@P1` and, when the
/// source field is in the same view, the source field holds `@P2`. Returns the statement and
/// whether it checks the source. The database compares with its own collation (case-insensitive,
/// trailing spaces ignored), so callers hold the values read back to the exact marker.
pub fn cards_with_marker(markers: MarkerFields) -> (String, bool) {
    let view = personal_data_view(markers.visit);
    let visit = markers.visit.column();
    if personal_data_view(markers.source) == view {
        let source = markers.source.column();
        (format!("SELECT CardID FROM {view} WHERE {visit} = @P1 AND {source} = @P2"), true)
    } else {
        (format!("SELECT CardID FROM {view} WHERE {visit} = @P1"), false)
    }
}

/// The values of `fields` (all in one view) of card `@P1`.
fn personal_data_of_card(fields: &[PdfField]) -> Option<String> {
    let view = personal_data_view(*fields.first()?);
    let columns: Vec<String> = fields.iter().map(|f| f.column()).collect();
    Some(format!("SELECT {} FROM {view} WHERE CardID = @P1", columns.join(", ")))
}

// --- multiMAXImport --------------------------------------------------------------------------

/// Our rows: everything one action wrote, found again by its BatchReference.
pub const OUR_ROWS: &str =
    "SELECT RecordCount, RecordRequest, RecordStatus, CardNumber, CustomerCode, AccessCodeID, PIN \
     FROM dbo.DataImportTable WHERE BatchReference = @P1 ORDER BY RecordCount";
/// Add rows for a card number that nobody has processed yet (ours or another integrator's).
pub const PENDING_ADDS: &str = "SELECT RecordCount, BatchReference FROM dbo.DataImportTable \
     WHERE RecordStatus = 0 AND RecordRequest = 0 AND CardNumber = @P1 AND CustomerCode = @P2";
pub const BACKLOG: &str = "SELECT COUNT(*) AS Pending FROM dbo.DataImportTable WHERE RecordStatus = 0";
pub const MESSAGE: &str = "SELECT Message FROM dbo.MessageTable WHERE RecordStatus = @P1";
/// A pause between polls, taken by the server: a component has no sleep of its own, and a
/// busy loop would burn its CPU budget.
pub const PAUSE: &str = "WAITFOR DELAY @P1";

/// `INSERT INTO dbo.DataImportTable (columns) VALUES (@P1, ...)` for the given column names.
pub fn insert_import_row(columns: &[String]) -> String {
    let params: Vec<String> = (1..=columns.len()).map(|i| format!("@P{i}")).collect();
    format!("INSERT INTO dbo.DataImportTable ({}) VALUES ({})", columns.join(", "), params.join(", "))
}

// --- Connections -----------------------------------------------------------------------------

/// One labelled connection; every failure says which database it came from.
pub struct Conn {
    label: &'static str,
    inner: sql::Connection,
}

impl Conn {
    pub fn open(label: &'static str) -> Result<Conn, ConnectorError> {
        let inner = sql::open(label).map_err(|e| failure(label, e))?;
        Ok(Conn { label, inner })
    }

    pub fn query(&self, statement: &str, params: &[Value]) -> Result<Rows, ConnectorError> {
        self.inner.query(statement, params).map_err(|e| failure(self.label, e))
    }

    pub fn execute(&self, statement: &str, params: &[Value]) -> Result<u64, ConnectorError> {
        self.inner.execute(statement, params).map_err(|e| failure(self.label, e))
    }
}

/// Both databases, opened together: nearly every action reads one and writes the other.
pub struct Db {
    pub multimax: Conn,
    pub import: Conn,
}

impl Db {
    pub fn open() -> Result<Db, ConnectorError> {
        Ok(Db { multimax: Conn::open(MULTIMAX)?, import: Conn::open(IMPORT)? })
    }
}

/// SQL Server's "Cannot open database … requested by the login": the database is missing or
/// the login is not mapped to it (the server does not say which).
const CANNOT_OPEN_DATABASE: u32 = 4060;

/// multiMAXImport comes with AMAG's Data Connect module, which needs its own licence (seed
/// B56); without it nothing can be written, so this is a configuration error, never retried.
fn without_data_connect(server_says: &str) -> ConnectorError {
    ConnectorError::config(format!(
        "Symmetry database \"import\": SQL Server cannot open multiMAXImport ({server_says}). That database is \
         AMAG's Data Connect import side: buy and install the Dataconnect licence if the site lacks it, or map \
         the login to multiMAXImport"
    ))
}

/// SQL Server error numbers of a refused privilege.
const PERMISSION_DENIED: &[u32] = &[229, 230, 262, 297, 300];

/// A SQL failure in words an operator can act on. The kinds follow the SDK's mapping (login and
/// permission → auth, dropped connection and timeout → transient); the words add which database
/// and what to do.
pub fn failure(label: &str, error: SqlError) -> ConnectorError {
    if let SqlError::Login(e) = &error {
        if label == IMPORT && e.number == CANNOT_OPEN_DATABASE {
            return without_data_connect(&e.message);
        }
    }
    let hint = match &error {
        SqlError::Login(_) => "; check the user name and password of this label's DSN",
        SqlError::Server(e) if PERMISSION_DENIED.contains(&e.number) => {
            "; grant the login SELECT on the multiMAX objects, and SELECT + INSERT on DataImportTable"
        }
        _ => "",
    };
    let mut mapped = ConnectorError::from(error).context(format!("Symmetry database {label:?}"));
    mapped.message.push_str(hint);
    mapped
}

// --- Row decoding ----------------------------------------------------------------------------

/// One card and its holder, as `ViewSMSCardHolders` shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub card_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub company_id: Option<i64>,
    pub number: i64,
    pub facility_code: i64,
    pub primary: bool,
    pub pin: Option<String>,
    pub inactive: bool,
    pub active_from: Option<SmsTime>,
    pub expires_at: Option<SmsTime>,
}

/// Reads typed columns of one row, with errors naming the column.
pub struct Row<'a> {
    rows: &'a Rows,
    index: usize,
}

impl<'a> Row<'a> {
    pub fn all(rows: &'a Rows) -> impl Iterator<Item = Row<'a>> {
        (0..rows.len()).map(move |index| Row { rows, index })
    }

    pub fn first(rows: &'a Rows) -> Option<Row<'a>> {
        (!rows.is_empty()).then_some(Row { rows, index: 0 })
    }

    fn value(&self, column: &str) -> Result<&'a Value, ConnectorError> {
        self.rows.get(self.index, column).ok_or_else(|| {
            ConnectorError::permanent(format!(
                "Symmetry returned no column {column}; is this a supported Symmetry version?"
            ))
        })
    }

    pub fn int(&self, column: &str) -> Result<i64, ConnectorError> {
        self.opt_int(column)?.ok_or_else(|| ConnectorError::permanent(format!("Symmetry returned NULL for {column}")))
    }

    pub fn opt_int(&self, column: &str) -> Result<Option<i64>, ConnectorError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            Value::Boolean(b) => Ok(Some(i64::from(*b))),
            other => Err(unexpected(column, "a number", other)),
        }
    }

    /// A bit column; some views return bits as numbers. NULL reads as false.
    pub fn flag(&self, column: &str) -> Result<bool, ConnectorError> {
        Ok(self.opt_int(column)?.is_some_and(|v| v != 0))
    }

    /// A text column; numbers (a PIN stored as int) read as their digits. Blank reads as `None`.
    pub fn text(&self, column: &str) -> Result<Option<String>, ConnectorError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(t) if t.trim().is_empty() => Ok(None),
            Value::Text(t) => Ok(Some(t.clone())),
            Value::Int(v) => Ok(Some(v.to_string())),
            other => Err(unexpected(column, "text", other)),
        }
    }

    pub fn time(&self, column: &str) -> Result<Option<SmsTime>, ConnectorError> {
        SmsTime::from_value(self.value(column)?).map_err(|e| e.context(column))
    }
}

fn unexpected(column: &str, wanted: &str, got: &Value) -> ConnectorError {
    ConnectorError::permanent(format!("Symmetry returned {got:?} for {column}, expected {wanted}"))
}

impl Card {
    fn from_row(row: &Row) -> Result<Card, ConnectorError> {
        Ok(Card {
            card_id: row.int("CardID")?,
            first_name: row.text("FirstName")?.unwrap_or_default(),
            last_name: row.text("LastName")?.unwrap_or_default(),
            company_id: row.opt_int("CompanyID")?,
            number: row.int("CardNumber")?,
            facility_code: row.int("CustomerCodeNumber")?,
            primary: row.flag("PrimaryCard")?,
            pin: row.text("PINNumber")?,
            inactive: row.flag("Inactive")?,
            active_from: row.time("ActiveDateTime")?,
            expires_at: row.time("ExpirationDateTime")?,
        })
    }

    pub fn key(&self) -> CardKey {
        CardKey { number: self.number, facility_code: self.facility_code }
    }
}

/// How import rows name a card: card number plus customer (facility) code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardKey {
    pub number: i64,
    pub facility_code: i64,
}

impl std::fmt::Display for CardKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "card {} (facility code {})", self.number, self.facility_code)
    }
}

impl Conn {
    /// The cards of CardID `card_id`: one row per card, whether Symmetry gives each card its own
    /// CardID or a cardholder's cards share one.
    pub fn cards_by_id(&self, card_id: i64) -> Result<Vec<Card>, ConnectorError> {
        let rows = self.query(CARD_BY_ID, &[card_id.into()])?;
        Row::all(&rows).map(|row| Card::from_row(&row)).collect()
    }

    pub fn card_by_key(&self, key: CardKey) -> Result<Option<Card>, ConnectorError> {
        let rows = self.query(CARD_BY_NUMBER, &[key.number.into(), key.facility_code.into()])?;
        Row::first(&rows).map(|row| Card::from_row(&row)).transpose()
    }

    pub fn card_taken(&self, key: CardKey) -> Result<bool, ConnectorError> {
        Ok(!self.query(CARD_TAKEN, &[key.number.into(), key.facility_code.into()])?.is_empty())
    }

    /// The names of the access codes on a card (the view names them, it has no ids).
    pub fn access_rights(&self, card_id: i64) -> Result<Vec<String>, ConnectorError> {
        let rows = self.query(ACCESS_RIGHTS, &[card_id.into()])?;
        Row::all(&rows).filter_map(|row| row.text("AccessGroupName").transpose()).collect()
    }

    pub fn access_codes(&self) -> Result<Vec<AccessCode>, ConnectorError> {
        let rows = self.query(ACCESS_CODES, &[])?;
        Row::all(&rows)
            .map(|row| {
                Ok(AccessCode {
                    id: row.int("AccessCodeID")?,
                    name: row.text("AccessCodeName")?.unwrap_or_default(),
                    company_id: row.opt_int("CompanyID")?,
                })
            })
            .collect()
    }

    /// The CardIDs (each once, lowest first) the database finds with the marker `visit` from
    /// `source`; see [`cards_with_marker`].
    pub fn cards_with_marker(
        &self,
        markers: MarkerFields,
        visit: &str,
        source: &str,
    ) -> Result<Vec<i64>, ConnectorError> {
        let (statement, checks_source) = cards_with_marker(markers);
        let params: Vec<Value> = if checks_source { vec![visit.into(), source.into()] } else { vec![visit.into()] };
        let rows = self.query(&statement, &params)?;
        let mut card_ids = Row::all(&rows).map(|row| row.int("CardID")).collect::<Result<Vec<i64>, _>>()?;
        card_ids.sort_unstable();
        card_ids.dedup();
        Ok(card_ids)
    }

    /// The current values of `fields` on a card (`None` for NULL or blank).
    pub fn personal_data(
        &self,
        card_id: i64,
        fields: &[PdfField],
    ) -> Result<Vec<(PdfField, Option<String>)>, ConnectorError> {
        let mut values = Vec::new();
        let (low, high): (Vec<PdfField>, Vec<PdfField>) = fields.iter().partition(|f| f.number() <= 25);
        for group in [low, high] {
            let Some(statement) = personal_data_of_card(&group) else { continue };
            let rows = self.query(&statement, &[card_id.into()])?;
            for field in group {
                let value = match Row::first(&rows) {
                    Some(row) => row.text(&field.column())?,
                    None => None,
                };
                values.push((field, value));
            }
        }
        Ok(values)
    }
}

/// A Symmetry access code (what Symmetry calls access rights or groups).
#[derive(Debug, Clone, PartialEq)]
pub struct AccessCode {
    pub id: i64,
    pub name: String,
    pub company_id: Option<i64>,
}
