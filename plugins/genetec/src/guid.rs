//! Security Center's entity ids.
//!
//! The Web SDK writes GUIDs dashed, as 32 bare hex digits, or in braces, in any case
//! (spec §3.2). Parsing every form into one type, printed one way (lowercase, dashed),
//! lets us compare ids from different responses and store them in kv without
//! normalising by hand at each use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(Uuid);

impl Guid {
    /// The all-zero GUID: Security Center's "none" (an unassigned credential's owner,
    /// an empty `CardholderGuid` column).
    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }

    /// A well-known entity (spec §5: all `00000000-0000-0000-0000-0000000000xx`).
    pub const fn well_known(last_byte: u8) -> Guid {
        Guid(Uuid::from_u128(last_byte as u128))
    }
}

/// The system configuration entity, which carries the custom field definitions.
pub const SYSTEM_CONFIGURATION: Guid = Guid::well_known(0x07);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a GUID")]
pub struct NotAGuid(pub String);

impl FromStr for Guid {
    type Err = NotAGuid;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::try_parse(text.trim()).map(Guid).map_err(|_| NotAGuid(text.to_string()))
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_the_web_sdk_writes_parses_to_the_same_guid() {
        let dashed: Guid = "C9000000-0000-4000-8000-000000000001".parse().unwrap();
        let bare: Guid = "c9000000000040008000000000000001".parse().unwrap();
        let braced: Guid = "{c9000000-0000-4000-8000-000000000001}".parse().unwrap();
        assert_eq!(dashed, bare);
        assert_eq!(dashed, braced);
        assert_eq!(dashed.to_string(), "c9000000-0000-4000-8000-000000000001");
    }

    #[test]
    fn text_that_is_not_a_guid_is_refused() {
        assert!("lobby".parse::<Guid>().is_err());
        assert!("".parse::<Guid>().is_err());
    }
}
