//! The install configuration: `config.schema.json` is what the operator's set-up form is built
//! from, [`Config`] is what arrives, and [`Install`] is the checked form every call works with.
//!
//! The SQL connection (host, port, login, encryption) is deliberately absent: it is the install's
//! grant for the labels [`MULTIMAX`](crate::db::MULTIMAX) and [`IMPORT`](crate::db::IMPORT), so the
//! connector never sees a DSN or a password.

use std::str::FromStr;

use chrono_tz::Tz;
use gatehouse_sdk::ConnectorError;
use serde::Deserialize;

pub const SCHEMA: &str = include_str!("config.schema.json");

/// The largest value of a SQL Server `int`, the type of every Symmetry id and number column.
const SQL_INT_MAX: u32 = i32::MAX as u32;

/// As the operator's form sends it. The required settings are optional here so that the set-up
/// pickers (companies, access codes, ...) work before the form is complete; [`Config::checked`]
/// insists on them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub company_id: Option<u32>,
    pub time_zone: Option<String>,
    pub cards: Option<CardsConfig>,
    #[serde(default)]
    pub workplace: WorkplaceConfig,
    #[serde(default)]
    pub visitor_fields: VisitorFields,
    #[serde(default = "yes")]
    pub sign_out_expires: bool,
    #[serde(default)]
    pub processing: ProcessingConfig,
    #[serde(default = "default_prefix")]
    pub batch_reference_prefix: String,
    #[serde(default)]
    pub marker_fields: MarkerFields,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardsConfig {
    pub min: u32,
    pub max: u32,
    pub facility_code: u32,
    pub card_format: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkplaceConfig {
    #[serde(default)]
    pub enabled: bool,
    pub email_field: Option<PdfField>,
    #[serde(default)]
    pub excluded: Vec<String>,
    #[serde(default)]
    pub enable_on_sign_in: bool,
    #[serde(default)]
    pub disable_on_sign_out: bool,
}

/// Where visitor contact details go when the policy includes them.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorFields {
    pub email: Option<PdfField>,
    pub phone: Option<PdfField>,
    pub company: Option<PdfField>,
    pub host: Option<PdfField>,
}

/// The personal data fields of Gatehouse's marker on every visitor card it creates, as AMAG's own
/// CONNECT/GUEST integration marks its visitors: 48 Source, 49 IdentityId, 50 VisitId by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerFields {
    #[serde(default = "default_source_field")]
    pub source: PdfField,
    #[serde(default = "default_identity_field")]
    pub identity: PdfField,
    #[serde(default = "default_visit_field")]
    pub visit: PdfField,
}

impl Default for MarkerFields {
    fn default() -> Self {
        MarkerFields {
            source: default_source_field(),
            identity: default_identity_field(),
            visit: default_visit_field(),
        }
    }
}

