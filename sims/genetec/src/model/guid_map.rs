//! Serde adapter: a GUID-keyed map written as a plain list of records, so fixtures
//! read naturally and a record's GUID is stated once.

use std::collections::BTreeMap;

use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::entities::Keyed;

pub fn serialize<T: Serialize, S: Serializer>(map: &BTreeMap<Uuid, T>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(map.values())
}

pub fn deserialize<'de, T, D>(deserializer: D) -> Result<BTreeMap<Uuid, T>, D::Error>
where
    T: Deserialize<'de> + Keyed,
    D: Deserializer<'de>,
{
    let mut map = BTreeMap::new();
    for record in Vec::<T>::deserialize(deserializer)? {
        let guid = record.header().guid;
        if map.insert(guid, record).is_some() {
            return Err(D::Error::custom(format!("GUID {guid} appears twice")));
        }
    }
    Ok(map)
}
