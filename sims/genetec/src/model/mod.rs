//! The Security Center directory the simulator serves: entities, users, licence,
//! custom fields and the access-event log, plus the lookups every endpoint needs.
//!
//! A `Directory` is plain data: fixtures, state files and the `/_sim/state` dump are
//! all this one serde shape, and a request works on a copy that replaces the original
//! only when the whole request succeeded.

pub mod activity;
pub mod credentials;
pub mod custom_fields;
pub mod entities;
pub mod entity_type;
mod guid_map;
pub mod status;
pub mod users;
mod validate;
pub mod well_known;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use activity::{AccessEvent, AccessEventType};
pub use credentials::{CredentialFormat, WiegandFormat};
pub use custom_fields::{CustomFieldDefinition, DataType};
pub use entities::{Area, Cardholder, CardholderGroup, Credential, Door, Header, Partition, Person, Visitor};
pub use entity_type::EntityType;
pub use status::{State, Status};
pub use users::{Licence, LicensePart, Privilege, User};

use crate::query::EntityRef;

/// System-wide settings that change validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemSettings {
    /// The configured minimum PIN length (spec §5.3).
    #[serde(default = "default_min_pin_length")]
    pub min_pin_length: usize,
}

fn default_min_pin_length() -> usize {
    4
}

