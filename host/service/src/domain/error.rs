//! Error vocabulary shared by every layer: what broke, and whether trying
//! again can help.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A value that would break a domain invariant.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DomainError {
    #[error("an access window must start before it ends (starts {starts_at}, ends {ends_at})")]
    EmptyWindow { starts_at: DateTime<Utc>, ends_at: DateTime<Utc> },
    #[error("unknown {what} `{value}`")]
    Unknown { what: &'static str, value: String },
}

/// Why a connector call failed; mirrors the contract's `error-kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// A passing fault (timeout, 5xx, vendor busy).
    Transient,
    /// The request can never succeed as it is.
    Permanent,
    /// The install is misconfigured; an operator must act.
    Config,
    /// The vendor refused our credentials; an operator must act.
    Auth,
    /// The vendor state conflicts; one retry after a re-read may resolve it.
    Conflict,
}

/// What the job engine does with a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try again later, within the retry budget.
    Retryable,
    /// Stop the job; retrying cannot help.
    Final,
}

impl ErrorKind {
    pub fn class(self) -> ErrorClass {
        match self {
            ErrorKind::Transient | ErrorKind::Conflict => ErrorClass::Retryable,
            ErrorKind::Permanent | ErrorKind::Config | ErrorKind::Auth => ErrorClass::Final,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Transient => "transient",
            ErrorKind::Permanent => "permanent",
            ErrorKind::Config => "config",
            ErrorKind::Auth => "auth",
            ErrorKind::Conflict => "conflict",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        Ok(match s {
            "transient" => ErrorKind::Transient,
            "permanent" => ErrorKind::Permanent,
            "config" => ErrorKind::Config,
            "auth" => ErrorKind::Auth,
            "conflict" => ErrorKind::Conflict,
            other => return Err(DomainError::Unknown { what: "error kind", value: other.into() }),
        })
    }
}
