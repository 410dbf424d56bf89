//! Statement errors as SQL Server reports them: message number, severity class, state and text.
//!
//! Numbers and texts follow SQL Server so clients and connectors see the failures they would see
//! against the real databases (208 invalid object, 229 permission denied, 2628 truncation, ...).
//! What the simulator deliberately does not implement is error 50000 with a message that names
//! the unsupported feature — never an empty result.

use crate::model::table::InsertError;
use crate::value::ConversionError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Msg {number}, Level {class}, State {state}: {message}")]
pub struct SqlError {
    pub number: u32,
    pub class: u8,
    pub state: u8,
    pub message: String,
}

/// The error number for features the simulator does not implement (RAISERROR's default number).
pub const UNSUPPORTED: u32 = 50000;

impl SqlError {
    pub fn new(number: u32, class: u8, state: u8, message: impl Into<String>) -> Self {
        SqlError { number, class, state, message: message.into() }
    }

    /// Anything outside the statement shapes the simulator supports.
    pub fn unsupported(what: impl std::fmt::Display) -> Self {
        SqlError::new(UNSUPPORTED, 16, 1, format!("The Gatehouse Symmetry simulator does not support {what}."))
    }

    /// A request the simulator cannot decode (parameter types, batched RPCs).
    pub fn unsupported_request(detail: impl std::fmt::Display) -> Self {
        SqlError::new(
            UNSUPPORTED,
            16,
            1,
            format!("The Gatehouse Symmetry simulator cannot process this request: {detail}."),
        )
    }

    pub fn syntax_near(near: &str) -> Self {
        SqlError::new(102, 15, 1, format!("Incorrect syntax near '{near}'."))
    }

    /// A parser error, phrased as SQL Server phrases syntax errors.
    pub fn from_parser(error: &sqlparser::parser::ParserError) -> Self {
        let text = error.to_string();
        let near = text
            .split_once("found: ")
            .map(|(_, rest)| rest.split(" at Line").next().unwrap_or(rest).trim().to_string());
        match near {
            Some(token) if token == "EOF" => SqlError::new(102, 15, 1, "Incorrect syntax near the end of the batch."),
            Some(token) => SqlError::syntax_near(&token),
            None => SqlError::new(102, 15, 1, format!("Incorrect syntax: {text}")),
        }
    }

    pub fn invalid_object(name: &str) -> Self {
        SqlError::new(208, 16, 1, format!("Invalid object name '{name}'."))
    }

    pub fn invalid_column(name: &str) -> Self {
        SqlError::new(207, 16, 1, format!("Invalid column name '{name}'."))
    }

    pub fn ambiguous_column(name: &str) -> Self {
        SqlError::new(209, 16, 1, format!("Ambiguous column name '{name}'."))
    }

    pub fn unbound_identifier(name: &str) -> Self {
        SqlError::new(4104, 16, 1, format!("The multi-part identifier \"{name}\" could not be bound."))
    }

    pub fn undeclared_variable(name: &str) -> Self {
        SqlError::new(137, 15, 2, format!("Must declare the scalar variable \"{name}\"."))
    }

    /// `permission` is SELECT, INSERT, ...
    pub fn permission_denied(permission: &str, object: &str, database: &str) -> Self {
        SqlError::new(
            229,
            14,
            5,
            format!(
                "The {permission} permission was denied on the object '{object}', database '{database}', schema 'dbo'."
            ),
        )
    }

    /// What the fault plan's error rate answers: SQL Server's transient deadlock error, which
    /// clients retry (the statement did not run).
    pub fn deadlock_victim(spid: u16) -> Self {
        SqlError::new(
            1205,
            13,
            51,
            format!(
                "Transaction (Process ID {spid}) was deadlocked on lock resources with another process and has been \
                 chosen as the deadlock victim. Rerun the transaction."
            ),
        )
    }

    pub fn database_missing(name: &str) -> Self {
        SqlError::new(
            911,
            16,
            1,
            format!("Database '{name}' does not exist. Make sure that the name is entered correctly."),
        )
    }

    pub fn database_access_denied(login: &str, database: &str) -> Self {
        SqlError::new(
            916,
            14,
            1,
            format!("The server principal \"{login}\" is not able to access the database \"{database}\" under the current security context."),
        )
    }

    pub fn not_in_group_by(column: &str) -> Self {
        SqlError::new(
            8120,
            16,
            1,
            format!("Column '{column}' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."),
        )
    }

    pub fn unknown_function(name: &str) -> Self {
        SqlError::new(195, 15, 10, format!("'{name}' is not a recognized built-in function name."))
    }

    pub fn divide_by_zero() -> Self {
        SqlError::new(8134, 16, 1, "Divide by zero error encountered.")
    }

    pub fn subquery_returned_many() -> Self {
        SqlError::new(
            512,
            16,
            1,
            "Subquery returned more than 1 value. This is not permitted when the subquery follows =, !=, <, <= , >, >= or when the subquery is used as an expression.",
        )
    }

    /// An INSERT failure on `table` (`multiMAXImport.dbo.DataImportTable`).
    pub fn from_insert(error: InsertError, table: &str, short_table: &str) -> Self {
        match error {
            InsertError::IdentityInsert { .. } => SqlError::new(
                544,
                16,
                1,
                format!("Cannot insert explicit value for identity column in table '{short_table}' when IDENTITY_INSERT is set to OFF."),
            ),
            InsertError::NullNotAllowed { column } => SqlError::new(
                515,
                16,
                2,
                format!("Cannot insert the value NULL into column '{column}', table '{table}'; column does not allow nulls. INSERT fails."),
            ),
            InsertError::Truncated { column, truncated } => SqlError::new(
                2628,
                16,
                1,
                format!("String or binary data would be truncated in table '{table}', column '{column}'. Truncated value: '{truncated}'."),
            ),
            InsertError::Conversion(e) => e.into(),
        }
    }
}

impl From<ConversionError> for SqlError {
    fn from(e: ConversionError) -> Self {
        let state = match e {
            ConversionError::DateTimeRange { .. } => 3,
            ConversionError::Overflow { .. } | ConversionError::Clash { .. } => 2,
            _ => 1,
        };
        SqlError::new(e.number(), 16, state, e.to_string())
    }
}
