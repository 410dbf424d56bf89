//! The policy parameters each action accepts: the JSON Schemas published in the manifest, and
//! the types the actions read them into.

use gatehouse_sdk::{Call, ConnectorError};
use serde::Deserialize;

pub const NO_PARAMS: &str = r#"{"type": "object"}"#;

pub const ACCESS_CODE_PARAMS: &str = r#"{
  "type": "object",
  "required": ["access_codes"],
  "additionalProperties": false,
  "properties": {
    "access_codes": {
      "description": "Symmetry access code ids (AccessCodeID), from the \"access-codes\" list.",
      "type": "array",
      "items": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]}
    }
  }
}"#;

pub const ISSUE_CARD_PARAMS: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "facility_code": {
      "description": "Must equal the install's cards.facility_code when given: the card is created with it.",
      "type": "integer",
      "minimum": 0
    },
    "card_number": {
      "description": "A number the host allocated from its own pool. Symmetry's card is created by upsert-person from the connector's range (checked against Symmetry); the credential returned is that card.",
      "type": "integer",
      "minimum": 0
    },
    "format": {"description": "The host pool's format name; the card uses the install's cards.card_format.", "type": "string"}
  }
}"#;

pub const ISSUE_PIN_PARAMS: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "digits": {"description": "PIN length; 4 when not given.", "type": "integer", "minimum": 4, "maximum": 9}
  }
}"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessCodeParams {
    access_codes: Vec<serde_json::Value>,
}

impl AccessCodeParams {
    pub fn from_call(call: &Call) -> Result<Self, ConnectorError> {
        call.params()
    }

    /// The ids, accepting numbers and numeric strings (pickers hand out ids as strings).
    pub fn ids(&self) -> Result<Vec<i64>, ConnectorError> {
        self.access_codes
            .iter()
            .map(|value| {
                let id = match value {
                    serde_json::Value::Number(n) => n.as_i64(),
                    serde_json::Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                id.filter(|id| *id >= 0)
                    .ok_or_else(|| ConnectorError::config(format!("{value} is not a Symmetry access code id")))
            })
            .collect()
    }
}

/// What `issue-card` reads; the host's `format` is accepted (see the schema) and not used.
#[derive(Debug, Default, Deserialize)]
pub struct IssueCardParams {
    pub facility_code: Option<u32>,
    pub card_number: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuePinParams {
    #[serde(default = "four")]
    pub digits: u32,
}

fn four() -> u32 {
    4
}

impl IssuePinParams {
    pub fn from_call(call: &Call) -> Result<Self, ConnectorError> {
        let params: IssuePinParams = call.params()?;
        if !(4..=9).contains(&params.digits) {
            return Err(ConnectorError::config(format!("a PIN has 4 to 9 digits, not {}", params.digits)));
        }
        Ok(params)
    }
}
