//! Runs one parsed statement against the catalog and session and says what the client gets
//! back: result sets, completion counts, a database change, or a wait.
//!
//! Supported: SELECT (see `select`), INSERT (see `insert`), USE, DECLARE (scalars and table
//! variables), SET (options and variables), WAITFOR DELAY. Everything else is refused with an
//! error naming the statement.

use std::time::Duration;

use sqlparser::ast::{DataType, DeclareAssignment, Set, SetSessionParamKind, Statement, Use, WaitForType};

use super::error::SqlError;
use super::expr::Evaluator;
use super::scope::{RowCtx, Scope};
use super::select::{run_query, ResultSet};
use super::session::{Environment, Session, Variable};
use super::types::{data_type, type_from_text};
use crate::model::schema::{ColumnDef, Database};
use crate::model::table::StoredTable;
use crate::model::Catalog;
use crate::tds::tokens::cur_cmd;
use crate::value::{convert, Value};

/// What one statement produces, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Rows(ResultSet),
    /// Statement completion; `count` is reported unless NOCOUNT is on.
    Done {
        cmd: u16,
        count: Option<u64>,
    },
    DatabaseChanged {
        old: String,
        new: String,
    },
    /// WAITFOR DELAY: the server waits (and can be cancelled by an attention).
    Wait(Duration),
}

pub struct Executor<'a> {
    pub catalog: &'a mut Catalog,
    pub session: &'a mut Session,
    pub env: &'a Environment<'a>,
}

/// SET options accepted and ignored: they change nothing the simulator models.
const IGNORED_SET_OPTIONS: &[&str] = &[
    "ansi_nulls",
    "ansi_padding",
    "ansi_warnings",
    "ansi_null_dflt_on",
    "ansi_null_dflt_off",
    "ansi_defaults",
    "arithabort",
    "arithignore",
    "concat_null_yields_null",
    "cursor_close_on_commit",
    "datefirst",
    "dateformat",
    "deadlock_priority",
    "language",
    "lock_timeout",
    "numeric_roundabort",
    "quoted_identifier",
    "textsize",
    "xact_abort",
    "query_governor_cost_limit",
    "statistics",
];

