//! The entity records the directory stores, as they appear in fixtures and state files.
//!
//! Relations have one owner each, so they cannot disagree: group membership lives in
//! the group (`members`), credential ownership in the credential (`cardholder`), and a
//! cardholder's `Groups` / `Credentials` are derived when read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::credentials::CredentialFormat;
use super::status::Status;
use super::well_known;

/// Base-class properties every entity has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub guid: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub logical_id: Option<u32>,
    /// ASSUMPTION: an entity sits in exactly one partition and `InsertIntoPartition`
    /// moves it there (S10 uses it that way) [I].
    #[serde(default = "well_known::root_partition")]
    pub partition: Uuid,
    #[serde(default = "fixture_epoch")]
    pub created_on: DateTime<Utc>,
    /// Values keyed by the custom field's name.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, serde_json::Value>,
}

fn fixture_epoch() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

impl Header {
    pub fn new(guid: Uuid, name: String, partition: Uuid, created_on: DateTime<Utc>) -> Self {
        Header {
            guid,
            name,
            description: String::new(),
            logical_id: None,
            partition,
            created_on,
            custom_fields: BTreeMap::new(),
        }
    }
}

/// What cardholders and visitors share (a Visitor is a Cardholder subclass).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Person {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub email_address: String,
    #[serde(default)]
    pub mobile_phone_number: String,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub can_escort: bool,
    /// The picture, base64 as `Picture` reads [C3 S9]; set by the multipart upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cardholder {
    #[serde(flatten)]
    pub header: Header,
    #[serde(flatten)]
    pub person: Person,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visitor {
    #[serde(flatten)]
    pub header: Header,
    #[serde(flatten)]
    pub person: Person,
    #[serde(default)]
    pub arrival: Option<DateTime<Utc>>,
    #[serde(default)]
    pub departure: Option<DateTime<Utc>>,
    #[serde(default)]
    pub checkin_date: Option<DateTime<Utc>>,
    /// Set when `Checkout()` archived the visitor.
    #[serde(default)]
    pub checkout_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    #[serde(flatten)]
    pub header: Header,
    pub format: CredentialFormat,
    /// The one cardholder or visitor holding it.
    #[serde(default)]
    pub cardholder: Option<Uuid>,
    #[serde(default)]
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardholderGroup {
    #[serde(flatten)]
    pub header: Header,
    #[serde(default)]
    pub members: BTreeSet<Uuid>,
    /// "Available for visitors" in Config Tool.
    #[serde(default)]
    pub visitor_group: bool,
    #[serde(default)]
    pub email_address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partition {
    #[serde(flatten)]
    pub header: Header,
}

/// An area; Envoy's "site" picker offers these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    #[serde(flatten)]
    pub header: Header,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Door {
    #[serde(flatten)]
    pub header: Header,
    #[serde(default)]
    pub area: Option<Uuid>,
    /// ASSUMPTION: stands in for access rules. When not empty, only members of one of
    /// these groups are granted at this door; when empty, every active cardholder with
    /// an active credential is [I].
    #[serde(default)]
    pub access_groups: BTreeSet<Uuid>,
}

/// Lets the directory's maps be written as lists keyed by each record's GUID.
pub trait Keyed {
    fn header(&self) -> &Header;
    fn header_mut(&mut self) -> &mut Header;
}

macro_rules! keyed {
    ($($ty:ty),*) => {$(
        impl Keyed for $ty {
            fn header(&self) -> &Header { &self.header }
            fn header_mut(&mut self) -> &mut Header { &mut self.header }
        }
    )*};
}
keyed!(Cardholder, Visitor, Credential, CardholderGroup, Partition, Area, Door);
