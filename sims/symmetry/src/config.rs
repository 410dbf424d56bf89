//! How a simulator instance is set up: addresses, logins, timing, encryption, the status
//! codes the import processor writes, and the shared fault plan and clock it starts with.

use std::net::SocketAddr;
use std::time::Duration;

use gatehouse_sim_faults::{ClockSettings, FaultPlan};
use serde::{Deserialize, Serialize};

use crate::fixture::Fixture;
use crate::model::schema::{Database, ObjectId};
pub use crate::tds::prelogin::EncryptionPolicy;

/// A SQL login.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Login {
    pub user: String,
    pub password: String,
    /// Databases the login is mapped to; empty means all of them.
    #[serde(default)]
    pub databases: Vec<String>,
    /// Where a connection lands when the client names no database. Default: multiMAX.
    #[serde(default)]
    pub default_database: Option<String>,
    /// Objects this login may not read or write (error 229).
    #[serde(default)]
    pub deny: Vec<Denial>,
}

impl Login {
    /// A login with access to every database.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Login {
            user: user.into(),
            password: password.into(),
            databases: Vec::new(),
            default_database: None,
            deny: Vec::new(),
        }
    }

    pub fn may_use(&self, database: Database) -> bool {
        database == Database::Master
            || self.databases.is_empty()
            || self.databases.iter().any(|d| d.eq_ignore_ascii_case(database.name()))
    }

    pub fn default_database(&self) -> Database {
        // ASSUMPTION: integrators' dedicated logins default to multiMAX (the IDM importer's
        // connection string names it); logins configured otherwise say so.
        self.default_database.as_deref().and_then(Database::from_name).unwrap_or(Database::MultiMax)
    }

    pub fn denies(&self, object: ObjectId, permission: Permission) -> bool {
        self.deny.iter().any(|d| d.applies_to(object, permission))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Permission {
    Select,
    Insert,
}

impl Permission {
    pub fn keyword(self) -> &'static str {
        match self {
            Permission::Select => "SELECT",
            Permission::Insert => "INSERT",
        }
    }
}

/// "This permission on this object is denied". `permission: None` denies everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Denial {
    #[serde(default)]
    pub permission: Option<Permission>,
    /// `DataImportTable`, `dbo.DataImportTable` or `multiMAXImport.dbo.DataImportTable`.
    pub object: String,
}

impl Denial {
    pub fn applies_to(&self, object: ObjectId, permission: Permission) -> bool {
        if self.permission.is_some_and(|p| p != permission) {
            return false;
        }
        let parts: Vec<&str> = self.object.split('.').map(|p| p.trim_matches(|c| c == '[' || c == ']')).collect();
        let name_matches = parts.last().is_some_and(|n| n.eq_ignore_ascii_case(object.name()));
        let database_matches = parts.len() < 3 || parts[0].eq_ignore_ascii_case(object.database().name());
        name_matches && database_matches
    }
}

/// The RecordStatus values the import processor writes, with their MessageTable texts.
// ASSUMPTION: AMAG's real codes are not public (nor which one means success); these are the
// simulator's: 1 success, 2 card already exists, 3 card not found, 4 access code not found,
// 5 company not found, 6 invalid record request, 7 required field missing. Configurable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusCodes {
    pub success: i64,
    pub card_already_exists: i64,
    pub card_not_found: i64,
    pub access_code_not_found: i64,
    pub company_not_found: i64,
    pub invalid_request: i64,
    pub missing_field: i64,
}

impl Default for StatusCodes {
    fn default() -> Self {
        StatusCodes {
            success: 1,
            card_already_exists: 2,
            card_not_found: 3,
            access_code_not_found: 4,
            company_not_found: 5,
            invalid_request: 6,
            missing_field: 7,
        }
    }
}

