//! Parsed policies, kept by install and version. A stored version never changes, so a parse
//! is reused until the install's policy moves on to a new version; work that reads policies on
//! every round (occupancy's badge poll) parses each version once.

use super::{parse, Policy, PolicyErrors};
use crate::domain::{InstallId, TenantId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct PolicyCache {
    parsed: Arc<Mutex<HashMap<(TenantId, InstallId), Parsed>>>,
}

struct Parsed {
    version: i64,
    policy: Result<Arc<Policy>, PolicyErrors>,
}

impl PolicyCache {
    /// The install's policy at `version`, parsed from `source` unless that version was parsed
    /// before. One entry per install: a new version replaces the old.
    pub fn get(
        &self,
        tenant: &TenantId,
        install: &InstallId,
        version: i64,
        source: &str,
    ) -> Result<Arc<Policy>, PolicyErrors> {
        let key = (tenant.clone(), install.clone());
        let mut parsed = self.parsed.lock().expect("the policy cache lock is never poisoned");
        if let Some(entry) = parsed.get(&key).filter(|entry| entry.version == version) {
            return entry.policy.clone();
        }
        let policy = parse(source).map(Arc::new);
        parsed.insert(key, Parsed { version, policy: policy.clone() });
        policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTO: &str = "[employees]\nmode = \"auto-check-in\"\n";

    #[test]
    fn a_version_is_parsed_once_and_a_new_version_replaces_it() {
        let cache = PolicyCache::default();
        let (tenant, install) = (TenantId::new("acme"), InstallId::new("hq"));
        let first = cache.get(&tenant, &install, 1, AUTO).unwrap();
        // The same version is not parsed again, whatever the source says now.
        let again = cache.get(&tenant, &install, 1, "not toml at all").unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(cache.get(&tenant, &install, 2, "not toml at all").is_err(), "version 2 is parsed afresh");
        assert!(cache.get(&tenant, &install, 1, "not toml at all").is_err(), "one entry per install: 1 was replaced");
    }
}
