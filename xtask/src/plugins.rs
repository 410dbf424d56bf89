//! `cargo xtask build-plugins`: every plugin crate, from source, into `target/components/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::componentize;
use crate::route::{Route, RouteChoice, WasmTarget};

/// One plugin crate of the plugins workspace.
#[derive(Debug)]
pub struct Plugin {
    /// The package name; the component is written as `<name>.wasm`.
    pub name: String,
    pub target: WasmTarget,
    /// A crate under `plugins/testing/`: written to `target/components/testing/`.
    pub fixture: bool,
}

impl Plugin {
    /// The core module cargo writes (cargo turns dashes into underscores).
    fn core_module(&self, target_dir: &Path) -> PathBuf {
        target_dir.join(self.target.triple()).join("release").join(format!("{}.wasm", self.name.replace('-', "_")))
    }
}

/// Where the components land; tests and the host load them from here. `gatehouse serve` loads
/// every component directly in it, so test fixtures (the crates under `plugins/testing/`, such as
/// the hostile plugin) go one level down, to `testing/`, out of an operator's way.
pub fn components_dir(root: &Path) -> PathBuf {
    root.join("target").join("components")
}

const FIXTURES_DIR: &str = "testing";

/// The plugins workspace keeps its own target dir, whatever CARGO_TARGET_DIR says for the host.
pub fn plugins_target_dir(root: &Path) -> PathBuf {
    root.join("plugins").join("target")
}

pub fn plugins_manifest(root: &Path) -> PathBuf {
    root.join("plugins").join("Cargo.toml")
}

/// Builds the selected plugins (all when `only` is empty) and componentizes them.
pub fn build_all(root: &Path, route: RouteChoice, only: &[String]) -> Result<()> {
    let started = Instant::now();
    let mut plugins = discover(&plugins_manifest(root))?;
    if !only.is_empty() {
        for wanted in only {
            if !plugins.iter().any(|p| &p.name == wanted) {
                bail!("no plugin crate named {wanted:?} in plugins/");
            }
        }
        plugins.retain(|p| only.contains(&p.name));
    }

    let mut by_target: BTreeMap<WasmTarget, Vec<&Plugin>> = BTreeMap::new();
    for plugin in &plugins {
        by_target.entry(plugin.target).or_default().push(plugin);
    }
    let targets: Vec<WasmTarget> = by_target.keys().copied().collect();
    let route = Route::prepare(route, &targets)?;
    eprintln!("xtask: building {} plugin(s) via the {route:?} route", plugins.len());

    let target_dir = plugins_target_dir(root);
    for (target, group) in &by_target {
        let names: Vec<String> = group.iter().map(|p| p.name.clone()).collect();
        let mut cargo = route.cargo_build(*target, &plugins_manifest(root), &target_dir, &names);
        run(&mut cargo, &format!("building {} for {}", names.join(", "), target.triple()))?;
    }

    let out_dir = components_dir(root);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    for plugin in &plugins {
        let core = plugin.core_module(&target_dir);
        let module = std::fs::read(&core).with_context(|| format!("reading {}", core.display()))?;
        let component = componentize::componentize(&module, plugin.target)
            .with_context(|| format!("componentizing {}", plugin.name))?;
        let imports = componentize::check_imports(&component, plugin.target)
            .with_context(|| format!("checking the imports of {}", plugin.name))?;
        let file = format!("{}.wasm", plugin.name);
        let path = if plugin.fixture {
            let fixtures = out_dir.join(FIXTURES_DIR);
            std::fs::create_dir_all(&fixtures).with_context(|| format!("creating {}", fixtures.display()))?;
            // Where an older build put it, `serve` would load it.
            let _ = std::fs::remove_file(out_dir.join(&file));
            fixtures.join(file)
        } else {
            out_dir.join(file)
        };
        write_atomically(&path, &component)?;
        eprintln!("xtask: {} ({} KiB, imports {})", path.display(), component.len() / 1024, imports.join(", "));
    }
    eprintln!("xtask: built {} component(s) in {:.1?}", plugins.len(), started.elapsed());
    Ok(())
}

/// The plugin crates of the workspace: every package with a `cdylib` library.
fn discover(manifest: &Path) -> Result<Vec<Plugin>> {
    #[derive(Deserialize)]
    struct Metadata {
        packages: Vec<Package>,
    }
    #[derive(Deserialize)]
    struct Package {
        name: String,
        manifest_path: PathBuf,
        targets: Vec<Target>,
        metadata: Option<PackageMetadata>,
    }
    #[derive(Deserialize)]
    struct Target {
        crate_types: Vec<String>,
    }
    #[derive(Deserialize)]
    struct PackageMetadata {
        gatehouse: Option<GatehouseMetadata>,
    }
    #[derive(Deserialize)]
    struct GatehouseMetadata {
        target: Option<String>,
    }

    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--no-deps", "--format-version", "1", "--manifest-path"])
        .arg(manifest)
        .output()
        .context("running cargo metadata on the plugins workspace")?;
    if !output.status.success() {
        bail!("cargo metadata failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: Metadata = serde_json::from_slice(&output.stdout).context("parsing cargo metadata")?;

    let mut plugins = Vec::new();
    for package in metadata.packages {
        if !package.targets.iter().any(|t| t.crate_types.iter().any(|c| c == "cdylib")) {
            continue;
        }
        let target = package.metadata.and_then(|m| m.gatehouse).and_then(|g| g.target);
        let target =
            WasmTarget::from_metadata(target.as_deref()).with_context(|| format!("in plugin {}", package.name))?;
        let fixture =
            package.manifest_path.parent().and_then(Path::parent).is_some_and(|dir| dir.ends_with("plugins/testing"));
        plugins.push(Plugin { name: package.name, target, fixture });
    }
    plugins.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(plugins)
}

/// Runs a command with inherited stdio, failing on a non-zero exit.
pub fn run(cmd: &mut Command, what: &str) -> Result<()> {
    eprintln!("xtask: {what}");
    let status = cmd.status().with_context(|| format!("starting {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Readers (tests running in parallel) never see a half-written component, and two builds
/// running at once never write the same temporary file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("wasm.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
