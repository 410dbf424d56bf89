//! SQL through the host, over a connection the operator mapped to a *label*.
//!
//! The connector never sees a DSN or a password: it opens a label ("multimax") and runs
//! parameterised statements (`@P1`, `@P2`, ...) with typed [`Value`]s.

pub use crate::bindings::gatehouse::connector::sql::{Rows, ServerError, SqlError, Value};

/// An open connection. Dropping it returns it to the host.
pub struct Connection {
    #[cfg(target_arch = "wasm32")]
    inner: crate::bindings::gatehouse::connector::sql::Connection,
    #[cfg(not(target_arch = "wasm32"))]
    label: String,
}

/// Opens a connection to the DSN the operator mapped to `label`.
pub fn open(label: &str) -> Result<Connection, SqlError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::gatehouse::connector::sql::open(label).map(|inner| Connection { inner })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::sql::open(label).map(|()| Connection { label: label.to_string() })
    }
}

impl Connection {
    /// Runs a statement that returns rows.
    pub fn query(&self, statement: &str, params: &[Value]) -> Result<Rows, SqlError> {
        #[cfg(target_arch = "wasm32")]
        {
            self.inner.query(statement, params)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            crate::testing::sql::query(&self.label, statement, params)
        }
    }

    /// Runs a statement and returns the number of rows it affected.
    pub fn execute(&self, statement: &str, params: &[Value]) -> Result<u64, SqlError> {
        #[cfg(target_arch = "wasm32")]
        {
            self.inner.execute(statement, params)
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            crate::testing::sql::execute(&self.label, statement, params)
        }
    }
}

impl Rows {
    /// A result set with these columns and no rows (for fakes); add rows with [`Rows::row`].
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Rows { columns: columns.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    pub fn row(mut self, values: impl IntoIterator<Item = Value>) -> Self {
        self.rows.push(values.into_iter().collect());
        self
    }

    /// The value of `column` in row `index`; `None` when either does not exist.
    pub fn get(&self, index: usize, column: &str) -> Option<&Value> {
        let position = self.columns.iter().position(|c| c.eq_ignore_ascii_case(column))?;
        self.rows.get(index)?.get(position)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(v) => Some(*v),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}
