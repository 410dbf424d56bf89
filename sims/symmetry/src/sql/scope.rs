//! Which columns an expression can see, and the row(s) it is evaluated against.
//!
//! A FROM clause binds each table or view under its qualifiers (alias, or name / schema.name /
//! db.schema.name); a row is the concatenation of the bound relations' columns. Correlated
//! subqueries see their outer row through `RowCtx::outer`.

use sqlparser::ast::Ident;

use super::error::SqlError;
use crate::tds::types::ResultColumn;
use crate::value::Value;

#[derive(Debug, Clone)]
pub struct Binding {
    /// Lower-case names that may qualify this relation's columns.
    pub qualifiers: Vec<String>,
    pub columns: Vec<ResultColumn>,
    /// Position of the first column in the combined row.
    pub offset: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub bindings: Vec<Binding>,
}

impl Scope {
    pub fn width(&self) -> usize {
        self.bindings.last().map_or(0, |b| b.offset + b.columns.len())
    }

    pub fn push(&mut self, qualifiers: Vec<String>, columns: Vec<ResultColumn>) {
        let offset = self.width();
        self.bindings.push(Binding { qualifiers, columns, offset });
    }

    /// The row position of a (possibly qualified) column. `Ok(None)` when nothing in this scope
    /// answers to it, so an enclosing scope may.
    pub fn resolve(&self, parts: &[Ident]) -> Result<Option<usize>, SqlError> {
        let (name, qualifier) = split(parts);
        let mut found = Vec::new();
        let mut qualifier_bound = false;
        for binding in &self.bindings {
            if let Some(q) = &qualifier {
                if !binding.qualifiers.iter().any(|b| b == q) {
                    continue;
                }
                qualifier_bound = true;
            }
            for (i, column) in binding.columns.iter().enumerate() {
                if column.name.eq_ignore_ascii_case(&name) {
                    found.push(binding.offset + i);
                }
            }
        }
        match found.len() {
            0 if qualifier_bound => Err(SqlError::invalid_column(&name)),
            0 => Ok(None),
            1 => Ok(Some(found[0])),
            _ => Err(SqlError::ambiguous_column(&name)),
        }
    }

    /// The column a resolved position refers to.
    pub fn column_at(&self, index: usize) -> Option<&ResultColumn> {
        self.bindings
            .iter()
            .find(|b| index >= b.offset && index < b.offset + b.columns.len())
            .map(|b| &b.columns[index - b.offset])
    }

    /// Columns of the binding named by `qualifier` (for `alias.*`).
    pub fn binding(&self, qualifier: &str) -> Option<&Binding> {
        let q = qualifier.to_lowercase();
        self.bindings.iter().find(|b| b.qualifiers.contains(&q))
    }
}

/// Column name and lower-case qualifier (`a.b.c` → `c`, `a.b`).
pub fn split(parts: &[Ident]) -> (String, Option<String>) {
    let name = parts.last().map(|p| p.value.clone()).unwrap_or_default();
    let qualifier = (parts.len() > 1)
        .then(|| parts[..parts.len() - 1].iter().map(|p| p.value.to_lowercase()).collect::<Vec<_>>().join("."));
    (name, qualifier)
}

/// The current row, or a whole group when aggregates are being evaluated.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'r> {
    One(&'r [Value]),
    Group(&'r [Vec<Value>]),
}

#[derive(Debug, Clone, Copy)]
pub struct RowCtx<'r> {
    pub scope: &'r Scope,
    pub rows: Rows<'r>,
    pub outer: Option<&'r RowCtx<'r>>,
}

impl<'r> RowCtx<'r> {
    pub fn one(scope: &'r Scope, row: &'r [Value], outer: Option<&'r RowCtx<'r>>) -> Self {
        RowCtx { scope, rows: Rows::One(row), outer }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::SqlType;

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.push(
            vec!["c".into()],
            vec![ResultColumn::new("CardID", SqlType::Int), ResultColumn::new("Name", SqlType::Int)],
        );
        s.push(
            vec!["p".into()],
            vec![ResultColumn::new("CardID", SqlType::Int), ResultColumn::new("Email", SqlType::Int)],
        );
        s
    }

    #[test]
    fn resolves_qualified_unique_and_ambiguous_columns() {
        let s = scope();
        assert_eq!(s.resolve(&[Ident::new("p"), Ident::new("cardid")]).unwrap(), Some(2));
        assert_eq!(s.resolve(&[Ident::new("EMAIL")]).unwrap(), Some(3));
        assert_eq!(s.resolve(&[Ident::new("CardID")]).unwrap_err().number, 209);
        assert_eq!(s.resolve(&[Ident::new("c"), Ident::new("Email")]).unwrap_err().number, 207);
        assert_eq!(s.resolve(&[Ident::new("x"), Ident::new("Email")]).unwrap(), None);
    }
}
