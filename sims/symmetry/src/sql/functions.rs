//! Built-in functions, aggregates and `@@` system variables the supported statements use:
//! text (LOWER, UPPER, LTRIM, RTRIM, TRIM, LEN, LEFT, RIGHT, REPLACE, SUBSTRING, CONCAT), NULL
//! handling (ISNULL, COALESCE, NULLIF), time (GETDATE, SYSUTCDATETIME, DATEADD, DATEDIFF, ...),
//! identity (SCOPE_IDENTITY, IDENT_CURRENT), session facts (DB_NAME, SUSER_SNAME) and
//! COUNT/MAX/MIN/SUM/AVG. Server facts (@@VERSION, SERVERPROPERTY, ...) live in `system`.

use std::cmp::Ordering;

use chrono::{Datelike, Duration, Months, NaiveDateTime, Timelike};
use sqlparser::ast::{
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, TrimWhereField,
};

use super::error::SqlError;
use super::expr::Evaluator;
use super::scope::{RowCtx, Rows, Scope};
use super::system;
use crate::model::schema::ObjectId;
use crate::value::{compare, convert, round_datetime, Len, SqlType, Value};

const AGGREGATES: [&str; 6] = ["count", "count_big", "max", "min", "sum", "avg"];

struct Args<'f> {
    exprs: Vec<&'f Expr>,
    distinct: bool,
    star: bool,
}

fn name_of(f: &Function) -> Result<String, SqlError> {
    match f.name.0.as_slice() {
        [part] => Ok(part.as_ident().map(|i| i.value.to_lowercase()).unwrap_or_default()),
        _ => Err(SqlError::unsupported(format!("user-defined functions such as {}", f.name))),
    }
}

fn args_of(f: &Function) -> Result<Args<'_>, SqlError> {
    if f.over.is_some() || f.filter.is_some() || !f.within_group.is_empty() {
        return Err(SqlError::unsupported(format!("window or filtered aggregates such as {f}")));
    }
    let mut out = Args { exprs: Vec::new(), distinct: false, star: false };
    match &f.args {
        FunctionArguments::None => {}
        FunctionArguments::List(list) => {
            out.distinct = matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct));
            for arg in &list.args {
                match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => out.exprs.push(e),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => out.star = true,
                    other => return Err(SqlError::unsupported(format!("the function argument {other}"))),
                }
            }
        }
        FunctionArguments::Subquery(_) => return Err(SqlError::unsupported(format!("the call {f}"))),
    }
    Ok(out)
}

pub fn is_aggregate(f: &Function) -> bool {
    name_of(f).is_ok_and(|n| AGGREGATES.contains(&n.as_str()))
}

/// Whether an expression computes an aggregate over the rows (outside subqueries).
pub fn contains_aggregate(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) => is_aggregate(f) || args_of(f).is_ok_and(|a| a.exprs.iter().any(|e| contains_aggregate(e))),
        Expr::Nested(e)
        | Expr::UnaryOp { expr: e, .. }
        | Expr::Cast { expr: e, .. }
        | Expr::Convert { expr: e, .. } => contains_aggregate(e),
        Expr::IsNull(e) | Expr::IsNotNull(e) | Expr::Trim { expr: e, .. } | Expr::Substring { expr: e, .. } => {
            contains_aggregate(e)
        }
        Expr::BinaryOp { left, right, .. } => contains_aggregate(left) || contains_aggregate(right),
        Expr::Case { operand, conditions, else_result, .. } => {
            operand.as_deref().is_some_and(contains_aggregate)
                || conditions.iter().any(|w| contains_aggregate(&w.condition) || contains_aggregate(&w.result))
                || else_result.as_deref().is_some_and(contains_aggregate)
        }
        _ => false,
    }
}

