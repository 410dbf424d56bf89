//! Entity types: the names the `q` language uses and the numbers report rows use.

use serde::{Deserialize, Serialize};

/// The entity types the simulator knows (numbers from the SDK's `EntityType` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityType {
    Area,
    Cardholder,
    CardholderGroup,
    Credential,
    Door,
    Partition,
    SystemConfiguration,
    User,
    Visitor,
}

impl EntityType {
    pub const ALL: [EntityType; 9] = [
        EntityType::Area,
        EntityType::Cardholder,
        EntityType::CardholderGroup,
        EntityType::Credential,
        EntityType::Door,
        EntityType::Partition,
        EntityType::SystemConfiguration,
        EntityType::User,
        EntityType::Visitor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntityType::Area => "Area",
            EntityType::Cardholder => "Cardholder",
            EntityType::CardholderGroup => "CardholderGroup",
            EntityType::Credential => "Credential",
            EntityType::Door => "Door",
            EntityType::Partition => "Partition",
            EntityType::SystemConfiguration => "SystemConfiguration",
            EntityType::User => "User",
            EntityType::Visitor => "Visitor",
        }
    }

    pub fn number(self) -> u32 {
        match self {
            EntityType::Area => 5,
            EntityType::Cardholder => 7,
            EntityType::CardholderGroup => 8,
            EntityType::Credential => 9,
            EntityType::Door => 11,
            EntityType::Partition => 15,
            EntityType::SystemConfiguration => 16,
            EntityType::User => 20,
            EntityType::Visitor => 22,
        }
    }

    /// Type names are case-insensitive (`EntityTypes@Cardholdergroup` works, spec §3.2).
    pub fn parse(name: &str) -> Option<EntityType> {
        let name = name.trim();
        EntityType::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(name))
    }

    /// Whether `NewEntity(T)` can create this type in the simulator.
    pub fn creatable(self) -> bool {
        !matches!(self, EntityType::SystemConfiguration | EntityType::User)
    }
}