impl MarkerFields {
    pub fn all(self) -> [(&'static str, PdfField); 3] {
        [("source", self.source), ("identity", self.identity), ("visit", self.visit)]
    }
}

fn default_source_field() -> PdfField {
    PdfField(48)
}

fn default_identity_field() -> PdfField {
    PdfField(49)
}

fn default_visit_field() -> PdfField {
    PdfField(50)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingConfig {
    #[serde(default = "default_wait_seconds")]
    pub wait_seconds: u32,
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u32,
}

impl Default for ProcessingConfig {
    fn default() -> Self {
        ProcessingConfig { wait_seconds: default_wait_seconds(), poll_interval_ms: default_poll_interval_ms() }
    }
}

fn yes() -> bool {
    true
}

fn default_prefix() -> String {
    "gatehouse:".into()
}

/// Proxyclick's "expected maximum" for an import to take effect is 20 s.
fn default_wait_seconds() -> u32 {
    20
}

fn default_poll_interval_ms() -> u32 {
    1000
}

/// A personal data field of a Symmetry cardholder: PersonalData1 .. PersonalData50.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "u8")]
pub struct PdfField(u8);

impl PdfField {
    pub const ALL: std::ops::RangeInclusive<u8> = 1..=50;

    pub fn number(self) -> u8 {
        self.0
    }

    /// The column name in `DataImportTable` and in the personal-data views.
    pub fn column(self) -> String {
        format!("PersonalData{}", self.0)
    }
}

impl TryFrom<u8> for PdfField {
    type Error = String;

    fn try_from(number: u8) -> Result<Self, String> {
        if PdfField::ALL.contains(&number) {
            Ok(PdfField(number))
        } else {
            Err(format!("personal data field {number} does not exist; Symmetry has fields 1 to 50"))
        }
    }
}

/// A checked install configuration.
#[derive(Debug, Clone)]
pub struct Install {
    pub company_id: i64,
    pub zone: Tz,
    pub cards: Cards,
    /// `None` when Workplace is off: every employee action is then a no-op.
    pub workplace: Option<Workplace>,
    pub visitor_fields: VisitorFields,
    pub sign_out_expires: bool,
    pub processing: Processing,
    pub batch_prefix: String,
    pub markers: MarkerFields,
}

#[derive(Debug, Clone, Copy)]
pub struct Cards {
    pub min: i64,
    pub max: i64,
    pub facility_code: i64,
    pub card_format: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Workplace {
    pub email_field: PdfField,
    pub excluded: Vec<String>,
    pub enable_on_sign_in: bool,
    pub disable_on_sign_out: bool,
}

/// The bounded wait for Symmetry's import service.
#[derive(Debug, Clone, Copy)]
pub struct Processing {
    pub poll_interval_ms: u32,
    /// How many times one call looks at its pending rows before giving up (at least once).
    pub polls: u32,
    pub wait_seconds: u32,
}

impl Config {
    /// Checks what the schema cannot express; every call starts here, so a bad configuration
    /// fails with a `config` error before anything reaches Symmetry.
    pub fn checked(self) -> Result<Install, ConnectorError> {
        let missing = |name: &str| ConnectorError::config(format!("{name} is not set"));
        let company_id = self.company_id.ok_or_else(|| missing("company_id (the target company)"))?;
        let time_zone = self.time_zone.as_deref().ok_or_else(|| missing("time_zone (the SMS server's zone)"))?;
        let cards = self.cards.as_ref().ok_or_else(|| missing("cards (the card range, facility code and format)"))?;
        let zone = Tz::from_str(time_zone.trim()).map_err(|_| {
            ConnectorError::config(format!(
                "time_zone {time_zone:?} is not an IANA time zone name such as \"America/New_York\""
            ))
        })?;
        if cards.min == 0 {
            return Err(ConnectorError::config(
                "cards.min must be at least 1: card number 0 means \"no credential\" in Symmetry",
            ));
        }
        if cards.min > cards.max {
            return Err(ConnectorError::config(format!(
                "cards.min ({}) is greater than cards.max ({})",
                cards.min, cards.max
            )));
        }
        for (name, value) in [
            ("company_id", Some(company_id)),
            ("cards.max", Some(cards.max)),
            ("cards.facility_code", Some(cards.facility_code)),
            ("cards.card_format", cards.card_format),
        ] {
            if value.is_some_and(|v| v > SQL_INT_MAX) {
                return Err(ConnectorError::config(format!(
                    "{name} exceeds {SQL_INT_MAX}, the largest Symmetry number"
                )));
            }
        }
        check_marker_fields(self.marker_fields, &self.visitor_fields, self.workplace.email_field)?;
        let workplace = self.workplace.checked(&self.visitor_fields)?;
        let processing = &self.processing;
        if !(1..=600).contains(&processing.wait_seconds) || !(10..=60_000).contains(&processing.poll_interval_ms) {
            return Err(ConnectorError::config(
                "processing.wait_seconds must be 1-600 and processing.poll_interval_ms 10-60000",
            ));
        }
        let prefix = &self.batch_reference_prefix;
        let prefix_ok =
            (1..=20).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_alphanumeric() || ":._-".contains(c));
        if !prefix_ok {
            return Err(ConnectorError::config(
                "batch_reference_prefix must be 1-20 characters of letters, digits, ':', '.', '_' or '-'",
            ));
        }
        let wait_ms = processing.wait_seconds * 1000;
        Ok(Install {
            company_id: company_id.into(),
            zone,
            cards: Cards {
                min: cards.min.into(),
                max: cards.max.into(),
                facility_code: cards.facility_code.into(),
                card_format: cards.card_format.map(Into::into),
            },
            workplace,
            visitor_fields: self.visitor_fields,
            sign_out_expires: self.sign_out_expires,
            processing: Processing {
                poll_interval_ms: processing.poll_interval_ms,
                polls: wait_ms.div_ceil(processing.poll_interval_ms).max(1),
                wait_seconds: processing.wait_seconds,
            },
            batch_prefix: self.batch_reference_prefix,
            markers: self.marker_fields,
        })
    }
}

/// The marker must survive whatever else Gatehouse writes: its three fields are distinct and
/// hold nothing else (a contact detail or an employee email written over the marker would lose
/// the visitor, and an employee matched by the marker field would be a visitor).
fn check_marker_fields(
    markers: MarkerFields,
    visitor_fields: &VisitorFields,
    email_field: Option<PdfField>,
) -> Result<(), ConnectorError> {
    let fields = markers.all();
    for (i, (name, field)) in fields.iter().enumerate() {
        if let Some((other, _)) = fields[..i].iter().find(|(_, f)| f == field) {
            return Err(ConnectorError::config(format!(
                "marker_fields.{other} and marker_fields.{name} are both personal data field {}; the marker needs three fields",
                field.number()
            )));
        }
        if let Some((contact, _)) = visitor_fields.configured().find(|(_, f)| f == field) {
            return Err(ConnectorError::config(format!(
                "visitor_fields.{} and marker_fields.{name} are both personal data field {}; contact details would overwrite Gatehouse's marker",
                contact.name(),
                field.number()
            )));
        }
        if email_field == Some(*field) {
            return Err(ConnectorError::config(format!(
                "workplace.email_field and marker_fields.{name} are both personal data field {}; choose another field for employee emails",
                field.number()
            )));
        }
    }
    Ok(())
}

impl WorkplaceConfig {
    fn checked(self, visitor_fields: &VisitorFields) -> Result<Option<Workplace>, ConnectorError> {
        if !self.enabled {
            return Ok(None);
        }
        let Some(email_field) = self.email_field else {
            return Err(ConnectorError::config(
                "workplace is enabled but workplace.email_field is not set: choose the personal data field holding employee emails",
            ));
        };
        // A visitor's email in the employees' field would make the visitor match as an employee.
        if visitor_fields.email == Some(email_field) {
            return Err(ConnectorError::config(format!(
                "visitor_fields.email and workplace.email_field are both personal data field {}; visitors would match as employees",
                email_field.number()
            )));
        }
        Ok(Some(Workplace {
            email_field,
            excluded: self.excluded,
            enable_on_sign_in: self.enable_on_sign_in,
            disable_on_sign_out: self.disable_on_sign_out,
        }))
    }
}

/// A visitor contact detail that can go to a personal data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    Email,
    Phone,
    Company,
    Host,
}

impl Contact {
    /// The setting's name under `visitor_fields`.
    pub fn name(self) -> &'static str {
        match self {
            Contact::Email => "email",
            Contact::Phone => "phone",
            Contact::Company => "company",
            Contact::Host => "host",
        }
    }
}

impl VisitorFields {
    /// The configured fields, each with what it holds.
    pub fn configured(&self) -> impl Iterator<Item = (Contact, PdfField)> {
        [
            (Contact::Email, self.email),
            (Contact::Phone, self.phone),
            (Contact::Company, self.company),
            (Contact::Host, self.host),
        ]
        .into_iter()
        .filter_map(|(contact, field)| field.map(|f| (contact, f)))
    }
}
