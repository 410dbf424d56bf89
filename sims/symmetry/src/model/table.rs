//! A stored table with SQL Server's INSERT rules: identity, defaults, NOT NULL, implicit
//! conversion and the "would be truncated" check. Used for the import database's tables and for
//! table variables (`DECLARE @t TABLE (...)`).

use crate::value::{cast, check_fits, convert, ConversionError, Value};

use super::schema::ColumnDef;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InsertError {
    /// Msg 544.
    #[error("Cannot insert explicit value for identity column '{column}' when IDENTITY_INSERT is set to OFF.")]
    IdentityInsert { column: String },
    /// Msg 515.
    #[error("Cannot insert the value NULL into column '{column}'; column does not allow nulls.")]
    NullNotAllowed { column: String },
    /// Msg 2628.
    #[error("String or binary data would be truncated in column '{column}'. Truncated value: '{truncated}'.")]
    Truncated { column: String, truncated: String },
    #[error(transparent)]
    Conversion(#[from] ConversionError),
}

#[derive(Debug, Clone)]
pub struct StoredTable {
    columns: Vec<ColumnDef>,
    rows: Vec<Vec<Value>>,
    next_identity: i64,
}

impl StoredTable {
    pub fn new(columns: Vec<ColumnDef>) -> Self {
        StoredTable { columns, rows: Vec::new(), next_identity: 1 }
    }

    pub fn columns(&self) -> &[ColumnDef] {
        &self.columns
    }

    pub fn rows(&self) -> &[Vec<Value>] {
        &self.rows
    }

    pub fn rows_mut(&mut self) -> &mut [Vec<Value>] {
        &mut self.rows
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The identity value the next insert gets.
    pub fn current_identity(&self) -> Option<i64> {
        self.columns.iter().any(|c| c.identity).then_some(self.next_identity - 1)
    }

    /// Inserts all rows or none. Each row names the columns it sets by index; the others get
    /// their default, the identity, or NULL. Returns the stored rows.
    pub fn insert_rows(&mut self, rows: Vec<Vec<(usize, Value)>>) -> Result<Vec<Vec<Value>>, InsertError> {
        let mut identity = self.next_identity;
        let mut built = Vec::with_capacity(rows.len());
        for assignments in rows {
            let mut row: Vec<Option<Value>> = vec![None; self.columns.len()];
            for (index, value) in assignments {
                let column = &self.columns[index];
                if column.identity {
                    return Err(InsertError::IdentityInsert { column: column.name.clone() });
                }
                let converted = convert(&value, column.ty)?;
                if !check_fits(&converted, column.ty) {
                    let truncated = cast(&converted, column.ty)?.to_display_string();
                    return Err(InsertError::Truncated { column: column.name.clone(), truncated });
                }
                row[index] = Some(converted);
            }
            let mut complete = Vec::with_capacity(row.len());
            for (column, value) in self.columns.iter().zip(row) {
                let value = match value {
                    Some(v) => v,
                    None if column.identity => {
                        identity += 1;
                        Value::Int(identity - 1)
                    }
                    None => column.default.clone().unwrap_or(Value::Null),
                };
                if value.is_null() && !column.nullable {
                    return Err(InsertError::NullNotAllowed { column: column.name.clone() });
                }
                complete.push(value);
            }
            built.push(complete);
        }
        self.next_identity = identity;
        self.rows.extend(built.iter().cloned());
        Ok(built)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Len, SqlType};

    fn table() -> StoredTable {
        StoredTable::new(vec![
            ColumnDef { name: "Id".into(), ty: SqlType::Int, nullable: false, identity: true, default: None },
            ColumnDef {
                name: "Name".into(),
                ty: SqlType::VarChar(Len::Limited(3)),
                nullable: true,
                identity: false,
                default: None,
            },
            ColumnDef {
                name: "Status".into(),
                ty: SqlType::Int,
                nullable: false,
                identity: false,
                default: Some(Value::Int(0)),
            },
        ])
    }

    #[test]
    fn assigns_identity_and_defaults() {
        let mut t = table();
        let rows = t.insert_rows(vec![vec![(1, Value::str("ab"))], vec![]]).unwrap();
        assert_eq!(rows[0], vec![Value::Int(1), Value::str("ab"), Value::Int(0)]);
        assert_eq!(rows[1][0], Value::Int(2));
        assert_eq!(t.current_identity(), Some(2));
    }

    #[test]
    fn a_failing_row_inserts_nothing() {
        let mut t = table();
        let err = t.insert_rows(vec![vec![(1, Value::str("ok"))], vec![(1, Value::str("toolong"))]]).unwrap_err();
        assert_eq!(err, InsertError::Truncated { column: "Name".into(), truncated: "too".into() });
        assert!(t.rows().is_empty());
        assert_eq!(t.current_identity(), Some(0));
    }

    #[test]
    fn refuses_explicit_identity_and_null_in_not_null_columns() {
        let mut t = table();
        assert!(matches!(t.insert_rows(vec![vec![(0, Value::Int(9))]]), Err(InsertError::IdentityInsert { .. })));
        assert!(matches!(t.insert_rows(vec![vec![(2, Value::Null)]]), Err(InsertError::NullNotAllowed { .. })));
    }
}
