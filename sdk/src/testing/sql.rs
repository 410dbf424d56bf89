//! A fake SQL server: statements answered by closures, and a record of every statement.

use std::rc::Rc;

use super::{current, FakeHost};
use crate::sql::{Rows, ServerError, SqlError, Value};

type OpenHandler = Rc<dyn Fn(&str) -> Result<(), SqlError>>;
type QueryHandler = Rc<dyn Fn(&[Value]) -> Result<Rows, SqlError>>;
type ExecuteHandler = Rc<dyn Fn(&[Value]) -> Result<u64, SqlError>>;

#[derive(Default)]
pub(crate) struct SqlFake {
    open: Option<OpenHandler>,
    queries: Vec<(String, QueryHandler)>,
    executes: Vec<(String, ExecuteHandler)>,
    calls: Vec<SqlCall>,
}

/// One statement the connector ran.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlCall {
    pub label: String,
    pub statement: String,
    pub params: Vec<Value>,
}

impl FakeHost {
    /// Decides whether `sql::open(label)` succeeds (by default every label opens).
    pub fn on_sql_open(&self, handler: impl Fn(&str) -> Result<(), SqlError> + 'static) -> &Self {
        self.state.sql.borrow_mut().open = Some(Rc::new(handler));
        self
    }

    /// Answers queries whose text contains `fragment` (whitespace-insensitive). The most
    /// recently added match wins.
    pub fn on_sql_query(
        &self,
        fragment: &str,
        handler: impl Fn(&[Value]) -> Result<Rows, SqlError> + 'static,
    ) -> &Self {
        self.state.sql.borrow_mut().queries.push((normalise(fragment), Rc::new(handler)));
        self
    }

    /// Answers executes whose text contains `fragment` with an affected-row count.
    pub fn on_sql_execute(
        &self,
        fragment: &str,
        handler: impl Fn(&[Value]) -> Result<u64, SqlError> + 'static,
    ) -> &Self {
        self.state.sql.borrow_mut().executes.push((normalise(fragment), Rc::new(handler)));
        self
    }

    /// Every statement run so far (queries and executes), oldest first.
    pub fn sql_calls(&self) -> Vec<SqlCall> {
        self.state.sql.borrow().calls.clone()
    }
}

pub(crate) fn open(label: &str) -> Result<(), SqlError> {
    let handler = current().sql.borrow().open.clone();
    handler.map_or(Ok(()), |open| open(label))
}

pub(crate) fn query(label: &str, statement: &str, params: &[Value]) -> Result<Rows, SqlError> {
    let handler = record_and_find(label, statement, params, |fake| &fake.queries);
    handler.map_or_else(|| Err(unanswered(statement)), |handler| handler(params))
}

pub(crate) fn execute(label: &str, statement: &str, params: &[Value]) -> Result<u64, SqlError> {
    let handler = record_and_find(label, statement, params, |fake| &fake.executes);
    handler.map_or_else(|| Err(unanswered(statement)), |handler| handler(params))
}

fn record_and_find<H: Clone>(
    label: &str,
    statement: &str,
    params: &[Value],
    handlers: impl Fn(&SqlFake) -> &Vec<(String, H)>,
) -> Option<H> {
    let state = current();
    state.sql.borrow_mut().calls.push(SqlCall {
        label: label.to_string(),
        statement: statement.to_string(),
        params: params.to_vec(),
    });
    let text = normalise(statement);
    let fake = state.sql.borrow();
    handlers(&fake).iter().rev().find(|(fragment, _)| text.contains(fragment.as_str())).map(|(_, h)| h.clone())
}

/// SQL Server's "Could not find stored procedure" is the closest real error to "nobody answers".
fn unanswered(statement: &str) -> SqlError {
    SqlError::Server(ServerError { number: 2812, class: 16, message: format!("no fake answers {statement:?}") })
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
