//! The install's key/value store and number pools, with the host's semantics.

use std::collections::{BTreeMap, VecDeque};

use super::{current, FakeHost};
use crate::kv::KvError;

#[derive(Default)]
pub(crate) struct KvFake {
    values: BTreeMap<String, Vec<u8>>,
    /// pool -> number -> owner (`None` for numbers reserved because the PACS has them).
    pools: BTreeMap<String, BTreeMap<u64, Option<String>>>,
    failures: VecDeque<KvError>,
}

impl FakeHost {
    pub fn kv_value(&self, key: &str) -> Option<Vec<u8>> {
        self.state.kv.borrow().values.get(key).cloned()
    }

    pub fn set_kv(&self, key: &str, value: impl Into<Vec<u8>>) -> &Self {
        self.state.kv.borrow_mut().values.insert(key.to_string(), value.into());
        self
    }

    /// Makes the next kv call fail with `error` (queue several for several calls).
    pub fn fail_next_kv(&self, error: KvError) -> &Self {
        self.state.kv.borrow_mut().failures.push_back(error);
        self
    }

    /// The numbers of `pool` in use, ascending.
    pub fn pool_in_use(&self, pool: &str) -> Vec<u64> {
        self.state.kv.borrow().pools.get(pool).map(|p| p.keys().copied().collect()).unwrap_or_default()
    }
}

/// Runs `op` on the store unless a failure was queued.
fn with_store<T>(op: impl FnOnce(&mut KvFake) -> Result<T, KvError>) -> Result<T, KvError> {
    let state = current();
    let mut fake = state.kv.borrow_mut();
    match fake.failures.pop_front() {
        Some(error) => Err(error),
        None => op(&mut fake),
    }
}

pub(crate) fn get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    with_store(|kv| Ok(kv.values.get(key).cloned()))
}

pub(crate) fn set(key: &str, value: &[u8]) -> Result<(), KvError> {
    with_store(|kv| {
        kv.values.insert(key.to_string(), value.to_vec());
        Ok(())
    })
}

pub(crate) fn delete(key: &str) -> Result<(), KvError> {
    with_store(|kv| {
        kv.values.remove(key);
        Ok(())
    })
}

pub(crate) fn compare_and_swap(key: &str, expected: Option<&[u8]>, new: Option<&[u8]>) -> Result<bool, KvError> {
    with_store(|kv| {
        if kv.values.get(key).map(Vec::as_slice) != expected {
            return Ok(false);
        }
        match new {
            Some(value) => kv.values.insert(key.to_string(), value.to_vec()),
            None => kv.values.remove(key),
        };
        Ok(true)
    })
}

pub(crate) fn allocate_unique(pool: &str, min: u64, max: u64, owner: &str) -> Result<u64, KvError> {
    check_pool(pool)?;
    if min > max {
        return Err(KvError::Invalid(format!("min {min} is greater than max {max}")));
    }
    with_store(|kv| {
        let numbers = kv.pools.entry(pool.to_string()).or_default();
        if let Some((&held, _)) = numbers.iter().find(|(_, o)| o.as_deref() == Some(owner)) {
            return Ok(held);
        }
        let free = (min..=max).find(|n| !numbers.contains_key(n)).ok_or(KvError::Exhausted)?;
        numbers.insert(free, Some(owner.to_string()));
        Ok(free)
    })
}

pub(crate) fn reserve_unique(pool: &str, number: u64) -> Result<(), KvError> {
    check_pool(pool)?;
    with_store(|kv| {
        kv.pools.entry(pool.to_string()).or_default().entry(number).or_insert(None);
        Ok(())
    })
}

pub(crate) fn release_unique(pool: &str, number: u64) -> Result<(), KvError> {
    check_pool(pool)?;
    with_store(|kv| {
        if let Some(numbers) = kv.pools.get_mut(pool) {
            numbers.remove(&number);
        }
        Ok(())
    })
}

fn check_pool(pool: &str) -> Result<(), KvError> {
    if pool.is_empty() {
        return Err(KvError::Invalid("the pool name is empty".into()));
    }
    Ok(())
}
