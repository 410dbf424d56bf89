//! Durable key/value state private to the install, and unique-number pools.
//!
//! Connectors keep no memory between calls, so everything that must survive a crash or a retry
//! (which PACS id belongs to which person, which card number was issued) lives here.

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use crate::bindings::gatehouse::connector::kv::KvError;
use crate::ConnectorError;

#[cfg(target_arch = "wasm32")]
use crate::bindings::gatehouse::connector::kv as backend;
#[cfg(not(target_arch = "wasm32"))]
use crate::testing::kv as backend;

pub fn get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    backend::get(key)
}

pub fn set(key: &str, value: &[u8]) -> Result<(), KvError> {
    backend::set(key, value)
}

pub fn delete(key: &str) -> Result<(), KvError> {
    backend::delete(key)
}

/// Writes `new` only if the current value equals `expected` (`None` = absent; a `new` of `None`
/// deletes). Returns whether it wrote.
pub fn compare_and_swap(key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool, KvError> {
    backend::compare_and_swap(key, expected, new)
}

/// Hands out the lowest free number of `pool` in `[min, max]` to `owner`; the same owner gets
/// the same number again. `Exhausted` when every number is in use.
pub fn allocate_unique(pool: &str, min: u64, max: u64, owner: &str) -> Result<u64, KvError> {
    backend::allocate_unique(pool, min, max, owner)
}

/// Marks a number found taken in the PACS itself, so allocation skips it.
pub fn reserve_unique(pool: &str, number: u64) -> Result<(), KvError> {
    backend::reserve_unique(pool, number)
}

/// Returns a number to its pool.
pub fn release_unique(pool: &str, number: u64) -> Result<(), KvError> {
    backend::release_unique(pool, number)
}

/// Reads a UTF-8 string value.
pub fn get_string(key: &str) -> Result<Option<String>, ConnectorError> {
    match get(key)? {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| ConnectorError::permanent(format!("kv value {key:?} is not UTF-8 text"))),
    }
}

/// Reads a JSON value written by [`set_json`].
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, ConnectorError> {
    match get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ConnectorError::permanent(format!("kv value {key:?} is not the JSON we wrote: {e}"))),
    }
}

/// Writes `value` as JSON.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<(), ConnectorError> {
    let bytes = serde_json::to_vec(value).expect("serialising a kv value to JSON cannot fail");
    Ok(set(key, &bytes)?)
}
