//! The `q=` mini-language of the entity, report, events and action endpoints.
//!
//! The query string is URL-decoded first (`+` is a space), then tokenized
//! ([`lexer`]) and parsed ([`parser`]) into a generic [`ast`]; what a property or a
//! method means is decided later, by the entity and report code.

pub mod ast;
pub mod form;
pub mod lexer;
pub mod parser;
pub mod scalars;

pub use ast::{EntityQuery, EntityRef, Op, OpKind, Path, Segment, Target, Value};
pub use form::Form;
pub use parser::{parse_entity_query, parse_entity_ref, parse_ops};
pub use scalars::{parse_bool, parse_date_time, parse_guid, parse_time_span};

/// A query the parser cannot read. Becomes a `Fail` envelope, never an HTTP error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
}

impl QueryError {
    pub fn new(message: impl Into<String>) -> Self {
        QueryError { message: message.into() }
    }
}

/// The decoded value of the `q` parameter of a raw query string, if present.
///
/// ASSUMPTION: the server URL-decodes `q` before parsing and treats `+` as a space
/// (spec §3.2 [I, strong]); the parameter name is matched case-insensitively [I].
pub fn query_parameter(raw_query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(raw_query?.as_bytes())
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests;
