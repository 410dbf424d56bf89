//! `gatehouse:connector/kv`: durable state private to the install.
//!
//! The capability checks sizes and ranges and scopes every operation to the
//! calling install; the [`KvStore`](crate::persistence::KvStore) behind it
//! makes each operation atomic and durable.

use crate::contract::bindings::gatehouse::connector::kv::{Host, KvError};
use crate::persistence::StoreError;
use crate::state::HostState;

/// Longest key or pool name, in bytes.
const MAX_KEY_BYTES: u64 = 1024;

impl From<StoreError> for KvError {
    fn from(error: StoreError) -> Self {
        KvError::Unavailable(error.0)
    }
}

impl HostState {
    fn check_key(&self, key: &str) -> Result<(), KvError> {
        if key.len() as u64 > MAX_KEY_BYTES {
            return Err(KvError::TooLarge(MAX_KEY_BYTES));
        }
        Ok(())
    }

    fn check_value(&self, value: Option<&[u8]>) -> Result<(), KvError> {
        let cap = self.env.grant.limits.payload_bytes;
        match value {
            Some(value) if value.len() as u64 > cap => Err(KvError::TooLarge(cap)),
            _ => Ok(()),
        }
    }

    fn check_pool(&self, pool: &str) -> Result<(), KvError> {
        if pool.is_empty() {
            return Err(KvError::Invalid("the pool name is empty".into()));
        }
        self.check_key(pool)
    }
}

/// Numbers are stored as SQL BIGINT, so they must fit an i64.
fn to_stored(number: u64) -> Result<i64, KvError> {
    i64::try_from(number).map_err(|_| KvError::Invalid(format!("{number} is above {}", i64::MAX)))
}

impl Host for HostState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<Vec<u8>>, KvError>> {
        if let Err(error) = self.check_key(&key) {
            return Ok(Err(error));
        }
        let env = &self.env;
        Ok(env.services.kv.get(&env.grant.scope, &key).await.map_err(KvError::from))
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<Result<(), KvError>> {
        if let Err(error) = self.check_key(&key).and_then(|()| self.check_value(Some(&value))) {
            return Ok(Err(error));
        }
        let env = &self.env;
        Ok(env.services.kv.set(&env.grant.scope, &key, &value).await.map_err(KvError::from))
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<Result<(), KvError>> {
        if let Err(error) = self.check_key(&key) {
            return Ok(Err(error));
        }
        let env = &self.env;
        Ok(env.services.kv.delete(&env.grant.scope, &key).await.map_err(KvError::from))
    }

    async fn compare_and_swap(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> wasmtime::Result<Result<bool, KvError>> {
        let checked = self
            .check_key(&key)
            .and_then(|()| self.check_value(expected.as_deref()))
            .and_then(|()| self.check_value(new.as_deref()));
        if let Err(error) = checked {
            return Ok(Err(error));
        }
        let env = &self.env;
        let swapped =
            env.services.kv.compare_and_swap(&env.grant.scope, &key, expected.as_deref(), new.as_deref()).await;
        Ok(swapped.map_err(KvError::from))
    }

    async fn allocate_unique(
        &mut self,
        pool: String,
        min: u64,
        max: u64,
        owner: String,
    ) -> wasmtime::Result<Result<u64, KvError>> {
        let range = self.check_pool(&pool).and_then(|()| {
            if min > max {
                return Err(KvError::Invalid(format!("min {min} is above max {max}")));
            }
            self.check_key(&owner)?;
            Ok(to_stored(min)?..=to_stored(max)?)
        });
        let range = match range {
            Ok(range) => range,
            Err(error) => return Ok(Err(error)),
        };
        let env = &self.env;
        let allocated = env.services.kv.allocate_unique(&env.grant.scope, &pool, range, &owner).await;
        Ok(match allocated {
            // Stored numbers came from a range of non-negative u64 bounds.
            Ok(Some(number)) => Ok(number as u64),
            Ok(None) => Err(KvError::Exhausted),
            Err(error) => Err(error.into()),
        })
    }

    async fn reserve_unique(&mut self, pool: String, number: u64) -> wasmtime::Result<Result<(), KvError>> {
        let number = match self.check_pool(&pool).and_then(|()| to_stored(number)) {
            Ok(number) => number,
            Err(error) => return Ok(Err(error)),
        };
        let env = &self.env;
        Ok(env.services.kv.reserve_unique(&env.grant.scope, &pool, number).await.map_err(KvError::from))
    }

    async fn release_unique(&mut self, pool: String, number: u64) -> wasmtime::Result<Result<(), KvError>> {
        let number = match self.check_pool(&pool).and_then(|()| to_stored(number)) {
            Ok(number) => number,
            Err(error) => return Ok(Err(error)),
        };
        let env = &self.env;
        Ok(env.services.kv.release_unique(&env.grant.scope, &pool, number).await.map_err(KvError::from))
    }
}
