//! Expression evaluation over the supported subset of T-SQL: columns, variables, literals,
//! arithmetic, comparisons with three-valued logic, IN / BETWEEN / LIKE / IS NULL / EXISTS,
//! CASE, CAST/CONVERT, subqueries, and the built-in functions in `functions`.
//!
//! Predicates (`WHERE`, `ON`, `CASE WHEN`) and scalar values are separate in T-SQL, and so they
//! are here: `predicate` answers `Some(true|false)` or `None` for unknown.

use std::cmp::Ordering;

use sqlparser::ast::{BinaryOperator, Expr, Ident, UnaryOperator, Value as AstValue};

use super::error::SqlError;
use super::functions;
use super::scope::{RowCtx, Rows, Scope};
use super::select::run_query;
use super::session::{Environment, Session};
use super::system;
use super::types::data_type;
use crate::model::Catalog;
use crate::value::{cast, compare, convert, like_matches, Len, SqlType, Value};

/// Read access to everything an expression may consult.
pub struct Evaluator<'a> {
    pub catalog: &'a Catalog,
    pub session: &'a Session,
    pub env: &'a Environment<'a>,
}

impl Evaluator<'_> {
    pub fn scalar(&self, expr: &Expr, ctx: &RowCtx<'_>) -> Result<Value, SqlError> {
        match expr {
            Expr::Identifier(ident) => self.identifier(std::slice::from_ref(ident), ctx),
            Expr::CompoundIdentifier(parts) => self.identifier(parts, ctx),
            Expr::Value(v) => literal(&v.value),
            Expr::Nested(inner) => self.scalar(inner, ctx),
            Expr::UnaryOp { op: UnaryOperator::Minus, expr } => negate(self.scalar(expr, ctx)?),
            Expr::UnaryOp { op: UnaryOperator::Plus, expr } => self.scalar(expr, ctx),
            Expr::BinaryOp { left, op, right } if is_arithmetic(op) => {
                arithmetic(op, self.scalar(left, ctx)?, self.scalar(right, ctx)?)
            }
            Expr::Cast { kind, expr, data_type: dt, .. } => {
                let target = data_type(dt)?;
                let value = self.scalar(expr, ctx)?;
                let is_try = matches!(kind, sqlparser::ast::CastKind::TryCast | sqlparser::ast::CastKind::SafeCast);
                match cast(&value, target) {
                    Err(_) if is_try => Ok(Value::Null),
                    other => Ok(other?),
                }
            }
            // Simplification: CONVERT's style argument is ignored.
            Expr::Convert { is_try, expr, data_type: Some(dt), .. } => {
                let value = self.scalar(expr, ctx)?;
                match cast(&value, data_type(dt)?) {
                    Err(_) if *is_try => Ok(Value::Null),
                    other => Ok(other?),
                }
            }
            Expr::Function(f) => functions::call(self, f, ctx),
            Expr::Case { operand, conditions, else_result, .. } => {
                for when in conditions {
                    let hit = match operand {
                        Some(op) => compare(&self.scalar(op, ctx)?, &self.scalar(&when.condition, ctx)?)?
                            .map(|o| o == Ordering::Equal),
                        None => self.predicate(&when.condition, ctx)?,
                    };
                    if hit == Some(true) {
                        return self.scalar(&when.result, ctx);
                    }
                }
                else_result.as_ref().map_or(Ok(Value::Null), |e| self.scalar(e, ctx))
            }
            Expr::Subquery(query) => {
                let result = run_query(self, query, Some(ctx))?;
                if result.columns.len() != 1 {
                    return Err(SqlError::new(116, 16, 1, "Only one expression can be specified in the select list when the subquery is not introduced with EXISTS."));
                }
                match result.rows.len() {
                    0 => Ok(Value::Null),
                    1 => Ok(result.rows[0][0].clone()),
                    _ => Err(SqlError::subquery_returned_many()),
                }
            }
            Expr::Trim { expr, trim_what: None, trim_characters: None, trim_where, .. } => {
                let value = self.scalar(expr, ctx)?;
                Ok(functions::trim(value, trim_where.as_ref()))
            }
            Expr::Substring { expr, substring_from: Some(from), substring_for: Some(len), .. } => {
                let args = [self.scalar(expr, ctx)?, self.scalar(from, ctx)?, self.scalar(len, ctx)?];
                functions::substring(&args)
            }
            Expr::BinaryOp { op, .. } => Err(SqlError::syntax_near(&op.to_string())),
            other => Err(SqlError::unsupported(format!("the expression `{other}`"))),
        }
    }

    pub fn predicate(&self, expr: &Expr, ctx: &RowCtx<'_>) -> Result<Option<bool>, SqlError> {
        Ok(match expr {
            Expr::Nested(inner) => self.predicate(inner, ctx)?,
            Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
                match (self.predicate(left, ctx)?, self.predicate(right, ctx)?) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                }
            }
            Expr::BinaryOp { left, op: BinaryOperator::Or, right } => {
                match (self.predicate(left, ctx)?, self.predicate(right, ctx)?) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                }
            }
            Expr::BinaryOp { left, op, right } if comparison(op).is_some() => {
                let test = comparison(op).expect("checked above");
                compare(&self.scalar(left, ctx)?, &self.scalar(right, ctx)?)?.map(test)
            }
            Expr::UnaryOp { op: UnaryOperator::Not, expr } => self.predicate(expr, ctx)?.map(|b| !b),
            Expr::IsNull(e) => Some(self.scalar(e, ctx)?.is_null()),
            Expr::IsNotNull(e) => Some(!self.scalar(e, ctx)?.is_null()),
            Expr::InList { expr, list, negated } => {
                let value = self.scalar(expr, ctx)?;
                let candidates = list.iter().map(|e| self.scalar(e, ctx)).collect::<Result<Vec<_>, _>>()?;
                negate_if(*negated, membership(&value, &candidates)?)
            }
            Expr::InSubquery { expr, subquery, negated } => {
                let value = self.scalar(expr, ctx)?;
                let result = run_query(self, subquery, Some(ctx))?;
                if result.columns.len() != 1 {
                    return Err(SqlError::new(116, 16, 1, "Only one expression can be specified in the select list when the subquery is not introduced with EXISTS."));
                }
                let candidates: Vec<Value> = result.rows.into_iter().map(|mut r| r.swap_remove(0)).collect();
                negate_if(*negated, membership(&value, &candidates)?)
            }
            Expr::Between { expr, negated, low, high } => {
                let value = self.scalar(expr, ctx)?;
                let above = compare(&value, &self.scalar(low, ctx)?)?.map(|o| o != Ordering::Less);
                let below = compare(&value, &self.scalar(high, ctx)?)?.map(|o| o != Ordering::Greater);
                let within = match (above, below) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                negate_if(*negated, within)
            }
            Expr::Like { negated, any: false, expr, pattern, escape_char } => {
                let text = self.scalar(expr, ctx)?;
                let pattern = self.scalar(pattern, ctx)?;
                let escape = match escape_char {
                    Some(e) => self.scalar_to_text(&self.scalar(e, ctx)?)?.and_then(|s| s.chars().next()),
                    None => None,
                };
                match (self.scalar_to_text(&text)?, self.scalar_to_text(&pattern)?) {
                    (Some(t), Some(p)) => negate_if(*negated, Some(like_matches(&t, &p, escape))),
                    _ => None,
                }
            }
            Expr::Exists { subquery, negated } => {
                let result = run_query(self, subquery, Some(ctx))?;
                Some(result.rows.is_empty() == *negated)
            }
            other => {
                return Err(SqlError::new(
                    4145,
                    15,
                    1,
                    format!("An expression of non-boolean type specified in a context where a condition is expected, near '{other}'."),
                ))
            }
        })
    }

    fn scalar_to_text(&self, value: &Value) -> Result<Option<String>, SqlError> {
        Ok(match convert(value, SqlType::NVarChar(Len::Max))? {
            Value::Str(s) => Some(s),
            _ => None,
        })
    }

    fn identifier(&self, parts: &[Ident], ctx: &RowCtx<'_>) -> Result<Value, SqlError> {
        if let [single] = parts {
            if single.value.starts_with("@@") {
                return system::system_variable(self, &single.value).map(|(_, v)| v);
            }
            if single.value.starts_with('@') {
                return self.variable(&single.value).map(|(_, v)| v);
            }
        }
        let mut current = Some(ctx);
        while let Some(c) = current {
            if let Some(index) = c.scope.resolve(parts)? {
                return match c.rows {
                    Rows::One(row) => Ok(row[index].clone()),
                    Rows::Group(_) => Err(SqlError::not_in_group_by(&display_parts(parts))),
                };
            }
            current = c.outer;
        }
        Err(match parts {
            [single] => SqlError::invalid_column(&single.value),
            _ => SqlError::unbound_identifier(&display_parts(parts)),
        })
    }

    pub fn variable(&self, name: &str) -> Result<(SqlType, Value), SqlError> {
        self.session
            .variables
            .get(&name.to_lowercase())
            .map(|v| (v.ty, v.value.clone()))
            .ok_or_else(|| SqlError::undeclared_variable(name))
    }

    /// The declared type of an expression, when it follows from columns, variables, casts and
    /// functions; `None` when only the values can tell.
    pub fn infer_type(&self, expr: &Expr, scope: &Scope) -> Option<SqlType> {
        match expr {
            Expr::Identifier(ident) if ident.value.starts_with("@@") => {
                system::system_variable(self, &ident.value).ok().map(|(t, _)| t)
            }
            Expr::Identifier(ident) if ident.value.starts_with('@') => self.variable(&ident.value).ok().map(|(t, _)| t),
            Expr::Identifier(ident) => column_type(scope, std::slice::from_ref(ident)),
            Expr::CompoundIdentifier(parts) => column_type(scope, parts),
            Expr::Value(v) => literal_type(&v.value),
            Expr::Nested(inner) | Expr::UnaryOp { expr: inner, .. } => self.infer_type(inner, scope),
            Expr::Cast { data_type: dt, .. } | Expr::Convert { data_type: Some(dt), .. } => data_type(dt).ok(),
            Expr::Function(f) => functions::return_type(self, f, scope),
            Expr::Case { conditions, .. } => conditions.first().and_then(|w| self.infer_type(&w.result, scope)),
            Expr::Trim { expr, .. } | Expr::Substring { expr, .. } => self.infer_type(expr, scope),
            Expr::BinaryOp { left, op, right } if is_arithmetic(op) => {
                match (self.infer_type(left, scope), self.infer_type(right, scope)) {
                    (Some(l), Some(r)) if l.is_integer() && r.is_integer() => {
                        Some(if l == SqlType::BigInt || r == SqlType::BigInt { SqlType::BigInt } else { SqlType::Int })
                    }
                    (Some(l), Some(r)) if l.is_string() && r.is_string() => Some(SqlType::NVarChar(Len::Limited(4000))),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

fn column_type(scope: &Scope, parts: &[Ident]) -> Option<SqlType> {
    scope.resolve(parts).ok().flatten().and_then(|i| scope.column_at(i)).map(|c| c.ty)
}

fn display_parts(parts: &[Ident]) -> String {
    parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(".")
}

fn negate_if(negated: bool, v: Option<bool>) -> Option<bool> {
    v.map(|b| b != negated)
}

/// SQL `IN`: true if any candidate equals, unknown if none does but a comparison was unknown.
fn membership(value: &Value, candidates: &[Value]) -> Result<Option<bool>, SqlError> {
    let mut unknown = false;
    for candidate in candidates {
        match compare(value, candidate)? {
            Some(Ordering::Equal) => return Ok(Some(true)),
            None => unknown = true,
            Some(_) => {}
        }
    }
    Ok(if unknown { None } else { Some(false) })
}

fn comparison(op: &BinaryOperator) -> Option<fn(Ordering) -> bool> {
    Some(match op {
        BinaryOperator::Eq => |o| o == Ordering::Equal,
        BinaryOperator::NotEq => |o| o != Ordering::Equal,
        BinaryOperator::Lt => |o| o == Ordering::Less,
        BinaryOperator::LtEq => |o| o != Ordering::Greater,
        BinaryOperator::Gt => |o| o == Ordering::Greater,
        BinaryOperator::GtEq => |o| o != Ordering::Less,
        _ => return None,
    })
}

fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
            | BinaryOperator::StringConcat
    )
}

pub fn literal(v: &AstValue) -> Result<Value, SqlError> {
    Ok(match v {
        AstValue::Null => Value::Null,
        AstValue::Boolean(b) => Value::Bit(*b),
        AstValue::Number(text, _) => number_literal(text)?,
        AstValue::SingleQuotedString(s) | AstValue::NationalStringLiteral(s) => Value::Str(s.clone()),
        AstValue::HexStringLiteral(hex) => Value::Bytes(
            (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<_, _>>()
                .map_err(|_| SqlError::syntax_near(hex))?,
        ),
        other => return Err(SqlError::unsupported(format!("the literal {other}"))),
    })
}

fn number_literal(text: &str) -> Result<Value, SqlError> {
    if text.contains(['e', 'E']) {
        return text.parse().map(Value::Float).map_err(|_| SqlError::syntax_near(text));
    }
    if let Some((_, fraction)) = text.split_once('.') {
        let scale = fraction.len().min(38) as u8;
        let mantissa = crate::value::parse_decimal(text, scale).ok_or_else(|| SqlError::syntax_near(text))?;
        return Ok(Value::Decimal { mantissa, scale });
    }
    match text.parse::<i64>() {
        Ok(i) => Ok(Value::Int(i)),
        Err(_) => crate::value::parse_decimal(text, 0)
            .map(|mantissa| Value::Decimal { mantissa, scale: 0 })
            .ok_or_else(|| SqlError::syntax_near(text)),
    }
}

fn literal_type(v: &AstValue) -> Option<SqlType> {
    match v {
        AstValue::SingleQuotedString(s) => {
            Some(SqlType::VarChar(Len::Limited(s.chars().count().clamp(1, 8000) as u16)))
        }
        AstValue::NationalStringLiteral(s) => {
            Some(SqlType::NVarChar(Len::Limited(s.encode_utf16().count().clamp(1, 4000) as u16)))
        }
        AstValue::Number(text, _) => match number_literal(text).ok()? {
            Value::Decimal { mantissa, scale } => {
                let digits = mantissa.unsigned_abs().to_string().len().max(scale as usize + 1).min(38) as u8;
                Some(SqlType::Decimal { precision: digits, scale })
            }
            other => other.natural_type(),
        },
        _ => None,
    }
}

fn negate(v: Value) -> Result<Value, SqlError> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(overflow)?),
        Value::Float(f) => Value::Float(-f),
        Value::Decimal { mantissa, scale } => Value::Decimal { mantissa: -mantissa, scale },
        other => {
            return Err(SqlError::new(
                8116,
                16,
                1,
                format!("Argument data type {} is invalid for argument 1 of negation.", type_name(&other)),
            ))
        }
    })
}

