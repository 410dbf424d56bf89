//! The install's secrets, revealed only where they are used.

use std::fmt;

pub use crate::bindings::gatehouse::connector::secrets::SecretsError;

/// An opaque handle to one secret of this install. Holding it reveals nothing, and its `Debug`
/// output never contains the value; call [`Secret::reveal`] right where the value is needed.
pub struct Secret {
    #[cfg(target_arch = "wasm32")]
    inner: crate::bindings::gatehouse::connector::secrets::Secret,
    #[cfg(not(target_arch = "wasm32"))]
    value: String,
    name: String,
}

/// Looks up a secret of this install by name ("api-token", "password").
pub fn get(name: &str) -> Result<Secret, SecretsError> {
    #[cfg(target_arch = "wasm32")]
    {
        crate::bindings::gatehouse::connector::secrets::get(name).map(|inner| Secret { inner, name: name.to_string() })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        crate::testing::secrets::get(name).map(|value| Secret { value, name: name.to_string() })
    }
}

impl Secret {
    /// The secret's value. Use it at once; never store it, log it or put it in an outcome.
    pub fn reveal(&self) -> String {
        #[cfg(target_arch = "wasm32")]
        {
            self.inner.reveal()
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.value.clone()
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({:?}, <redacted>)", self.name)
    }
}
