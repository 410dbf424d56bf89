//! INSERT into `multiMAXImport.dbo.DataImportTable` or a table variable, from VALUES or a
//! SELECT, with an optional `OUTPUT INSERTED.… [INTO @table]` clause.
//!
//! Writers reach multiMAX only through the import table (that is the Data Connect contract),
//! so inserts anywhere else are refused as unsupported rather than silently applied.

use sqlparser::ast::{Expr, Insert, OutputClause, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableObject};

use super::error::SqlError;
use super::exec::{Executor, Output};
use super::expr::Evaluator;
use super::names::{self, Relation};
use super::scope::{RowCtx, Scope};
use super::select::{run_query, ResultSet};
use crate::config::Permission;
use crate::model::schema::ObjectId;
use crate::model::table::StoredTable;
use crate::tds::tokens::cur_cmd;
use crate::tds::types::ResultColumn;
use crate::value::Value;

pub fn run(exec: &mut Executor<'_>, insert: &Insert) -> Result<Vec<Output>, SqlError> {
    let TableObject::TableName(name) = &insert.table else {
        return Err(SqlError::unsupported("INSERT into a table function"));
    };
    if insert.on.is_some() || insert.returning.is_some() || !insert.assignments.is_empty() {
        return Err(SqlError::unsupported("this INSERT form"));
    }
    let target = names::resolve(exec.session, name)?;
    if let Relation::Object(object) = target {
        exec.session.check_permission(object, Permission::Insert, exec.env.faults)?;
        if object != ObjectId::DataImportTable {
            return Err(SqlError::unsupported(format!(
                "INSERT into {} (Symmetry changes go through multiMAXImport.dbo.DataImportTable)",
                object.qualified_name()
            )));
        }
    }
    let output = match &insert.output {
        None => None,
        Some(OutputClause::Output { select_items, into_table, .. }) => Some((select_items, into_table)),
        Some(OutputClause::Returning { .. }) => return Err(SqlError::unsupported("RETURNING")),
    };
    if let (Some((_, None)), Relation::Object(object)) = (&output, &target) {
        if exec.env.import_table_has_trigger {
            return Err(SqlError::new(
                334,
                16,
                1,
                format!(
                    "The target table 'dbo.{}' of the DML statement cannot have any enabled triggers if the statement contains an OUTPUT clause without INTO clause.",
                    object.name()
                ),
            ));
        }
    }

    let table_columns = target_table(exec, &target).columns().to_vec();
    let column_indexes: Vec<usize> = if insert.columns.is_empty() {
        (0..table_columns.len()).filter(|i| !table_columns[*i].identity).collect()
    } else {
        insert
            .columns
            .iter()
            .map(|c| {
                let column = names::parts(c)?.pop().unwrap_or_default();
                table_columns
                    .iter()
                    .position(|d| d.name.eq_ignore_ascii_case(&column))
                    .ok_or_else(|| SqlError::invalid_column(&column))
            })
            .collect::<Result<_, _>>()?
    };

    let source_rows = {
        let ev = Evaluator { catalog: exec.catalog, session: exec.session, env: exec.env };
        source_rows(&ev, insert)?
    };
    let mut assignments = Vec::with_capacity(source_rows.len());
    for row in source_rows {
        if row.len() != column_indexes.len() {
            return Err(count_mismatch(column_indexes.len(), row.len()));
        }
        assignments.push(column_indexes.iter().copied().zip(row).collect());
    }

    let (qualified, short) = match &target {
        Relation::Object(object) => (object.qualified_name(), object.name().to_string()),
        Relation::TableVariable(name) => (name.clone(), name.clone()),
    };
    let table = target_table_mut(exec, &target);
    let inserted = table.insert_rows(assignments).map_err(|e| SqlError::from_insert(e, &qualified, &short))?;
    if let Some(identity) = table.current_identity().filter(|_| !inserted.is_empty()) {
        exec.session.scope_identity = Some(identity);
        exec.session.last_identity = Some(identity);
    }

    let mut outputs = Vec::new();
    if let Some((items, into)) = output {
        let rows = output_rows(exec, items, &table_columns, &inserted)?;
        match into {
            None => outputs.push(Output::Rows(rows)),
            Some(into) => write_output_into(exec, into, rows)?,
        }
    }
    outputs.push(Output::Done { cmd: cur_cmd::INSERT, count: Some(inserted.len() as u64) });
    Ok(outputs)
}

fn target_table<'e>(exec: &'e Executor<'_>, target: &Relation) -> &'e StoredTable {
    match target {
        Relation::Object(_) => &exec.catalog.data_import,
        Relation::TableVariable(name) => &exec.session.table_variables[name],
    }
}

