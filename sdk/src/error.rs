//! Constructors for [`ConnectorError`], and the mapping of capability errors to error kinds.
//!
//! The kind decides what the host does next (retry, circuit breaker, operator action), so the
//! mapping of every capability error lives here, in one place, rather than in each connector.

use crate::http::HttpError;
use crate::kv::KvError;
use crate::secrets::SecretsError;
use crate::sql::SqlError;
use crate::{ConnectorError, ErrorKind};

impl ConnectorError {
    fn of(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError { kind, message: message.into(), retry_after_ms: None }
    }

    /// A passing fault (timeout, dropped connection, 5xx, vendor busy): the host retries.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::Transient, message)
    }

    /// The request can never succeed (bad data, unknown record): not retried.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::Permanent, message)
    }

    /// The install's configuration is wrong or incomplete: an operator must act.
    pub fn config(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::Config, message)
    }

    /// The vendor refused our credentials or privileges: an operator must act.
    pub fn auth(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::Auth, message)
    }

    /// The vendor state conflicts with the request (number taken, duplicate membership).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::of(ErrorKind::Conflict, message)
    }

    /// Sets the earliest useful retry, for a transient error where the vendor said so.
    pub fn retry_after_ms(mut self, millis: u32) -> Self {
        self.retry_after_ms = Some(millis);
        self
    }

    /// Prefixes the message with what was being done ("creating cardholder: ...").
    pub fn context(mut self, doing: impl std::fmt::Display) -> Self {
        self.message = format!("{doing}: {}", self.message);
        self
    }
}

impl From<HttpError> for ConnectorError {
    fn from(error: HttpError) -> Self {
        match error {
            HttpError::Denied(why) => ConnectorError::config(format!(
                "the host refused the HTTP request ({why}); check the install's granted base URLs"
            )),
            HttpError::Timeout => ConnectorError::transient("the vendor did not answer in time"),
            HttpError::Connect(why) => ConnectorError::transient(format!("could not reach the vendor: {why}")),
            HttpError::Tls(why) => ConnectorError::config(format!(
                "the TLS handshake with the vendor failed ({why}); check the install's CA or self-signed setting"
            )),
            HttpError::TooLarge(cap) => {
                ConnectorError::permanent(format!("an HTTP body exceeded the host's cap of {cap} bytes"))
            }
            HttpError::Invalid(why) => ConnectorError::permanent(format!("invalid HTTP request: {why}")),
        }
    }
}

/// SQL Server error numbers that say more than "the statement failed".
mod sql_server {
    /// Login failed.
    pub const LOGIN_FAILED: u32 = 18456;
    /// The SELECT / EXECUTE / ... permission was denied.
    pub const PERMISSION_DENIED: &[u32] = &[229, 230, 262, 297, 300];
    /// Unique index or constraint violation.
    pub const DUPLICATE_KEY: &[u32] = &[2601, 2627];
    /// Deadlock victim, lock timeout: the next attempt will likely succeed.
    pub const RETRYABLE: &[u32] = &[1205, 1222];
}

impl From<SqlError> for ConnectorError {
    fn from(error: SqlError) -> Self {
        match error {
            SqlError::Denied(why) => ConnectorError::config(format!(
                "the host refused the SQL connection ({why}); map the label to a DSN in the install"
            )),
            SqlError::Connect(why) => ConnectorError::transient(format!("could not reach the database: {why}")),
            SqlError::Login(e) => ConnectorError::auth(format!("the database refused the login: {}", e.message)),
            SqlError::Server(e) => {
                let message = format!("the database raised error {}: {}", e.number, e.message);
                if e.number == sql_server::LOGIN_FAILED || sql_server::PERMISSION_DENIED.contains(&e.number) {
                    ConnectorError::auth(message)
                } else if sql_server::DUPLICATE_KEY.contains(&e.number) {
                    ConnectorError::conflict(message)
                } else if sql_server::RETRYABLE.contains(&e.number) {
                    ConnectorError::transient(message)
                } else {
                    ConnectorError::permanent(message)
                }
            }
            SqlError::Timeout => ConnectorError::transient("the database did not answer in time"),
            SqlError::TooLarge(cap) => {
                ConnectorError::permanent(format!("a SQL payload exceeded the host's cap of {cap} bytes"))
            }
        }
    }
}

impl From<SecretsError> for ConnectorError {
    fn from(error: SecretsError) -> Self {
        match error {
            SecretsError::NotFound(name) => {
                ConnectorError::config(format!("the secret {name:?} is not set for this install"))
            }
            SecretsError::Invalid(why) => ConnectorError::permanent(format!("invalid secret name: {why}")),
        }
    }
}

impl From<KvError> for ConnectorError {
    fn from(error: KvError) -> Self {
        match error {
            KvError::TooLarge(cap) => {
                ConnectorError::permanent(format!("a kv key or value exceeded the host's cap of {cap} bytes"))
            }
            KvError::Exhausted => {
                ConnectorError::config("every number of the configured range is in use; widen the range in the install")
            }
            KvError::Invalid(why) => ConnectorError::config(format!("invalid number pool: {why}")),
            KvError::Unavailable(why) => ConnectorError::transient(format!("the host's store is unavailable: {why}")),
        }
    }
}
