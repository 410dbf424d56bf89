//! `gatehouse:connector/sql`: statements over the install's labelled DSNs.
//!
//! The connector names a label; the grant maps it to a DSN and the secret
//! store supplies the password, so neither crosses into the component. The
//! database engine sits behind [`SqlDriver`] (SQL Server through tiberius
//! today, see `drivers/tds.rs`); this file checks labels, sizes and time.

use std::future::Future;

use async_trait::async_trait;
use wasmtime::component::Resource;

use crate::contract::bindings::gatehouse::connector::sql::{Host, HostConnection, Rows, SqlError, Value};
use crate::errors::HostFault;
use crate::grant::SqlDsn;
use crate::state::{CallEnv, HostState};

/// A database engine the sql capability can open connections with.
#[async_trait]
pub trait SqlDriver: Send + Sync {
    /// Connects and logs in. Login refusals are `SqlError::Login`.
    async fn connect(&self, dsn: &SqlDsn, password: &str) -> Result<Box<dyn SqlConnection>, SqlError>;
}

/// One open connection of a [`SqlDriver`].
#[async_trait]
pub trait SqlConnection: Send {
    /// Runs a statement returning rows, with parameters bound to `@P1`,
    /// `@P2`, ... Fails with `TooLarge(max_bytes)` as soon as the rows read
    /// exceed `max_bytes`.
    async fn query(&mut self, statement: &str, params: &[Value], max_bytes: u64) -> Result<Rows, SqlError>;
    /// Runs a statement and returns the number of rows it affected.
    async fn execute(&mut self, statement: &str, params: &[Value]) -> Result<u64, SqlError>;
}

/// What a `connection` resource handle points to in the call's resource table.
pub struct OpenConnection(Box<dyn SqlConnection>);

/// Bytes a value occupies on the wire, roughly; used against the payload cap.
pub(crate) fn value_size(value: &Value) -> u64 {
    match value {
        Value::Text(text) => text.len() as u64,
        Value::Bytes(bytes) => bytes.len() as u64,
        _ => 8,
    }
}

fn check_statement(env: &CallEnv, statement: &str, params: &[Value]) -> Result<(), SqlError> {
    let cap = env.grant.limits.payload_bytes;
    let size = statement.len() as u64 + params.iter().map(value_size).sum::<u64>();
    if size > cap {
        return Err(SqlError::TooLarge(cap));
    }
    Ok(())
}

/// Runs `operation` within the call's remaining time.
async fn within_budget<T>(env: &CallEnv, operation: impl Future<Output = Result<T, SqlError>>) -> Result<T, SqlError> {
    tokio::time::timeout(env.remaining(), operation).await.unwrap_or(Err(SqlError::Timeout))
}

impl Host for HostState {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<OpenConnection>, SqlError>> {
        let env = self.env.clone();
        let Some(dsn) = env.grant.sql.get(&label) else {
            return Ok(Err(SqlError::Denied(format!("SQL label `{label}` is not granted to this install"))));
        };
        let password = match &dsn.password_secret {
            None => String::new(),
            Some(name) => match env.services.secrets.reveal(&env.grant.scope, name).await {
                Ok(Some(password)) => password.expose().to_owned(),
                Ok(None) => {
                    let why = format!("the install secret `{name}` holding the SQL password is not set");
                    return Ok(Err(SqlError::Connect(why)));
                }
                Err(error) => return Err(wasmtime::Error::new(HostFault(error.to_string()))),
            },
        };
        let connected = within_budget(&env, env.services.sql.connect(dsn, &password)).await;
        Ok(match connected {
            Ok(connection) => Ok(self.table.push(OpenConnection(connection))?),
            Err(error) => Err(error),
        })
    }
}

impl HostConnection for HostState {
    async fn query(
        &mut self,
        connection: Resource<OpenConnection>,
        statement: String,
        params: Vec<Value>,
    ) -> wasmtime::Result<Result<Rows, SqlError>> {
        let env = self.env.clone();
        if let Err(error) = check_statement(&env, &statement, &params) {
            return Ok(Err(error));
        }
        let connection = &mut self.table.get_mut(&connection)?.0;
        let cap = env.grant.limits.payload_bytes;
        Ok(within_budget(&env, connection.query(&statement, &params, cap)).await)
    }

    async fn execute(
        &mut self,
        connection: Resource<OpenConnection>,
        statement: String,
        params: Vec<Value>,
    ) -> wasmtime::Result<Result<u64, SqlError>> {
        let env = self.env.clone();
        if let Err(error) = check_statement(&env, &statement, &params) {
            return Ok(Err(error));
        }
        let connection = &mut self.table.get_mut(&connection)?.0;
        Ok(within_budget(&env, connection.execute(&statement, &params)).await)
    }

    async fn drop(&mut self, connection: Resource<OpenConnection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}
