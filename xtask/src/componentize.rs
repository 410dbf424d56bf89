//! Core module -> component, and the check that a component imports only what it may.
//!
//! wit-bindgen embeds the world a guest was built against as a custom section, so
//! `ComponentEncoder` needs nothing but the module (and, for WASI fixtures, the preview1 adapter).

use anyhow::{bail, Context, Result};
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};
use wit_component::{ComponentEncoder, DecodedWasm};
use wit_parser::WorldKey;

use crate::route::WasmTarget;

/// The interface namespace our own components may import.
const CONTRACT_PREFIX: &str = "gatehouse:connector/";

/// Wraps a core module into a component.
pub fn componentize(module: &[u8], target: WasmTarget) -> Result<Vec<u8>> {
    let mut encoder = ComponentEncoder::default().validate(true).module(module)?;
    if target == WasmTarget::Wasip1 {
        encoder = encoder
            .adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER)?;
    }
    encoder.encode()
}

/// Returns the component's imports, failing when a non-WASI plugin imports anything outside the
/// Gatehouse contract (WASI fixtures may also import `wasi:` interfaces).
pub fn check_imports(component: &[u8], target: WasmTarget) -> Result<Vec<String>> {
    let decoded = wit_component::decode(component).context("decoding the component")?;
    let DecodedWasm::Component(resolve, world) = decoded else {
        bail!("expected a component, found a WIT package");
    };
    let imports: Vec<String> = resolve.worlds[world]
        .imports
        .keys()
        .map(|key| match key {
            WorldKey::Name(name) => name.clone(),
            WorldKey::Interface(id) => resolve.id_of(*id).unwrap_or_else(|| "<anonymous interface>".into()),
        })
        .collect();
    let allowed = |name: &str| {
        name.starts_with(CONTRACT_PREFIX) || (target == WasmTarget::Wasip1 && name.starts_with("wasi:"))
    };
    let forbidden: Vec<&String> = imports.iter().filter(|name| !allowed(name)).collect();
    if !forbidden.is_empty() {
        bail!(
            "the component imports {forbidden:?}; a Gatehouse component may import only \
             {CONTRACT_PREFIX}* (mark WASI fixtures with [package.metadata.gatehouse] target = \"wasip1\")"
        );
    }
    Ok(imports)
}