pub fn call(ev: &Evaluator<'_>, f: &Function, ctx: &RowCtx<'_>) -> Result<Value, SqlError> {
    let name = name_of(f)?;
    let args = args_of(f)?;
    if AGGREGATES.contains(&name.as_str()) {
        return aggregate(ev, &name, &args, ctx);
    }
    if name == "dateadd" || name == "datediff" {
        return date_arithmetic(ev, &name, &args.exprs, ctx);
    }
    let values = args.exprs.iter().map(|e| ev.scalar(e, ctx)).collect::<Result<Vec<_>, _>>()?;
    let arity = |n: usize| -> Result<(), SqlError> {
        if values.len() == n {
            Ok(())
        } else {
            Err(SqlError::new(174, 15, 1, format!("The {name} function requires {n} argument(s).")))
        }
    };
    let text = |v: &Value| -> Result<Option<String>, SqlError> {
        Ok(match convert(v, SqlType::NVarChar(Len::Max))? {
            Value::Str(s) => Some(s),
            _ => None,
        })
    };
    let map_text = |f: &dyn Fn(&str) -> String| -> Result<Value, SqlError> {
        arity(1)?;
        Ok(text(&values[0])?.map_or(Value::Null, |s| Value::Str(f(&s))))
    };
    let env = ev.env;
    Ok(match name.as_str() {
        "lower" => map_text(&|s| s.to_lowercase())?,
        "upper" => map_text(&|s| s.to_uppercase())?,
        "ltrim" => map_text(&|s| s.trim_start_matches(' ').to_string())?,
        "rtrim" => map_text(&|s| s.trim_end_matches(' ').to_string())?,
        "trim" => map_text(&|s| s.trim_matches(' ').to_string())?,
        "len" => {
            arity(1)?;
            text(&values[0])?.map_or(Value::Null, |s| Value::Int(s.trim_end_matches(' ').chars().count() as i64))
        }
        "left" | "right" => {
            arity(2)?;
            match (text(&values[0])?, values[1].as_i64()) {
                (Some(s), Some(n)) => {
                    let chars: Vec<char> = s.chars().collect();
                    let n = (n.max(0) as usize).min(chars.len());
                    let part = if name == "left" { &chars[..n] } else { &chars[chars.len() - n..] };
                    Value::Str(part.iter().collect())
                }
                _ => Value::Null,
            }
        }
        "replace" => {
            arity(3)?;
            match (text(&values[0])?, text(&values[1])?, text(&values[2])?) {
                (Some(s), Some(from), Some(to)) if !from.is_empty() => Value::Str(replace_ci(&s, &from, &to)),
                (Some(s), Some(_), Some(_)) => Value::Str(s),
                _ => Value::Null,
            }
        }
        "substring" => substring(&values)?,
        "concat" => Value::Str(values.iter().map(Value::to_display_string).collect()),
        "isnull" => {
            arity(2)?;
            if values[0].is_null() {
                values[1].clone()
            } else {
                values[0].clone()
            }
        }
        "coalesce" => values.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null),
        "nullif" => {
            arity(2)?;
            match compare(&values[0], &values[1])? {
                Some(Ordering::Equal) => Value::Null,
                _ => values[0].clone(),
            }
        }
        "getdate" | "current_timestamp" => Value::DateTime(round_datetime(env.now_local())),
        "getutcdate" => Value::DateTime(round_datetime(env.now_utc.naive_utc())),
        "sysdatetime" => Value::DateTime(env.now_local()),
        "sysutcdatetime" => Value::DateTime(env.now_utc.naive_utc()),
        "sysdatetimeoffset" => Value::DateTimeOffset(env.now_with_offset()),
        "db_name" => Value::str(ev.session.database.name()),
        "suser_sname" | "suser_name" | "user_name" | "current_user" | "system_user" => {
            Value::str(&ev.session.login.user)
        }
        "host_name" => Value::str(&ev.session.host_name),
        "app_name" => Value::str(&ev.session.app_name),
        "scope_identity" => identity_value(ev.session.scope_identity),
        "ident_current" => {
            arity(1)?;
            let table = text(&values[0])?.unwrap_or_default();
            let last = table.rsplit('.').next().unwrap_or_default().trim_matches(|c| c == '[' || c == ']');
            if last.eq_ignore_ascii_case(ObjectId::DataImportTable.name()) {
                identity_value(ev.catalog.data_import.current_identity().filter(|i| *i > 0))
            } else {
                Value::Null
            }
        }
        "serverproperty" => {
            arity(1)?;
            system::server_property(ev, &text(&values[0])?.unwrap_or_default()).1
        }
        _ => return Err(SqlError::unknown_function(&name)),
    })
}

pub(super) fn identity_value(id: Option<i64>) -> Value {
    id.map_or(Value::Null, |i| Value::Decimal { mantissa: i as i128, scale: 0 })
}

fn replace_ci(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_lowercase();
    let needle = from.to_lowercase();
    if lower.len() != s.len() {
        return s.replace(from, to);
    }
    let mut out = String::new();
    let mut rest = 0;
    while let Some(found) = lower[rest..].find(&needle) {
        out.push_str(&s[rest..rest + found]);
        out.push_str(to);
        rest += found + needle.len();
    }
    out.push_str(&s[rest..]);
    out
}

