//! SELECT: one FROM clause of tables, views, table variables or derived tables with INNER /
//! LEFT / CROSS joins, WHERE, a select list with aggregates (no GROUP BY), DISTINCT, ORDER BY,
//! TOP and OFFSET/FETCH. UNION, GROUP BY, HAVING, CTEs and SELECT INTO are refused by name.

use std::cmp::Ordering;

use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, JoinConstraint, JoinOperator, LimitClause, OrderByKind, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TableWithJoins, TopQuantity, Value as AstValue,
};

use super::error::SqlError;
use super::expr::Evaluator;
use super::functions::contains_aggregate;
use super::names::{self, Relation};
use super::scope::{RowCtx, Rows, Scope};
use crate::config::Permission;
use crate::tds::types::ResultColumn;
use crate::value::{compare, SqlType, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Value>>,
}

pub fn run_query(ev: &Evaluator<'_>, query: &Query, outer: Option<&RowCtx<'_>>) -> Result<ResultSet, SqlError> {
    if query.with.is_some() {
        return Err(SqlError::unsupported("common table expressions (WITH)"));
    }
    if query.for_clause.is_some() {
        return Err(SqlError::unsupported("FOR XML / FOR JSON"));
    }
    match query.body.as_ref() {
        SetExpr::Select(select) => run_select(ev, select, query, outer),
        SetExpr::Query(inner) if query.order_by.is_none() && query.fetch.is_none() => run_query(ev, inner, outer),
        SetExpr::SetOperation { op, .. } => Err(SqlError::unsupported(format!("{op} between queries"))),
        other => Err(SqlError::unsupported(format!("the query form `{other}`"))),
    }
}

enum OutItem<'q> {
    Expr { expr: &'q Expr, name: String },
    Column { index: usize, name: String },
}