fn target_table_mut<'e>(exec: &'e mut Executor<'_>, target: &Relation) -> &'e mut StoredTable {
    match target {
        Relation::Object(_) => &mut exec.catalog.data_import,
        Relation::TableVariable(name) => exec.session.table_variables.get_mut(name).expect("resolved above"),
    }
}

fn count_mismatch(columns: usize, values: usize) -> SqlError {
    if columns > values {
        SqlError::new(109, 15, 1, "There are more columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.")
    } else {
        SqlError::new(110, 15, 1, "There are fewer columns in the INSERT statement than values specified in the VALUES clause. The number of values in the VALUES clause must match the number of columns specified in the INSERT statement.")
    }
}

fn source_rows(ev: &Evaluator<'_>, insert: &Insert) -> Result<Vec<Vec<Value>>, SqlError> {
    let Some(source) = &insert.source else {
        return Err(SqlError::unsupported("INSERT ... DEFAULT VALUES"));
    };
    match source.body.as_ref() {
        SetExpr::Values(values) => {
            let empty = Scope::default();
            let ctx = RowCtx::one(&empty, &[], None);
            values
                .rows
                .iter()
                .map(|row| row.content.iter().map(|e| ev.scalar(e, &ctx)).collect::<Result<Vec<_>, _>>())
                .collect()
        }
        _ => Ok(run_query(ev, source, None)?.rows),
    }
}

/// Evaluates the OUTPUT list against the inserted rows (`INSERTED.x`, `INSERTED.*`).
fn output_rows(
    exec: &Executor<'_>,
    items: &[SelectItem],
    columns: &[crate::model::schema::ColumnDef],
    inserted: &[Vec<Value>],
) -> Result<ResultSet, SqlError> {
    let mut scope = Scope::default();
    scope.push(vec!["inserted".into()], names::result_columns(columns));
    let ev = Evaluator { catalog: exec.catalog, session: exec.session, env: exec.env };
    let mut exprs: Vec<(Expr, String)> = Vec::new();
    for item in items {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let name = match e {
                    Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()).unwrap_or_default(),
                    Expr::Identifier(i) => i.value.clone(),
                    _ => String::new(),
                };
                exprs.push((e.clone(), name));
            }
            SelectItem::ExprWithAlias { expr, alias } => exprs.push((expr.clone(), alias.value.clone())),
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _)
                if names::parts(n)?.join(".").eq_ignore_ascii_case("inserted") =>
            {
                for c in columns {
                    let ident = sqlparser::ast::Ident::new(c.name.clone());
                    exprs.push((
                        Expr::CompoundIdentifier(vec![sqlparser::ast::Ident::new("INSERTED"), ident]),
                        c.name.clone(),
                    ));
                }
            }
            other => return Err(SqlError::unsupported(format!("the OUTPUT item `{other}`"))),
        }
    }
    let rows = inserted
        .iter()
        .map(|row| {
            let ctx = RowCtx::one(&scope, row, None);
            exprs.iter().map(|(e, _)| ev.scalar(e, &ctx)).collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let result_columns = exprs
        .iter()
        .enumerate()
        .map(|(i, (e, name))| {
            let ty = ev
                .infer_type(e, &scope)
                .or_else(|| rows.iter().find_map(|r: &Vec<Value>| r[i].natural_type()))
                .unwrap_or(crate::value::SqlType::Int);
            ResultColumn::new(name.clone(), ty)
        })
        .collect();
    Ok(ResultSet { columns: result_columns, rows })
}

fn write_output_into(
    exec: &mut Executor<'_>,
    into: &sqlparser::ast::SelectInto,
    rows: ResultSet,
) -> Result<(), SqlError> {
    let [Expr::Identifier(name)] = into.targets.as_slice() else {
        return Err(SqlError::unsupported("OUTPUT INTO anything but a table variable"));
    };
    let key = name.value.to_lowercase();
    let table =
        exec.session.table_variables.get_mut(&key).ok_or_else(|| {
            SqlError::new(1087, 16, 1, format!("Must declare the table variable \"{}\".", name.value))
        })?;
    let writable: Vec<usize> = (0..table.columns().len()).filter(|i| !table.columns()[*i].identity).collect();
    let mut assignments = Vec::new();
    for row in rows.rows {
        if row.len() != writable.len() {
            return Err(SqlError::new(
                213,
                16,
                1,
                "Column name or number of supplied values does not match table definition.",
            ));
        }
        assignments.push(writable.iter().copied().zip(row).collect());
    }
    table.insert_rows(assignments).map_err(|e| SqlError::from_insert(e, &name.value, &name.value))?;
    Ok(())
}