pub fn substring(values: &[Value]) -> Result<Value, SqlError> {
    if values.len() != 3 {
        return Err(SqlError::new(174, 15, 1, "The substring function requires 3 argument(s)."));
    }
    let (Value::Str(s), Some(start), Some(len)) =
        (convert(&values[0], SqlType::NVarChar(Len::Max))?, values[1].as_i64(), values[2].as_i64())
    else {
        return Ok(Value::Null);
    };
    let chars: Vec<char> = s.chars().collect();
    let first = (start - 1).max(0) as usize;
    let last = (start - 1 + len).clamp(0, chars.len() as i64) as usize;
    Ok(Value::Str(if first < last { chars[first..last].iter().collect() } else { String::new() }))
}

pub fn trim(value: Value, side: Option<&TrimWhereField>) -> Value {
    match value {
        Value::Str(s) => Value::Str(match side {
            Some(TrimWhereField::Leading) => s.trim_start_matches(' ').to_string(),
            Some(TrimWhereField::Trailing) => s.trim_end_matches(' ').to_string(),
            _ => s.trim_matches(' ').to_string(),
        }),
        other => other,
    }
}

fn aggregate(ev: &Evaluator<'_>, name: &str, args: &Args<'_>, ctx: &RowCtx<'_>) -> Result<Value, SqlError> {
    let Rows::Group(rows) = ctx.rows else {
        return Err(SqlError::new(
            147,
            15,
            1,
            "An aggregate may not appear in the WHERE clause unless it is in a subquery contained in a HAVING clause or a select list, and the column being aggregated is an outer reference.",
        ));
    };
    if args.star {
        return Ok(Value::Int(rows.len() as i64));
    }
    let [arg] = args.exprs.as_slice() else {
        return Err(SqlError::new(174, 15, 1, format!("The {name} function requires 1 argument(s).")));
    };
    let mut values = Vec::new();
    for row in rows {
        let row_ctx = RowCtx::one(ctx.scope, row, ctx.outer);
        let v = ev.scalar(arg, &row_ctx)?;
        if !v.is_null() {
            values.push(v);
        }
    }
    if args.distinct {
        let mut unique: Vec<Value> = Vec::new();
        for v in values {
            let mut seen = false;
            for u in &unique {
                seen |= compare(u, &v)? == Some(Ordering::Equal);
            }
            if !seen {
                unique.push(v);
            }
        }
        values = unique;
    }
    let pick = |wanted: Ordering| -> Result<Value, SqlError> {
        let mut best: Option<Value> = None;
        for v in &values {
            best = match best {
                Some(b) if compare(v, &b)? != Some(wanted) => Some(b),
                _ => Some(v.clone()),
            };
        }
        Ok(best.unwrap_or(Value::Null))
    };
    match name {
        "count" | "count_big" => Ok(Value::Int(values.len() as i64)),
        "max" => pick(Ordering::Greater),
        "min" => pick(Ordering::Less),
        "sum" | "avg" if values.is_empty() => Ok(Value::Null),
        "sum" | "avg" => {
            if values.iter().all(|v| matches!(v, Value::Int(_) | Value::Bit(_))) {
                let total: i128 = values.iter().filter_map(Value::as_i64).map(i128::from).sum();
                let result = if name == "sum" { total } else { total / values.len() as i128 };
                return i64::try_from(result).map(Value::Int).map_err(|_| {
                    SqlError::new(8115, 16, 2, "Arithmetic overflow error converting expression to data type int.")
                });
            }
            let mut total = 0.0;
            for v in &values {
                if let Value::Float(f) = convert(v, SqlType::Float)? {
                    total += f;
                }
            }
            Ok(Value::Float(if name == "sum" { total } else { total / values.len() as f64 }))
        }
        _ => Err(SqlError::unknown_function(name)),
    }
}

fn date_part(expr: &Expr) -> Result<String, SqlError> {
    match expr {
        Expr::Identifier(i) => Ok(i.value.to_lowercase()),
        other => Err(SqlError::syntax_near(&other.to_string())),
    }
}

