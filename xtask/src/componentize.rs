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
        encoder = encoder.adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER)?;
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
    let allowed =
        |name: &str| name.starts_with(CONTRACT_PREFIX) || (target == WasmTarget::Wasip1 && name.starts_with("wasi:"));
    let forbidden: Vec<&String> = imports.iter().filter(|name| !allowed(name)).collect();
    if !forbidden.is_empty() {
        bail!(
            "the component imports {forbidden:?}; a Gatehouse component may import only \
             {CONTRACT_PREFIX}* (mark WASI fixtures with [package.metadata.gatehouse] target = \"wasip1\")"
        );
    }
    Ok(imports)
}

#[cfg(test)]
mod tests {
    use wit_component::{dummy_module, embed_component_metadata, StringEncoding};
    use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

    use super::*;

    /// A component of a world that imports the contract's `log` and whatever `extra` names.
    fn component_importing(extra: &str) -> Vec<u8> {
        let wit = format!(
            r#"
            package test:plugin;
            world plugin {{
                import gatehouse:connector/log@0.1.0;
                {extra}
                export run: func();
            }}
            package gatehouse:connector@0.1.0 {{
                interface log {{ emit: func(message: string); }}
            }}
            package wasi:cli@0.2.0 {{
                interface environment {{ get-environment: func() -> list<tuple<string, string>>; }}
            }}
            "#
        );
        let mut resolve = Resolve::default();
        let package = resolve.push_str("plugin.wit", &wit).unwrap();
        let world = resolve.select_world(&[package], Some("plugin")).unwrap();
        let mut module = dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
        embed_component_metadata(&mut module, &resolve, world, StringEncoding::UTF8).unwrap();
        componentize(&module, WasmTarget::Unknown).unwrap()
    }

    #[test]
    fn a_component_importing_only_the_contract_passes() {
        let imports = check_imports(&component_importing(""), WasmTarget::Unknown).unwrap();

        assert_eq!(imports, ["gatehouse:connector/log@0.1.0"]);
    }

    #[test]
    fn a_component_importing_wasi_fails_unless_marked_wasip1() {
        let component = component_importing("import wasi:cli/environment@0.2.0;");

        let error = check_imports(&component, WasmTarget::Unknown).unwrap_err();
        assert!(error.to_string().contains("wasi:cli/environment@0.2.0"), "{error}");
        assert!(check_imports(&component, WasmTarget::Wasip1).is_ok());
    }

    #[test]
    fn a_component_importing_a_bare_function_fails() {
        let component = component_importing("import sneaky: func();");

        let error = check_imports(&component, WasmTarget::Unknown).unwrap_err();
        assert!(error.to_string().contains("sneaky"), "{error}");
    }
}
