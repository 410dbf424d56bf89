//! Object names: `Table`, `dbo.Table`, `db.dbo.Table`, `db..Table` and `@tablevariable`,
//! resolved against the session's database and the login's database mappings.

use sqlparser::ast::ObjectName;

use super::error::SqlError;
use super::session::Session;
use crate::model::schema::{ColumnDef, Database, ObjectId};
use crate::model::Catalog;
use crate::tds::types::ResultColumn;
use crate::value::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    Object(ObjectId),
    /// A table variable, by lower-case name including `@`.
    TableVariable(String),
}

/// The parts of a name as written, without brackets.
pub fn parts(name: &ObjectName) -> Result<Vec<String>, SqlError> {
    name.0
        .iter()
        .map(|p| p.as_ident().map(|i| i.value.clone()).ok_or_else(|| SqlError::unsupported(format!("the name {name}"))))
        .collect()
}

pub fn resolve(session: &Session, name: &ObjectName) -> Result<Relation, SqlError> {
    let parts = parts(name)?;
    let written = parts.join(".");
    let (database, schema, object) = match parts.as_slice() {
        [object] if object.starts_with('@') => return resolve_table_variable(session, object),
        [object] => (None, None, object),
        [schema, object] => (None, Some(schema), object),
        [database, schema, object] => (Some(database), Some(schema), object),
        _ => return Err(SqlError::unsupported(format!("four-part (linked server) names such as {written}"))),
    };
    if schema.is_some_and(|s| !s.is_empty() && !s.eq_ignore_ascii_case("dbo")) {
        return Err(SqlError::invalid_object(&written));
    }
    let database = match database {
        None => session.database,
        Some(name) => Database::from_name(name).ok_or_else(|| SqlError::invalid_object(&written))?,
    };
    session.check_database_access(database)?;
    ObjectId::find(database, object).map(Relation::Object).ok_or_else(|| SqlError::invalid_object(&written))
}

fn resolve_table_variable(session: &Session, name: &str) -> Result<Relation, SqlError> {
    let key = name.to_lowercase();
    if session.table_variables.contains_key(&key) {
        Ok(Relation::TableVariable(key))
    } else {
        Err(SqlError::new(1087, 16, 1, format!("Must declare the table variable \"{name}\".")))
    }
}

pub fn result_columns(defs: &[ColumnDef]) -> Vec<ResultColumn> {
    defs.iter()
        .map(|c| ResultColumn { name: c.name.clone(), ty: c.ty, nullable: c.nullable, identity: c.identity })
        .collect()
}

pub fn columns(session: &Session, relation: &Relation) -> Vec<ResultColumn> {
    match relation {
        Relation::Object(object) => result_columns(object.columns()),
        Relation::TableVariable(name) => {
            session.table_variables.get(name).map(|t| result_columns(t.columns())).unwrap_or_default()
        }
    }
}

pub fn rows(catalog: &Catalog, session: &Session, relation: &Relation) -> Vec<Vec<Value>> {
    match relation {
        Relation::Object(object) => catalog.rows(*object),
        Relation::TableVariable(name) => {
            session.table_variables.get(name).map(|t| t.rows().to_vec()).unwrap_or_default()
        }
    }
}

/// The names a relation answers to when no alias is given.
pub fn default_qualifiers(relation: &Relation) -> Vec<String> {
    match relation {
        Relation::Object(object) => {
            let name = object.name().to_lowercase();
            vec![
                name.clone(),
                format!("dbo.{name}"),
                format!("{}.dbo.{name}", object.database().name().to_lowercase()),
                format!("{}..{name}", object.database().name().to_lowercase()),
            ]
        }
        Relation::TableVariable(name) => vec![name.clone()],
    }
}