fn run_select(
    ev: &Evaluator<'_>,
    select: &Select,
    query: &Query,
    outer: Option<&RowCtx<'_>>,
) -> Result<ResultSet, SqlError> {
    if select.into.is_some() {
        return Err(SqlError::unsupported("SELECT ... INTO"));
    }
    match &select.group_by {
        GroupByExpr::Expressions(exprs, _) if exprs.is_empty() => {}
        _ => return Err(SqlError::unsupported("GROUP BY")),
    }
    if select.having.is_some() {
        return Err(SqlError::unsupported("HAVING"));
    }
    let distinct = match &select.distinct {
        None | Some(Distinct::All) => false,
        Some(Distinct::Distinct) => true,
        Some(other) => return Err(SqlError::unsupported(format!("{other}"))),
    };

    let (scope, mut rows) = from_clause(ev, &select.from, outer)?;
    if let Some(condition) = &select.selection {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if ev.predicate(condition, &RowCtx::one(&scope, &row, outer))? == Some(true) {
                kept.push(row);
            }
        }
        rows = kept;
    }

    let items = select_items(&scope, &select.projection)?;
    let aggregate = items.iter().any(|i| matches!(i, OutItem::Expr { expr, .. } if contains_aggregate(expr)));
    let mut output: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
    if aggregate {
        let ctx = RowCtx { scope: &scope, rows: Rows::Group(&rows), outer };
        let values = items
            .iter()
            .map(|item| match item {
                OutItem::Expr { expr, .. } => ev.scalar(expr, &ctx),
                OutItem::Column { name, .. } => Err(SqlError::not_in_group_by(name)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        output.push((values, Vec::new()));
    } else {
        for row in rows {
            let ctx = RowCtx::one(&scope, &row, outer);
            let values = items
                .iter()
                .map(|item| match item {
                    OutItem::Expr { expr, .. } => ev.scalar(expr, &ctx),
                    OutItem::Column { index, .. } => Ok(row[*index].clone()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            output.push((values, row));
        }
    }

    let names: Vec<String> = items
        .iter()
        .map(|i| match i {
            OutItem::Expr { name, .. } | OutItem::Column { name, .. } => name.clone(),
        })
        .collect();
    if !aggregate {
        order(ev, query, &scope, &names, &mut output, outer)?;
    }
    let mut values: Vec<Vec<Value>> = output.into_iter().map(|(v, _)| v).collect();
    if distinct {
        values = dedupe(values)?;
    }
    apply_limits(ev, select, query, &mut values, outer)?;

    let columns = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let ty = match item {
                OutItem::Expr { expr, .. } => ev.infer_type(expr, &scope),
                OutItem::Column { index, .. } => scope.column_at(*index).map(|c| c.ty),
            }
            .or_else(|| values.iter().find_map(|r| r[i].natural_type()))
            .unwrap_or(SqlType::Int);
            ResultColumn::new(names[i].clone(), ty)
        })
        .collect();
    Ok(ResultSet { columns, rows: values })
}

fn from_clause(
    ev: &Evaluator<'_>,
    from: &[TableWithJoins],
    outer: Option<&RowCtx<'_>>,
) -> Result<(Scope, Vec<Vec<Value>>), SqlError> {
    let mut scope = Scope::default();
    let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
    for table in from {
        let (qualifiers, columns, right) = table_factor(ev, &table.relation, outer)?;
        scope.push(qualifiers, columns);
        rows = cross(&rows, &right);
        for join in &table.joins {
            let (qualifiers, columns, right) = table_factor(ev, &join.relation, outer)?;
            let width = columns.len();
            scope.push(qualifiers, columns);
            let (constraint, keep_unmatched_left) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (Some(c), false),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (Some(c), true),
                JoinOperator::CrossJoin(_) => (None, false),
                other => return Err(SqlError::unsupported(format!("the join {other:?}").replace("(None)", ""))),
            };
            let condition = match constraint {
                Some(JoinConstraint::On(e)) => Some(e),
                None | Some(JoinConstraint::None) => None,
                Some(_) => return Err(SqlError::unsupported("USING / NATURAL joins")),
            };
            let mut joined = Vec::new();
            for left in &rows {
                let mut matched = false;
                for r in &right {
                    let combined: Vec<Value> = left.iter().chain(r.iter()).cloned().collect();
                    let keep = match condition {
                        Some(c) => ev.predicate(c, &RowCtx::one(&scope, &combined, outer))? == Some(true),
                        None => true,
                    };
                    if keep {
                        matched = true;
                        joined.push(combined);
                    }
                }
                if !matched && keep_unmatched_left {
                    joined.push(left.iter().cloned().chain(std::iter::repeat_n(Value::Null, width)).collect());
                }
            }
            rows = joined;
        }
    }
    Ok((scope, rows))
}

fn cross(left: &[Vec<Value>], right: &[Vec<Value>]) -> Vec<Vec<Value>> {
    left.iter().flat_map(|l| right.iter().map(move |r| l.iter().chain(r).cloned().collect())).collect()
}

type Bound = (Vec<String>, Vec<ResultColumn>, Vec<Vec<Value>>);

fn table_factor(ev: &Evaluator<'_>, factor: &TableFactor, outer: Option<&RowCtx<'_>>) -> Result<Bound, SqlError> {
    match factor {
        TableFactor::Table { name, alias, args: None, .. } => {
            if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                return Err(SqlError::unsupported("column aliases on tables"));
            }
            let relation = names::resolve(ev.session, name)?;
            if let Relation::Object(object) = relation {
                ev.session.check_permission(object, Permission::Select, ev.env.faults)?;
            }
            let qualifiers = match alias {
                Some(a) => vec![a.name.value.to_lowercase()],
                None => names::default_qualifiers(&relation),
            };
            Ok((qualifiers, names::columns(ev.session, &relation), names::rows(ev.catalog, ev.session, &relation)))
        }
        TableFactor::Derived { subquery, alias: Some(alias), .. } if alias.columns.is_empty() => {
            let result = run_query(ev, subquery, outer)?;
            Ok((vec![alias.name.value.to_lowercase()], result.columns, result.rows))
        }
        other => Err(SqlError::unsupported(format!("the FROM item `{other}`"))),
    }
}

fn select_items<'q>(scope: &Scope, projection: &'q [SelectItem]) -> Result<Vec<OutItem<'q>>, SqlError> {
    let mut items = Vec::new();
    for item in projection {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                let name = match expr {
                    Expr::Identifier(i) if !i.value.starts_with('@') => i.value.clone(),
                    Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()).unwrap_or_default(),
                    _ => String::new(),
                };
                items.push(OutItem::Expr { expr, name });
            }
            SelectItem::ExprWithAlias { expr, alias } => items.push(OutItem::Expr { expr, name: alias.value.clone() }),
            SelectItem::Wildcard(_) => {
                if scope.bindings.is_empty() {
                    return Err(SqlError::new(263, 16, 1, "Must specify table to select from."));
                }
                for binding in &scope.bindings {
                    for (i, c) in binding.columns.iter().enumerate() {
                        items.push(OutItem::Column { index: binding.offset + i, name: c.name.clone() });
                    }
                }
            }
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                let qualifier = names::parts(name)?.join(".");
                let binding = scope.binding(&qualifier).ok_or_else(|| SqlError::unbound_identifier(&qualifier))?;
                for (i, c) in binding.columns.iter().enumerate() {
                    items.push(OutItem::Column { index: binding.offset + i, name: c.name.clone() });
                }
            }
            other => return Err(SqlError::unsupported(format!("the select item `{other}`"))),
        }
    }
    Ok(items)
}