impl Executor<'_> {
    pub fn execute(&mut self, statement: &Statement) -> Result<Vec<Output>, SqlError> {
        self.session.begin_statement();
        match statement {
            Statement::Query(query) => {
                let result = {
                    let ev = self.evaluator();
                    run_query(&ev, query, None)?
                };
                let rows = conform(result)?;
                let count = rows.rows.len() as u64;
                self.session.row_count = count;
                Ok(vec![Output::Rows(rows), self.done(cur_cmd::SELECT, Some(count))])
            }
            Statement::Insert(insert) => {
                let mut outputs = super::insert::run(self, insert)?;
                for output in &mut outputs {
                    match output {
                        Output::Done { count, .. } => {
                            self.session.row_count = count.unwrap_or(0);
                            if self.session.nocount {
                                *count = None;
                            }
                        }
                        Output::Rows(rows) => *rows = conform(rows.clone())?,
                        _ => {}
                    }
                }
                Ok(outputs)
            }
            Statement::Use(target) => self.use_database(target),
            Statement::Declare { stmts } => {
                for declare in stmts {
                    self.declare(declare)?;
                }
                Ok(Vec::new())
            }
            Statement::Set(set) => self.set(set),
            Statement::WaitFor(wait) => {
                if !matches!(wait.wait_type, WaitForType::Delay) {
                    return Err(SqlError::unsupported("WAITFOR TIME"));
                }
                let value = self.evaluator().scalar(&wait.expr, &RowCtx::one(&Scope::default(), &[], None))?;
                let text = value.as_str().ok_or_else(|| SqlError::syntax_near(&wait.expr.to_string()))?.to_string();
                let delay = parse_delay(&text).ok_or_else(|| {
                    SqlError::new(
                        148,
                        15,
                        1,
                        format!("Incorrect time syntax in time string '{text}' used with WAITFOR."),
                    )
                })?;
                Ok(vec![Output::Wait(delay), self.done(cur_cmd::WAITFOR, None)])
            }
            Statement::StartTransaction { .. } | Statement::Commit { .. } | Statement::Rollback { .. } => {
                Err(SqlError::unsupported("transactions (every statement commits on its own)"))
            }
            other => {
                let keyword = other.to_string().split_whitespace().next().unwrap_or_default().to_uppercase();
                Err(SqlError::unsupported(format!("{keyword} statements")))
            }
        }
    }

    fn evaluator(&self) -> Evaluator<'_> {
        Evaluator { catalog: self.catalog, session: self.session, env: self.env }
    }

    fn done(&self, cmd: u16, count: Option<u64>) -> Output {
        Output::Done { cmd, count: if self.session.nocount { None } else { count } }
    }

    fn use_database(&mut self, target: &Use) -> Result<Vec<Output>, SqlError> {
        let name = match target {
            Use::Object(name) | Use::Database(name) => super::names::parts(name)?.join("."),
            other => return Err(SqlError::unsupported(format!("USE {other}"))),
        };
        let database = Database::from_name(&name).ok_or_else(|| SqlError::database_missing(&name))?;
        self.session.check_database_access(database)?;
        let old = std::mem::replace(&mut self.session.database, database);
        Ok(vec![
            Output::DatabaseChanged { old: old.name().to_string(), new: database.name().to_string() },
            Output::Done { cmd: cur_cmd::USE, count: None },
        ])
    }

    fn declare(&mut self, declare: &sqlparser::ast::Declare) -> Result<(), SqlError> {
        let Some(dt) = &declare.data_type else {
            return Err(SqlError::unsupported(format!("DECLARE {declare}")));
        };
        for name in &declare.names {
            let key = name.value.to_lowercase();
            if self.session.variables.contains_key(&key) || self.session.table_variables.contains_key(&key) {
                return Err(SqlError::new(134, 15, 1, format!("The variable name '{}' has already been declared. Variable names must be unique within a query batch or stored procedure.", name.value)));
            }
            if let DataType::Table(columns) = dt {
                let defs = columns
                    .iter()
                    .flatten()
                    .map(|c| {
                        Ok(ColumnDef {
                            name: c.name.value.clone(),
                            ty: data_type(&c.data_type)?,
                            nullable: true,
                            identity: false,
                            default: None,
                        })
                    })
                    .collect::<Result<Vec<_>, SqlError>>()?;
                self.session.table_variables.insert(key, StoredTable::new(defs));
                continue;
            }
            let ty = data_type(dt)?;
            let value = match &declare.assignment {
                None => Value::Null,
                Some(
                    DeclareAssignment::Expr(e) | DeclareAssignment::Default(e) | DeclareAssignment::MsSqlAssignment(e),
                ) => {
                    let v = self.evaluator().scalar(e, &RowCtx::one(&Scope::default(), &[], None))?;
                    convert(&v, ty)?
                }
                Some(other) => return Err(SqlError::unsupported(format!("DECLARE ... {other}"))),
            };
            self.session.variables.insert(key, Variable { ty, value });
        }
        Ok(())
    }

    fn set(&mut self, set: &Set) -> Result<Vec<Output>, SqlError> {
        match set {
            Set::SingleAssignment { variable, values, .. } => {
                let name = super::names::parts(variable)?.join(".");
                if name.starts_with('@') {
                    let [expr] = values.as_slice() else {
                        return Err(SqlError::syntax_near(","));
                    };
                    let key = name.to_lowercase();
                    let ty = self
                        .session
                        .variables
                        .get(&key)
                        .map(|v| v.ty)
                        .ok_or_else(|| SqlError::undeclared_variable(&name))?;
                    let value = self.evaluator().scalar(expr, &RowCtx::one(&Scope::default(), &[], None))?;
                    let value = convert(&value, ty)?;
                    self.session.variables.insert(key, Variable { ty, value });
                } else {
                    let value = values.first().map(|v| v.to_string()).unwrap_or_default();
                    self.set_option(&[name], &value)?;
                }
            }
            Set::SetSessionParam(SetSessionParamKind::Generic(generic)) => {
                self.set_option(&generic.names, &generic.value)?;
            }
            Set::SetSessionParam(SetSessionParamKind::Statistics(_)) | Set::SetTransaction { .. } => {}
            other => return Err(SqlError::unsupported(format!("SET {other}").replace("SET SET", "SET"))),
        }
        Ok(vec![Output::Done { cmd: cur_cmd::SET, count: None }])
    }

    fn set_option(&mut self, names: &[String], value: &str) -> Result<(), SqlError> {
        let on = value.eq_ignore_ascii_case("on");
        for name in names {
            let option = name.to_lowercase();
            match option.as_str() {
                "nocount" => self.session.nocount = on,
                "implicit_transactions" if on => {
                    return Err(SqlError::unsupported("implicit transactions (every statement commits on its own)"))
                }
                "rowcount" if value.trim() != "0" => return Err(SqlError::unsupported("SET ROWCOUNT (use TOP)")),
                "implicit_transactions" | "rowcount" => {}
                "fmtonly" | "noexec" | "parseonly" | "showplan_all" | "showplan_text" | "showplan_xml" if on => {
                    return Err(SqlError::unsupported(format!("SET {}", option.to_uppercase())))
                }
                "fmtonly" | "noexec" | "parseonly" | "showplan_all" | "showplan_text" | "showplan_xml" => {}
                known if IGNORED_SET_OPTIONS.contains(&known) => {}
                _ => return Err(SqlError::new(195, 15, 1, format!("'{name}' is not a recognized SET option."))),
            }
        }
        Ok(())
    }
}

