//! Custom field definitions and typed values (spec §5.5).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::entity_type::EntityType;
use super::status::format_date;
use crate::query::{parse_bool, parse_date_time, parse_guid};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataType {
    Text,
    Numeric,
    Boolean,
    DateTime,
    Date,
    Decimal,
    Image,
    Entity,
}

impl DataType {
    pub fn parse(name: &str) -> Option<DataType> {
        use DataType::*;
        [Text, Numeric, Boolean, DateTime, Date, Decimal, Image, Entity]
            .into_iter()
            .find(|t| format!("{t:?}").eq_ignore_ascii_case(name.trim()))
    }

    /// Converts client text into the stored JSON value, or says why it cannot.
    pub fn coerce(self, text: &str) -> Result<serde_json::Value, String> {
        let text = text.trim();
        let bad = || format!("'{text}' is not a valid {self:?} value");
        Ok(match self {
            DataType::Text | DataType::Image => serde_json::Value::String(text.to_string()),
            DataType::Numeric => serde_json::Value::from(text.parse::<i64>().map_err(|_| bad())?),
            DataType::Decimal => serde_json::Value::from(text.parse::<f64>().map_err(|_| bad())?),
            DataType::Boolean => serde_json::Value::Bool(parse_bool(text).ok_or_else(bad)?),
            DataType::DateTime => serde_json::Value::String(format_date(parse_date_time(text).ok_or_else(bad)?)),
            DataType::Date => {
                let date = parse_date_time(text).ok_or_else(bad)?;
                serde_json::Value::String(date.format("%Y-%m-%d").to_string())
            }
            DataType::Entity => serde_json::Value::String(parse_guid(text).ok_or_else(bad)?.to_string()),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldDefinition {
    pub guid: Uuid,
    pub name: String,
    pub entity_type: EntityType,
    pub data_type: DataType,
    #[serde(default)]
    pub default_value: serde_json::Value,
}

impl CustomFieldDefinition {
    /// A row of `entity=…0007,CustomFields`.
    ///
    /// ASSUMPTION: definitions read back as objects with these names [I].
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "Guid": self.guid.to_string(),
            "Name": self.name,
            "EntityType": self.entity_type.name(),
            "DataType": format!("{:?}", self.data_type),
            "DefaultValue": self.default_value,
        })
    }

    /// Value text matches the stored value (used by `CustomFields@CustomField(g,v)`).
    ///
    /// ASSUMPTION: text values compare case-insensitively, others by their canonical
    /// form [I].
    pub fn value_matches(&self, stored: &serde_json::Value, text: &str) -> bool {
        match (self.data_type.coerce(text), stored) {
            (Ok(serde_json::Value::String(wanted)), serde_json::Value::String(have)) => {
                wanted.eq_ignore_ascii_case(have)
            }
            (Ok(wanted), have) => &wanted == have,
            (Err(_), _) => false,
        }
    }
}