fn order(
    ev: &Evaluator<'_>,
    query: &Query,
    scope: &Scope,
    names: &[String],
    output: &mut [(Vec<Value>, Vec<Value>)],
    outer: Option<&RowCtx<'_>>,
) -> Result<(), SqlError> {
    let Some(order_by) = &query.order_by else {
        return Ok(());
    };
    let OrderByKind::Expressions(terms) = &order_by.kind else {
        return Err(SqlError::unsupported("ORDER BY ALL"));
    };
    let mut keyed: Vec<(Vec<Value>, usize)> = Vec::with_capacity(output.len());
    for (n, (values, source)) in output.iter().enumerate() {
        let mut keys = Vec::with_capacity(terms.len());
        for term in terms {
            let key = match &term.expr {
                Expr::Value(v) => match &v.value {
                    AstValue::Number(text, _) => {
                        let position: usize = text.parse().map_err(|_| SqlError::syntax_near(text))?;
                        values.get(position.wrapping_sub(1)).cloned().ok_or_else(|| {
                            SqlError::new(108, 16, 1, format!("The ORDER BY position number {position} is out of range of the number of items in the select list."))
                        })?
                    }
                    _ => ev.scalar(&term.expr, &RowCtx::one(scope, source, outer))?,
                },
                Expr::Identifier(i) if names.iter().any(|n| n.eq_ignore_ascii_case(&i.value)) => {
                    let index = names.iter().position(|n| n.eq_ignore_ascii_case(&i.value)).expect("checked");
                    values[index].clone()
                }
                expr => ev.scalar(expr, &RowCtx::one(scope, source, outer))?,
            };
            keys.push(key);
        }
        keyed.push((keys, n));
    }
    let descending: Vec<bool> =
        terms.iter().map(|t| matches!(t.options.sort, Some(sqlparser::ast::OrderBySort::Desc))).collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            // NULLs sort lowest, as in SQL Server.
            let ord = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                _ => compare(x, y).ok().flatten().unwrap_or(Ordering::Equal),
            };
            let ord = if descending[i] { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    let original: Vec<(Vec<Value>, Vec<Value>)> = output.to_vec();
    for (slot, (_, n)) in output.iter_mut().zip(keyed) {
        *slot = original[n].clone();
    }
    Ok(())
}

fn dedupe(rows: Vec<Vec<Value>>) -> Result<Vec<Vec<Value>>, SqlError> {
    let mut unique: Vec<Vec<Value>> = Vec::new();
    for row in rows {
        let mut duplicate = false;
        for kept in &unique {
            let mut same = true;
            for (a, b) in kept.iter().zip(&row) {
                same &= (a.is_null() && b.is_null()) || compare(a, b)? == Some(Ordering::Equal);
            }
            duplicate |= same;
        }
        if !duplicate {
            unique.push(row);
        }
    }
    Ok(unique)
}

fn apply_limits(
    ev: &Evaluator<'_>,
    select: &Select,
    query: &Query,
    rows: &mut Vec<Vec<Value>>,
    outer: Option<&RowCtx<'_>>,
) -> Result<(), SqlError> {
    let empty = Scope::default();
    let ctx = RowCtx::one(&empty, &[], outer);
    let count = |e: &Expr| -> Result<usize, SqlError> {
        let v = ev.scalar(e, &ctx)?;
        v.as_i64().map(|n| n.max(0) as usize).ok_or_else(|| SqlError::syntax_near(&e.to_string()))
    };
    match &query.limit_clause {
        None => {}
        Some(LimitClause::LimitOffset { limit: None, offset: Some(offset), limit_by }) if limit_by.is_empty() => {
            let skip = count(&offset.value)?.min(rows.len());
            rows.drain(..skip);
        }
        Some(_) => return Err(SqlError::unsupported("LIMIT (use TOP or OFFSET/FETCH)")),
    }
    if let Some(fetch) = &query.fetch {
        if fetch.percent || fetch.with_ties {
            return Err(SqlError::unsupported("FETCH ... PERCENT / WITH TIES"));
        }
        if let Some(q) = &fetch.quantity {
            rows.truncate(count(q)?);
        }
    }
    if let Some(top) = &select.top {
        if top.percent || top.with_ties {
            return Err(SqlError::unsupported("TOP ... PERCENT / WITH TIES"));
        }
        let n = match &top.quantity {
            Some(TopQuantity::Constant(n)) => *n as usize,
            Some(TopQuantity::Expr(e)) => count(e)?,
            None => rows.len(),
        };
        rows.truncate(n);
    }
    Ok(())
}