/// Converts every value to its column's type, so encoding cannot fail half-way through a reply.
fn conform(mut result: ResultSet) -> Result<ResultSet, SqlError> {
    for row in &mut result.rows {
        for (value, column) in row.iter_mut().zip(&result.columns) {
            *value = convert(value, column.ty)?;
        }
    }
    Ok(result)
}

/// `hh:mm[:ss[.mmm]]`
fn parse_delay(text: &str) -> Option<Duration> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let (hours, minutes, seconds) = match parts.as_slice() {
        [h, m] => (h.parse::<u64>().ok()?, m.parse::<u64>().ok()?, 0.0),
        [h, m, s] => (h.parse::<u64>().ok()?, m.parse::<u64>().ok()?, s.parse::<f64>().ok()?),
        _ => return None,
    };
    if minutes >= 60 || !(0.0..60.0).contains(&seconds) || hours >= 24 {
        return None;
    }
    Some(Duration::from_secs(hours * 3600 + minutes * 60) + Duration::from_secs_f64(seconds))
}

/// Parses an `sp_executesql` parameter list (`@P1 int, @P2 nvarchar(4000) OUTPUT`) into names
/// and types, in order.
pub fn parse_parameter_list(text: &str) -> Result<Vec<(String, crate::value::SqlType)>, SqlError> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    let mut pieces = Vec::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    for piece in pieces.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let (name, rest) = piece.split_once(char::is_whitespace).ok_or_else(|| SqlError::syntax_near(piece))?;
        let rest = rest.trim();
        let ty_text = rest
            .strip_suffix("OUTPUT")
            .or_else(|| rest.strip_suffix("output"))
            .or_else(|| rest.strip_suffix("OUT"))
            .unwrap_or(rest)
            .trim()
            .trim_start_matches("AS ")
            .trim();
        if !name.starts_with('@') {
            return Err(SqlError::syntax_near(name));
        }
        out.push((name.to_string(), type_from_text(ty_text)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Len, SqlType};

    #[test]
    fn waitfor_delay_text() {
        assert_eq!(parse_delay("00:00:01.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_delay("00:01"), Some(Duration::from_secs(60)));
        assert_eq!(parse_delay("soon"), None);
    }

    #[test]
    fn parameter_lists_keep_order_and_nested_commas() {
        let params = parse_parameter_list("@P1 int, @amount decimal(10, 2),@P3 nvarchar(max) OUTPUT").unwrap();
        assert_eq!(params[0], ("@P1".into(), SqlType::Int));
        assert_eq!(params[1].1, SqlType::Decimal { precision: 10, scale: 2 });
        assert_eq!(params[2].1, SqlType::NVarChar(Len::Max));
        assert!(parse_parameter_list("").unwrap().is_empty());
    }
}
