//! The databases and the objects (tables and views) the simulator exposes, with their columns.
//!
//! Names come from the shared Symmetry notes (§2, §3, §6); column types are mostly inferred,
//! which is why nearly every entry below is marked as an assumption to revisit when real
//! schemas arrive.

use std::sync::LazyLock;

use crate::value::{Len, SqlType, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Database {
    Master,
    MultiMax,
    MultiMaxImport,
    MultiMaxExport,
    MultiMaxTxn,
}

impl Database {
    pub const ALL: [Database; 5] = [
        Database::Master,
        Database::MultiMax,
        Database::MultiMaxImport,
        Database::MultiMaxExport,
        Database::MultiMaxTxn,
    ];

    /// The name as Symmetry installs spell it.
    // ASSUMPTION: spellings as in integrators' code (multiMAX, multiMAXImport, multiMaxExport,
    // multiMAXTxn); the server collation makes case irrelevant for lookups anyway.
    pub fn name(self) -> &'static str {
        match self {
            Database::Master => "master",
            Database::MultiMax => "multiMAX",
            Database::MultiMaxImport => "multiMAXImport",
            Database::MultiMaxExport => "multiMaxExport",
            Database::MultiMaxTxn => "multiMAXTxn",
        }
    }

    pub fn from_name(name: &str) -> Option<Database> {
        Database::ALL.into_iter().find(|d| d.name().eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub identity: bool,
    /// Used when an INSERT does not name the column.
    pub default: Option<Value>,
}

fn col(name: &str, ty: SqlType) -> ColumnDef {
    ColumnDef { name: name.to_string(), ty, nullable: true, identity: false, default: None }
}

fn key(name: &str) -> ColumnDef {
    ColumnDef { nullable: false, ..col(name, SqlType::Int) }
}

fn varchar(n: u16) -> SqlType {
    SqlType::VarChar(Len::Limited(n))
}

const INT: SqlType = SqlType::Int;
const BIT: SqlType = SqlType::Bit;
const DATETIME: SqlType = SqlType::DateTime;

/// ASSUMPTION: personal data fields are varchar(60) (one integrator used 60 and 40).
pub const PERSONAL_DATA_TYPE: SqlType = SqlType::VarChar(Len::Limited(60));
pub const PERSONAL_DATA_FIELDS: u8 = 50;

fn personal_data(range: std::ops::RangeInclusive<u8>) -> impl Iterator<Item = ColumnDef> {
    range.map(|n| col(&format!("PersonalData{n}"), PERSONAL_DATA_TYPE))
}

/// Every object a client can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectId {
    CardHolderTable,
    CardInfoTable,
    CompanyTable,
    AccessCodeTable,
    PersonalDataTitleTable,
    ViewSmsCardHolders,
    ViewSmsCardHolderPersonalData1To25,
    ViewSmsCardHolderPersonalData26To50,
    ViewAccessRights,
    DataImportTable,
    MessageTable,
}

impl ObjectId {
    pub const ALL: [ObjectId; 11] = [
        ObjectId::CardHolderTable,
        ObjectId::CardInfoTable,
        ObjectId::CompanyTable,
        ObjectId::AccessCodeTable,
        ObjectId::PersonalDataTitleTable,
        ObjectId::ViewSmsCardHolders,
        ObjectId::ViewSmsCardHolderPersonalData1To25,
        ObjectId::ViewSmsCardHolderPersonalData26To50,
        ObjectId::ViewAccessRights,
        ObjectId::DataImportTable,
        ObjectId::MessageTable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ObjectId::CardHolderTable => "CardHolderTable",
            ObjectId::CardInfoTable => "CardInfoTable",
            // ASSUMPTION: the company table's name is not public; CompanyTable(CompanyID, CompanyName).
            ObjectId::CompanyTable => "CompanyTable",
            ObjectId::AccessCodeTable => "AccessCodeTable",
            // ASSUMPTION: where Symmetry keeps personal-data titles is not public; the simulator
            // exposes them as PersonalDataTitleTable(PersonalDataNumber, Title).
            ObjectId::PersonalDataTitleTable => "PersonalDataTitleTable",
            ObjectId::ViewSmsCardHolders => "ViewSMSCardHolders",
            ObjectId::ViewSmsCardHolderPersonalData1To25 => "ViewSMSCardHolderPersonalData1_25",
            // ASSUMPTION: the 26_50 companion view exists with the same shape.
            ObjectId::ViewSmsCardHolderPersonalData26To50 => "ViewSMSCardHolderPersonalData26_50",
            ObjectId::ViewAccessRights => "ViewAccessRights",
            ObjectId::DataImportTable => "DataImportTable",
            ObjectId::MessageTable => "MessageTable",
        }
    }

    pub fn database(self) -> Database {
        match self {
            ObjectId::DataImportTable | ObjectId::MessageTable => Database::MultiMaxImport,
            // ASSUMPTION: AccessCodeTable lives in multiMAX (one integrator queried it over the
            // import connection, so its home is unclear).
            _ => Database::MultiMax,
        }
    }

    pub fn is_view(self) -> bool {
        self.name().starts_with("View")
    }

    pub fn find(database: Database, name: &str) -> Option<ObjectId> {
        ObjectId::ALL.into_iter().find(|o| o.database() == database && o.name().eq_ignore_ascii_case(name))
    }

    /// `multiMAX.dbo.CardInfoTable`
    pub fn qualified_name(self) -> String {
        format!("{}.dbo.{}", self.database().name(), self.name())
    }

    pub fn columns(self) -> &'static [ColumnDef] {
        static COLUMNS: LazyLock<Vec<Vec<ColumnDef>>> =
            LazyLock::new(|| ObjectId::ALL.iter().map(|o| build_columns(*o)).collect());
        let index = ObjectId::ALL.iter().position(|o| *o == self).expect("every object is listed");
        &COLUMNS[index]
    }

    pub fn column_index(self, name: &str) -> Option<usize> {
        self.columns().iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }
}