fn overflow() -> SqlError {
    SqlError::new(8115, 16, 2, "Arithmetic overflow error converting expression to data type bigint.")
}

fn type_name(v: &Value) -> String {
    v.natural_type().map_or("NULL".into(), |t| t.sql_name())
}

/// `+ - * / %` with SQL Server's typing: integers stay integers (integer division), text `+`
/// text concatenates, a datetime plus a number adds days, anything else computes in float.
fn arithmetic(op: &BinaryOperator, left: Value, right: Value) -> Result<Value, SqlError> {
    use BinaryOperator::*;
    if left.is_null() || right.is_null() {
        return Ok(Value::Null);
    }
    match (&left, &right) {
        (Value::Str(a), Value::Str(b)) if matches!(op, Plus | StringConcat) => {
            return Ok(Value::Str(format!("{a}{b}")))
        }
        (Value::DateTime(t), n) | (n, Value::DateTime(t))
            if matches!(op, Plus | Minus) && n.natural_type().is_some_and(|t| !t.is_string()) =>
        {
            let days = match convert(n, SqlType::Float)? {
                Value::Float(f) => f,
                _ => 0.0,
            };
            let delta = chrono::Duration::milliseconds((days * 86_400_000.0).round() as i64);
            return Ok(Value::DateTime(if matches!(op, Minus) { *t - delta } else { *t + delta }));
        }
        _ => {}
    }
    let numeric = |v: &Value| match v {
        Value::Str(_) => convert(v, SqlType::Float),
        other => Ok(other.clone()),
    };
    let (l, r) = (numeric(&left)?, numeric(&right)?);
    if let (Value::Int(_) | Value::Bit(_), Value::Int(_) | Value::Bit(_)) = (&l, &r) {
        let (a, b) = (l.as_i64().unwrap_or(0), r.as_i64().unwrap_or(0));
        let result = match op {
            Plus => a.checked_add(b),
            Minus => a.checked_sub(b),
            Multiply => a.checked_mul(b),
            Divide if b == 0 => return Err(SqlError::divide_by_zero()),
            Divide => a.checked_div(b),
            Modulo if b == 0 => return Err(SqlError::divide_by_zero()),
            Modulo => a.checked_rem(b),
            _ => return Err(SqlError::syntax_near(&op.to_string())),
        };
        return result.map(Value::Int).ok_or_else(overflow);
    }
    let to_f = |v: &Value| -> Result<f64, SqlError> {
        match convert(v, SqlType::Float)? {
            Value::Float(f) => Ok(f),
            _ => Ok(0.0),
        }
    };
    let (a, b) = (to_f(&l)?, to_f(&r)?);
    Ok(Value::Float(match op {
        Plus => a + b,
        Minus => a - b,
        Multiply => a * b,
        Divide if b == 0.0 => return Err(SqlError::divide_by_zero()),
        Divide => a / b,
        Modulo => a % b,
        _ => return Err(SqlError::syntax_near(&op.to_string())),
    }))
}
