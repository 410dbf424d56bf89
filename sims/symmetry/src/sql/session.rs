//! Per-connection state statements read and change: the login, the current database, SET
//! options, variables and identity bookkeeping; plus the per-statement environment (clock,
//! server facts, faults).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, Utc};

use crate::config::{Login, Permission};
use crate::faults::Faults;
use crate::model::schema::{Database, ObjectId};
use crate::model::table::StoredTable;
use crate::value::{SqlType, Value};

use super::error::SqlError;

#[derive(Debug, Clone)]
pub struct Variable {
    pub ty: SqlType,
    pub value: Value,
}

#[derive(Debug)]
pub struct Session {
    pub spid: u16,
    pub login: Arc<Login>,
    pub database: Database,
    pub nocount: bool,
    /// Scalar variables and RPC parameters, keyed by lower-case name including `@`.
    pub variables: HashMap<String, Variable>,
    pub table_variables: HashMap<String, StoredTable>,
    pub scope_identity: Option<i64>,
    pub last_identity: Option<i64>,
    pub row_count: u64,
    pub host_name: String,
    pub app_name: String,
    /// Whether an armed "deny next statements" fault was already consulted for the statement
    /// running now, and its verdict.
    statement_denial: Cell<Option<bool>>,
}

impl Session {
    pub fn new(spid: u16, login: Arc<Login>, database: Database) -> Self {
        Session {
            spid,
            login,
            database,
            nocount: false,
            variables: HashMap::new(),
            table_variables: HashMap::new(),
            scope_identity: None,
            last_identity: None,
            row_count: 0,
            host_name: String::new(),
            app_name: String::new(),
            statement_denial: Cell::new(None),
        }
    }

    /// Variables live for one batch or one RPC call.
    pub fn end_batch(&mut self) {
        self.variables.clear();
        self.table_variables.clear();
    }

    pub fn begin_statement(&mut self) {
        self.statement_denial.set(None);
    }

    /// Error 229 if the login, an injected fault, or a "deny next statements" fault forbids
    /// `permission` on `object`.
    pub fn check_permission(&self, object: ObjectId, permission: Permission, faults: &Faults) -> Result<(), SqlError> {
        let denied_now = match self.statement_denial.get() {
            Some(verdict) => verdict,
            None => {
                let verdict = faults.take_statement_denial();
                self.statement_denial.set(Some(verdict));
                verdict
            }
        };
        if denied_now || self.login.denies(object, permission) || faults.object_denied(object, permission) {
            return Err(SqlError::permission_denied(permission.keyword(), object.name(), object.database().name()));
        }
        Ok(())
    }

    pub fn check_database_access(&self, database: Database) -> Result<(), SqlError> {
        if self.login.may_use(database) {
            Ok(())
        } else {
            Err(SqlError::database_access_denied(&self.login.user, database.name()))
        }
    }
}

/// What a statement needs to know about the server around it.
pub struct Environment<'a> {
    pub server_name: &'a str,
    pub now_utc: DateTime<Utc>,
    pub time_zone: chrono_tz::Tz,
    pub import_table_has_trigger: bool,
    pub faults: &'a Faults,
}

impl Environment<'_> {
    /// The SMS server's wall clock (GETDATE()).
    pub fn now_local(&self) -> NaiveDateTime {
        self.now_utc.with_timezone(&self.time_zone).naive_local()
    }

    pub fn now_with_offset(&self) -> DateTime<FixedOffset> {
        let local = self.now_utc.with_timezone(&self.time_zone);
        local.with_timezone(&local.offset().fix())
    }
}