// ASSUMPTION: column sets and types beyond what integrators' queries show are inferred:
// varchar(40) names, varchar(12) employee numbers, varchar(16) PINs, int card and facility
// numbers, datetime dates, and CardInfoTable's CardFormat / ActiveDateTime / ExpirationDateTime /
// InactiveDateTime columns (named as in ViewSMSCardHolders).
fn build_columns(object: ObjectId) -> Vec<ColumnDef> {
    match object {
        ObjectId::CardHolderTable => vec![
            key("CardID"),
            col("FirstName", varchar(40)),
            col("LastName", varchar(40)),
            col("InitLet", varchar(40)),
            col("EmployeeNumber", varchar(12)),
            col("CompanyID", INT),
            col("Visitor", BIT),
            col("DateTimeOfTxn", DATETIME),
        ],
        ObjectId::CardInfoTable => vec![
            key("CardID"),
            col("CardNumber", INT),
            col("CustomerCodeNumber", INT),
            col("CardFormat", INT),
            col("PINNumber", varchar(16)),
            col("Inactive", BIT),
            col("ForcedInactive", BIT),
            col("Lost", BIT),
            col("CardWatch", BIT),
            col("PrintBadge", BIT),
            col("PrimaryCard", BIT),
            col("CardIssueLevel", INT),
            col("ActiveDateTime", DATETIME),
            col("ExpirationDateTime", DATETIME),
            col("InactiveDateTime", DATETIME),
            col("DateTimeOfTxn", DATETIME),
        ],
        ObjectId::CompanyTable => vec![key("CompanyID"), col("CompanyName", varchar(50))],
        ObjectId::AccessCodeTable => {
            vec![key("AccessCodeID"), col("AccessCodeName", varchar(50)), col("CompanyID", INT)]
        }
        ObjectId::PersonalDataTitleTable => {
            vec![key("PersonalDataNumber"), col("Title", varchar(50))]
        }
        ObjectId::ViewSmsCardHolders => {
            // ASSUMPTION: the view carries the personal data fields too (an integrator read them
            // with SELECT * from it), one row per card.
            let mut cols = vec![
                key("CardID"),
                col("FirstName", varchar(40)),
                col("LastName", varchar(40)),
                col("InitLet", varchar(40)),
                col("EmployeeNumber", varchar(12)),
                col("Visitor", BIT),
                col("CompanyID", INT),
                col("CustomerCodeNumber", INT),
                col("CardNumber", INT),
                col("PrimaryCard", BIT),
                col("PINNumber", varchar(16)),
                col("Inactive", BIT),
                col("ActiveDateTime", DATETIME),
                col("InactiveDateTime", DATETIME),
                col("ExpirationDateTime", DATETIME),
            ];
            cols.extend(personal_data(1..=PERSONAL_DATA_FIELDS));
            cols
        }
        ObjectId::ViewSmsCardHolderPersonalData1To25 => {
            std::iter::once(key("CardID")).chain(personal_data(1..=25)).collect()
        }
        ObjectId::ViewSmsCardHolderPersonalData26To50 => {
            std::iter::once(key("CardID")).chain(personal_data(26..=50)).collect()
        }
        // ASSUMPTION: besides the public CardID/AccessGroupName/IsEnabled the view also has
        // AccessCodeID, so access can be verified by id.
        ObjectId::ViewAccessRights => {
            vec![key("CardID"), col("AccessCodeID", INT), col("AccessGroupName", varchar(50)), col("IsEnabled", BIT)]
        }
        ObjectId::DataImportTable => data_import_columns(),
        // ASSUMPTION: MessageTable(RecordStatus int, Message varchar(255)) is a code-to-text lookup.
        ObjectId::MessageTable => vec![key("RecordStatus"), col("Message", varchar(255))],
    }
}

