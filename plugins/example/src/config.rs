//! The install configuration. Its JSON Schema (`config.schema.json`) is what the operator's
//! set-up form is built from; this struct is what the code reads. Keep the two in step.

use gatehouse_sdk::ConnectorError;
use serde::Deserialize;

pub const SCHEMA: &str = include_str!("config.schema.json");

/// The secret holding the PACS API token; listed in the manifest's `required_secrets`.
pub const API_TOKEN_SECRET: &str = "api-token";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The PACS REST API root, without a trailing slash.
    pub base_url: String,
    pub card_range: CardRange,
    #[serde(default)]
    pub facility_code: u32,
}

/// The card numbers this install may hand out, inclusive.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct CardRange {
    pub first: u64,
    pub last: u64,
}

impl Config {
    /// Checks what the schema cannot express. Every action calls this first, so a bad
    /// configuration fails with a `config` error before anything reaches the PACS.
    pub fn checked(self) -> Result<Self, ConnectorError> {
        if self.card_range.first > self.card_range.last {
            return Err(ConnectorError::config(format!(
                "card_range.first ({}) is greater than card_range.last ({})",
                self.card_range.first, self.card_range.last
            )));
        }
        Ok(Config { base_url: self.base_url.trim_end_matches('/').to_string(), ..self })
    }

    /// An absolute URL below the API root.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}