impl Default for SystemSettings {
    fn default() -> Self {
        SystemSettings { min_pin_length: default_min_pin_length() }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Directory {
    #[serde(default)]
    pub system: SystemSettings,
    #[serde(default)]
    pub licence: Licence,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldDefinition>,
    #[serde(default, with = "guid_map")]
    pub partitions: BTreeMap<Uuid, Partition>,
    #[serde(default, with = "guid_map")]
    pub areas: BTreeMap<Uuid, Area>,
    #[serde(default, with = "guid_map")]
    pub doors: BTreeMap<Uuid, Door>,
    #[serde(default, with = "guid_map")]
    pub cardholder_groups: BTreeMap<Uuid, CardholderGroup>,
    #[serde(default, with = "guid_map")]
    pub cardholders: BTreeMap<Uuid, Cardholder>,
    #[serde(default, with = "guid_map")]
    pub visitors: BTreeMap<Uuid, Visitor>,
    /// Visitors archived by `Checkout()`; no longer readable through the entity API.
    #[serde(default, with = "guid_map")]
    pub archived_visitors: BTreeMap<Uuid, Visitor>,
    #[serde(default, with = "guid_map")]
    pub credentials: BTreeMap<Uuid, Credential>,
    /// Every access event, oldest first (DoorActivity and friends read this).
    #[serde(default)]
    pub door_activity: Vec<AccessEvent>,
}

impl Directory {
    /// Checks every constraint the API enforces, for fixtures and state files.
    pub fn validate(&self) -> Result<(), String> {
        validate::validate(self)
    }

    pub fn entity_type(&self, guid: Uuid) -> Option<EntityType> {
        let found = [
            (self.partitions.contains_key(&guid), EntityType::Partition),
            (self.areas.contains_key(&guid), EntityType::Area),
            (self.doors.contains_key(&guid), EntityType::Door),
            (self.cardholder_groups.contains_key(&guid), EntityType::CardholderGroup),
            (self.cardholders.contains_key(&guid), EntityType::Cardholder),
            (self.visitors.contains_key(&guid), EntityType::Visitor),
            (self.credentials.contains_key(&guid), EntityType::Credential),
            (guid == well_known::SYSTEM_CONFIGURATION, EntityType::SystemConfiguration),
        ];
        found.into_iter().find(|(present, _)| *present).map(|(_, t)| t)
    }

    pub fn header(&self, guid: Uuid) -> Option<&Header> {
        use entities::Keyed;
        None.or_else(|| self.partitions.get(&guid).map(Keyed::header))
            .or_else(|| self.areas.get(&guid).map(Keyed::header))
            .or_else(|| self.doors.get(&guid).map(Keyed::header))
            .or_else(|| self.cardholder_groups.get(&guid).map(Keyed::header))
            .or_else(|| self.cardholders.get(&guid).map(Keyed::header))
            .or_else(|| self.visitors.get(&guid).map(Keyed::header))
            .or_else(|| self.credentials.get(&guid).map(Keyed::header))
    }

    pub fn header_mut(&mut self, guid: Uuid) -> Option<&mut Header> {
        use entities::Keyed;
        if let Some(e) = self.partitions.get_mut(&guid) {
            return Some(e.header_mut());
        }
        if let Some(e) = self.areas.get_mut(&guid) {
            return Some(e.header_mut());
        }
        if let Some(e) = self.doors.get_mut(&guid) {
            return Some(e.header_mut());
        }
        if let Some(e) = self.cardholder_groups.get_mut(&guid) {
            return Some(e.header_mut());
        }
        if let Some(e) = self.cardholders.get_mut(&guid) {
            return Some(e.header_mut());
        }
        if let Some(e) = self.visitors.get_mut(&guid) {
            return Some(e.header_mut());
        }
        self.credentials.get_mut(&guid).map(Keyed::header_mut)
    }

    /// Every stored entity with its type (the system configuration excluded).
    pub fn headers(&self) -> Vec<(EntityType, &Header)> {
        use entities::Keyed;
        let mut all: Vec<(EntityType, &Header)> = Vec::new();
        all.extend(self.partitions.values().map(|e| (EntityType::Partition, e.header())));
        all.extend(self.areas.values().map(|e| (EntityType::Area, e.header())));
        all.extend(self.doors.values().map(|e| (EntityType::Door, e.header())));
        all.extend(self.cardholder_groups.values().map(|e| (EntityType::CardholderGroup, e.header())));
        all.extend(self.cardholders.values().map(|e| (EntityType::Cardholder, e.header())));
        all.extend(self.visitors.values().map(|e| (EntityType::Visitor, e.header())));
        all.extend(self.credentials.values().map(|e| (EntityType::Credential, e.header())));
        all
    }

    /// Resolves a GUID or `LogicalId(Type,n)` to a stored entity.
    pub fn resolve(&self, reference: &EntityRef) -> Option<Uuid> {
        match reference {
            EntityRef::Guid(guid) => self.entity_type(*guid).map(|_| *guid),
            EntityRef::LogicalId { entity_type, id } => {
                let wanted = EntityType::parse(entity_type)?;
                self.headers().into_iter().find(|(t, h)| *t == wanted && h.logical_id == Some(*id)).map(|(_, h)| h.guid)
            }
        }
    }

    /// The cardholder or visitor part of a person entity.
    pub fn person(&self, guid: Uuid) -> Option<&Person> {
        self.cardholders.get(&guid).map(|c| &c.person).or_else(|| self.visitors.get(&guid).map(|v| &v.person))
    }

    pub fn person_mut(&mut self, guid: Uuid) -> Option<&mut Person> {
        match self.cardholders.get_mut(&guid) {
            Some(c) => Some(&mut c.person),
            None => self.visitors.get_mut(&guid).map(|v| &mut v.person),
        }
    }

    pub fn groups_of(&self, person: Uuid) -> Vec<Uuid> {
        self.cardholder_groups.values().filter(|g| g.members.contains(&person)).map(|g| g.header.guid).collect()
    }

    pub fn credentials_of(&self, person: Uuid) -> Vec<Uuid> {
        self.credentials.values().filter(|c| c.cardholder == Some(person)).map(|c| c.header.guid).collect()
    }

    pub fn custom_field(&self, entity_type: EntityType, name: &str) -> Option<&CustomFieldDefinition> {
        self.custom_fields.iter().find(|f| f.entity_type == entity_type && f.name.eq_ignore_ascii_case(name.trim()))
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        // ASSUMPTION: user names are case-insensitive, passwords are not [I].
        self.users.iter().find(|u| u.name.eq_ignore_ascii_case(name))
    }

    /// Removes an entity and every relation pointing at it.
    ///
    /// ASSUMPTION: deleting a cardholder unassigns its credentials (they survive),
    /// and deleting a credential or person drops its memberships [I].
    pub fn remove_entity(&mut self, guid: Uuid) -> bool {
        let removed = self.partitions.remove(&guid).is_some()
            || self.areas.remove(&guid).is_some()
            || self.doors.remove(&guid).is_some()
            || self.cardholder_groups.remove(&guid).is_some()
            || self.cardholders.remove(&guid).is_some()
            || self.visitors.remove(&guid).is_some()
            || self.credentials.remove(&guid).is_some();
        if removed {
            self.detach(guid);
        }
        removed
    }

    /// Drops memberships and credential ownership of an entity that left the directory.
    pub fn detach(&mut self, guid: Uuid) {
        for group in self.cardholder_groups.values_mut() {
            group.members.remove(&guid);
        }
        for credential in self.credentials.values_mut().filter(|c| c.cardholder == Some(guid)) {
            credential.cardholder = None;
        }
        for door in self.doors.values_mut() {
            door.access_groups.remove(&guid);
            if door.area == Some(guid) {
                door.area = None;
            }
        }
    }
}