/// `multiMAXImport.dbo.DataImportTable`: every column integrators are known to write.
/// ASSUMPTION: types and lengths as in the shared notes §6; unlisted ones are nullable ints or
/// varchar(255) guesses, ignored by the processor.
fn data_import_columns() -> Vec<ColumnDef> {
    let mut cols = vec![
        ColumnDef { identity: true, nullable: false, ..col("RecordCount", INT) },
        col("RecordRequest", INT),
        // ASSUMPTION: RecordStatus is NOT NULL DEFAULT 0 and ImportNow defaults to 0.
        ColumnDef { nullable: false, default: Some(Value::Int(0)), ..col("RecordStatus", INT) },
        ColumnDef { default: Some(Value::Bit(false)), ..col("ImportNow", BIT) },
        col("LastName", varchar(40)),
        col("FirstName", varchar(40)),
        col("InitLet", varchar(40)),
        col("EmployeeReference", varchar(12)),
        col("CompanyID", INT),
        col("CardNumber", INT),
        col("CustomerCode", INT),
        col("CardFormat", INT),
        col("BadgeFormatID", INT),
        col("CardIssueLevel", INT),
        col("PIN", varchar(16)),
        col("ActiveDate", DATETIME),
        col("ExpiryDate", DATETIME),
        col("AccessCodeID", INT),
        col("BatchReference", varchar(50)),
        col("Priority", INT),
    ];
    cols.extend(personal_data(1..=PERSONAL_DATA_FIELDS));
    for name in ["ReaderGroupID", "TimeCodeID", "ReaderID", "AreaID", "DeactivateAtThreatLevel", "CardUsageRemaining"] {
        cols.push(col(name, INT));
    }
    for name in ["Encryption", "IDSCode", "CredentialIssueLevel", "SystemCode", "AgencyCode"] {
        cols.push(col(name, INT));
    }
    for name in ["OrganisationCategory", "OrganisationIdentifier", "OrganisationAssociation", "CredentialSeriesCode"] {
        cols.push(col(name, INT));
    }
    cols.push(col("DefaultBadge", BIT));
    for name in ["InactiveComment", "FaceFile", "SignatureFile", "PersonIdentifier", "CardIdentifier"] {
        cols.push(col(name, varchar(255)));
    }
    for n in 1..=9 {
        cols.push(col(&format!("HandTemplateValue{n}"), varchar(255)));
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_resolve_case_insensitively_within_their_database() {
        assert_eq!(ObjectId::find(Database::MultiMax, "viewsmscardholders"), Some(ObjectId::ViewSmsCardHolders));
        assert_eq!(ObjectId::find(Database::MultiMaxImport, "CardInfoTable"), None);
        assert_eq!(Database::from_name("MULTIMAXIMPORT"), Some(Database::MultiMaxImport));
    }

    #[test]
    fn data_import_table_has_identity_key_and_fifty_personal_data_fields() {
        let cols = ObjectId::DataImportTable.columns();
        assert!(cols[0].identity);
        assert!(ObjectId::DataImportTable.column_index("PersonalData50").is_some());
        assert!(ObjectId::DataImportTable.column_index("ImportNow").is_some());
    }
}
