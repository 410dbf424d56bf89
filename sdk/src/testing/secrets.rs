//! The install's secrets.

use super::{current, FakeHost};
use crate::secrets::SecretsError;

impl FakeHost {
    pub fn set_secret(&self, name: &str, value: &str) -> &Self {
        self.state.secrets.borrow_mut().insert(name.to_string(), value.to_string());
        self
    }
}

pub(crate) fn get(name: &str) -> Result<String, SecretsError> {
    if name.is_empty() {
        return Err(SecretsError::Invalid("a secret name cannot be empty".into()));
    }
    current().secrets.borrow().get(name).cloned().ok_or_else(|| SecretsError::NotFound(name.to_string()))
}
