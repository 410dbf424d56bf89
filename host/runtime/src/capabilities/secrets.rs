//! `gatehouse:connector/secrets`: the install's own secrets, as opaque handles.
//!
//! `get` looks only in the calling install's scope, so another install's
//! secret is simply "not found". The value enters the component only through
//! `secret.reveal`, right where the connector needs it.

use wasmtime::component::Resource;

use crate::contract::bindings::gatehouse::connector::secrets::{Host, HostSecret, SecretsError};
use crate::errors::HostFault;
use crate::sealing::{is_valid_secret_name, SecretValue};
use crate::state::HostState;

/// What a `secret` resource handle points to in the call's resource table.
pub struct SecretHandle(SecretValue);

impl Host for HostState {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<Resource<SecretHandle>, SecretsError>> {
        if !is_valid_secret_name(&name) {
            return Ok(Err(SecretsError::Invalid(name)));
        }
        let revealed = self.env.services.secrets.reveal(&self.env.grant.scope, &name).await;
        match revealed {
            Ok(Some(value)) => Ok(Ok(self.table.push(SecretHandle(value))?)),
            Ok(None) => Ok(Err(SecretsError::NotFound(name))),
            // The store or the master key failed: not the connector's fault,
            // and not something it could handle, so the call fails as a host fault.
            Err(error) => Err(wasmtime::Error::new(HostFault(error.to_string()))),
        }
    }
}

impl HostSecret for HostState {
    async fn reveal(&mut self, secret: Resource<SecretHandle>) -> wasmtime::Result<String> {
        Ok(self.table.get(&secret)?.0.expose().to_owned())
    }

    async fn drop(&mut self, secret: Resource<SecretHandle>) -> wasmtime::Result<()> {
        self.table.delete(secret)?;
        Ok(())
    }
}
