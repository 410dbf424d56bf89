//! The SQL surface: the statement shapes a Symmetry integration uses, parsed with `sqlparser`
//! (MS SQL dialect) and evaluated against the model. Not a general T-SQL engine: what is not
//! supported fails with an error that names it.

pub mod error;
pub mod exec;
mod expr;
mod functions;
mod insert;
mod names;
mod scope;
pub mod select;
pub mod session;
mod system;
mod types;

use sqlparser::ast::Statement;
use sqlparser::dialect::MsSqlDialect;
use sqlparser::parser::{Parser, ParserOptions};

pub use error::SqlError;
pub use exec::{parse_parameter_list, Executor, Output};
pub use select::ResultSet;
pub use session::{Environment, Session, Variable};

/// Parses a batch. T-SQL separates statements with `;` or just whitespace; both work.
pub fn parse_batch(text: &str) -> Result<Vec<Statement>, SqlError> {
    let mut options = ParserOptions::new();
    options.require_semicolon_stmt_delimiter = false;
    Parser::new(&MsSqlDialect {})
        .with_options(options)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| SqlError::from_parser(&e))
}

#[cfg(test)]
mod tests;