fn date_arithmetic(ev: &Evaluator<'_>, name: &str, args: &[&Expr], ctx: &RowCtx<'_>) -> Result<Value, SqlError> {
    let [part, a, b] = args else {
        return Err(SqlError::new(174, 15, 1, format!("The {name} function requires 3 argument(s).")));
    };
    let part = date_part(part)?;
    let (a, b) = (ev.scalar(a, ctx)?, ev.scalar(b, ctx)?);
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    let as_time = |v: &Value| -> Result<NaiveDateTime, SqlError> {
        match convert(v, SqlType::DateTime2 { scale: 7 })? {
            Value::DateTime(t) => Ok(t),
            _ => Err(SqlError::syntax_near(&part)),
        }
    };
    if name == "dateadd" {
        let n = convert(&a, SqlType::BigInt)?.as_i64().unwrap_or(0);
        let was_datetime = matches!(b, Value::DateTime(_));
        let t = as_time(&b)?;
        let shifted = match part.as_str() {
            "year" | "yy" | "yyyy" => add_months(t, n * 12),
            "quarter" | "qq" | "q" => add_months(t, n * 3),
            "month" | "mm" | "m" => add_months(t, n),
            "day" | "dd" | "d" | "dayofyear" | "dy" | "y" | "weekday" | "dw" => Some(t + Duration::days(n)),
            "week" | "wk" | "ww" => Some(t + Duration::weeks(n)),
            "hour" | "hh" => Some(t + Duration::hours(n)),
            "minute" | "mi" | "n" => Some(t + Duration::minutes(n)),
            "second" | "ss" | "s" => Some(t + Duration::seconds(n)),
            "millisecond" | "ms" => Some(t + Duration::milliseconds(n)),
            _ => return Err(SqlError::new(155, 15, 1, format!("'{part}' is not a recognized dateadd option."))),
        }
        .ok_or_else(|| SqlError::new(517, 16, 1, "Adding a value to a 'datetime' column caused an overflow."))?;
        return Ok(Value::DateTime(if was_datetime { round_datetime(shifted) } else { shifted }));
    }
    let (from, to) = (as_time(&a)?, as_time(&b)?);
    let diff = match part.as_str() {
        "year" | "yy" | "yyyy" => (to.year() - from.year()) as i64,
        "month" | "mm" | "m" => {
            (to.year() as i64 * 12 + to.month() as i64) - (from.year() as i64 * 12 + from.month() as i64)
        }
        "day" | "dd" | "d" => (to.date() - from.date()).num_days(),
        "hour" | "hh" => floor_diff(from, to, 3600),
        "minute" | "mi" | "n" => floor_diff(from, to, 60),
        "second" | "ss" | "s" => floor_diff(from, to, 1),
        "millisecond" | "ms" => (to - from).num_milliseconds(),
        _ => return Err(SqlError::new(155, 15, 1, format!("'{part}' is not a recognized datediff option."))),
    };
    Ok(Value::Int(diff))
}

fn add_months(t: NaiveDateTime, months: i64) -> Option<NaiveDateTime> {
    if months >= 0 {
        t.checked_add_months(Months::new(months as u32))
    } else {
        t.checked_sub_months(Months::new(months.unsigned_abs() as u32))
    }
}

/// DATEDIFF counts boundaries crossed: truncate both to the unit, then subtract.
fn floor_diff(from: NaiveDateTime, to: NaiveDateTime, unit_seconds: i64) -> i64 {
    let seconds = |t: NaiveDateTime| t.and_utc().timestamp() - (t.num_seconds_from_midnight() as i64 % unit_seconds);
    (seconds(to) - seconds(from)) / unit_seconds
}

pub fn return_type(ev: &Evaluator<'_>, f: &Function, scope: &Scope) -> Option<SqlType> {
    let name = name_of(f).ok()?;
    let args = args_of(f).ok()?;
    let first = || args.exprs.first().and_then(|e| ev.infer_type(e, scope));
    Some(match name.as_str() {
        "count" | "len" | "datediff" => SqlType::Int,
        "count_big" => SqlType::BigInt,
        "max" | "min" | "sum" | "avg" | "lower" | "upper" | "ltrim" | "rtrim" | "trim" | "left" | "right"
        | "replace" | "substring" | "isnull" | "coalesce" | "nullif" => first()?,
        "dateadd" => args.exprs.get(2).and_then(|e| ev.infer_type(e, scope))?,
        "getdate" | "current_timestamp" | "getutcdate" => SqlType::DateTime,
        "sysdatetime" | "sysutcdatetime" => SqlType::DateTime2 { scale: 7 },
        "sysdatetimeoffset" => SqlType::DateTimeOffset { scale: 7 },
        "concat" => SqlType::NVarChar(Len::Limited(4000)),
        "db_name" | "suser_sname" | "suser_name" | "user_name" | "current_user" | "system_user" | "host_name"
        | "app_name" => SqlType::NVarChar(Len::Limited(128)),
        "scope_identity" | "ident_current" => SqlType::Decimal { precision: 38, scale: 0 },
        "serverproperty" => match args.exprs.first() {
            Some(Expr::Value(v)) => match super::expr::literal(&v.value) {
                Ok(Value::Str(p)) => system::server_property(ev, &p).0,
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    })
}