impl StatusCodes {
    /// MessageTable rows.
    // ASSUMPTION: texts as integrators' code prints them ("Card already exists"); the success and
    // validation texts are invented.
    pub fn messages(&self) -> Vec<(i64, String)> {
        vec![
            (self.success, "Record processed successfully".into()),
            (self.card_already_exists, "Card already exists".into()),
            (self.card_not_found, "Card not found".into()),
            (self.access_code_not_found, "Access code not found".into()),
            (self.company_not_found, "Company not found".into()),
            (self.invalid_request, "Invalid record request".into()),
            (self.missing_field, "Required field missing".into()),
        ]
    }
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The TDS listener; port 0 picks a free one.
    pub tds_addr: SocketAddr,
    /// The HTTP control API; port 0 picks a free one, `None` disables it.
    pub control_addr: Option<SocketAddr>,
    /// Initial multiMAX contents and logins.
    pub fixture: Fixture,
    /// Logins in addition to the fixture's (e.g. from `--user`).
    pub extra_logins: Vec<Login>,
    /// How often the import processor looks for pending rows (Symmetry: 10 s by default).
    pub process_interval: Duration,
    pub encryption: EncryptionPolicy,
    pub status_codes: StatusCodes,
    /// ASSUMPTION: DataImportTable has an enabled trigger (plausibly how ImportNow wakes the
    /// service), so a bare `OUTPUT` clause fails with error 334 and writers need `OUTPUT ... INTO`.
    pub import_table_has_trigger: bool,
    /// The SMS server's time zone: GETDATE() and the processor's timestamps are local to it.
    pub time_zone: chrono_tz::Tz,
    /// The server name in error messages and @@SERVERNAME.
    pub server_name: String,
    /// Whether AMAG's Data Connect module is licensed and installed. Without it there is no
    /// `multiMAXImport` database, so a login asking for it gets SQL Server's error 4060.
    // ASSUMPTION: Data Connect's installer creates multiMAXImport (writers reach it only with
    // the licence, Envoy's page and spec §1); the seed does not say how a missing licence shows.
    pub data_connect: bool,
    /// The shared fault plan at start (`--latency-ms`, `--error-rate`, ...), applied to every
    /// SQL batch and RPC.
    pub fault_plan: FaultPlan,
    /// The clock at start (`--clock-offset-secs`, `--clock-frozen`); freeing a fixed clock
    /// returns to it.
    pub clock: ClockSettings,
}

impl SimConfig {
    /// Whether the server has this database at all.
    pub fn has_database(&self, database: Database) -> bool {
        database != Database::MultiMaxImport || self.data_connect
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            tds_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            control_addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            fixture: Fixture::default_fixture(),
            extra_logins: Vec::new(),
            process_interval: Duration::from_secs(10),
            encryption: EncryptionPolicy::Supported,
            status_codes: StatusCodes::default(),
            import_table_has_trigger: true,
            time_zone: chrono_tz::UTC,
            server_name: "SYMMETRY-SIM".to_string(),
            data_connect: true,
            fault_plan: FaultPlan::default(),
            clock: ClockSettings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denials_match_by_name_and_optional_database_and_permission() {
        let d = Denial { permission: Some(Permission::Insert), object: "multiMAXImport.dbo.[DataImportTable]".into() };
        assert!(d.applies_to(ObjectId::DataImportTable, Permission::Insert));
        assert!(!d.applies_to(ObjectId::DataImportTable, Permission::Select));
        let any = Denial { permission: None, object: "cardinfotable".into() };
        assert!(any.applies_to(ObjectId::CardInfoTable, Permission::Select));
        let wrong_db = Denial { permission: None, object: "multiMAX.dbo.DataImportTable".into() };
        assert!(!wrong_db.applies_to(ObjectId::DataImportTable, Permission::Select));
    }

    #[test]
    fn logins_reach_master_and_their_mapped_databases() {
        let mut login = Login::new("u", "p");
        login.databases = vec!["multiMAX".into()];
        assert!(login.may_use(Database::Master));
        assert!(login.may_use(Database::MultiMax));
        assert!(!login.may_use(Database::MultiMaxImport));
    }
}
