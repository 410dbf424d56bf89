//! Access events: what a badge swipe leaves behind, in the activity reports and on the
//! event stream.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::status::format_date;

/// Access event types with their SDK `EventType` numbers (spec §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AccessEventType {
    AccessGranted,
    AccessRefused,
    AccessUnknownCredential,
    AccessUnassignedCredential,
    AccessExpiredCredential,
    AccessInactiveCredential,
    AccessInactivePerson,
}

impl AccessEventType {
    pub const ALL: [AccessEventType; 7] = [
        AccessEventType::AccessGranted,
        AccessEventType::AccessRefused,
        AccessEventType::AccessUnknownCredential,
        AccessEventType::AccessUnassignedCredential,
        AccessEventType::AccessExpiredCredential,
        AccessEventType::AccessInactiveCredential,
        AccessEventType::AccessInactivePerson,
    ];

    pub fn number(self) -> u32 {
        match self {
            AccessEventType::AccessUnknownCredential => 33,
            AccessEventType::AccessUnassignedCredential => 34,
            AccessEventType::AccessGranted => 35,
            AccessEventType::AccessRefused => 36,
            AccessEventType::AccessExpiredCredential => 37,
            AccessEventType::AccessInactiveCredential => 40,
            AccessEventType::AccessInactivePerson => 41,
        }
    }

    pub fn name(self) -> String {
        format!("{self:?}")
    }

    /// By name (any case) or by number.
    pub fn parse(text: &str) -> Option<AccessEventType> {
        let text = text.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(text) || text.parse::<u32>().ok() == Some(t.number()))
    }
}

/// One access event at a door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEvent {
    pub timestamp: DateTime<Utc>,
    pub event_type: AccessEventType,
    pub door: Uuid,
    #[serde(default)]
    pub cardholder: Option<Uuid>,
    #[serde(default)]
    pub credential: Option<Uuid>,
}

fn guid_text(guid: Option<Uuid>) -> String {
    guid.unwrap_or(Uuid::nil()).to_string()
}

impl AccessEvent {
    /// A DoorActivity row: integer `EventType` and the §7 columns.
    ///
    /// ASSUMPTION: the columns beyond Timestamp, EventType, SourceGuid, CardholderGuid
    /// and AccessPointGroupGuid appear in JSON, with the nil GUID / empty text where
    /// the simulator has nothing to put [I].
    pub fn to_row(&self) -> serde_json::Value {
        serde_json::json!({
            "Timestamp": format_date(self.timestamp),
            "EventType": self.event_type.number(),
            "SourceGuid": self.door.to_string(),
            "CardholderGuid": guid_text(self.cardholder),
            "AccessPointGroupGuid": self.door.to_string(),
            "CredentialGuid": guid_text(self.credential),
            "Credential2Guid": guid_text(None),
            "APGuid": guid_text(None),
            "UnitGuid": guid_text(None),
            "DeviceGuid": guid_text(None),
            "TimeZone": "UTC",
            "OccurrencePeriod": 0,
            "CustomEventMessage": "",
        })
    }

    /// The `Result` of an event on the stream.
    ///
    /// ASSUMPTION: `EventType` is the name (`ToString()` in Genetec's sample), and the
    /// stream adds `CardholderGuid`/`CredentialGuid` after the confirmed
    /// `EventType`, `Timestamp`, `SourceGuid` [I].
    pub fn to_stream_result(&self) -> serde_json::Value {
        serde_json::json!({
            "EventType": self.event_type.name(),
            "Timestamp": self.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "SourceGuid": self.door.to_string(),
            "CardholderGuid": guid_text(self.cardholder),
            "CredentialGuid": guid_text(self.credential),
        })
    }
}
