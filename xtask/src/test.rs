//! `cargo xtask test`: the one test command, run by CI (`.ci/run`) and by developers alike:
//! the components, every test of both workspaces, then rustfmt's check and clippy with warnings
//! denied.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::apt;
use crate::plugins::{self, run};
use crate::route::RouteChoice;

/// The Symmetry interoperability test talks to our TDS simulator with FreeTDS's `tsql`.
const TEST_PACKAGES: &[&str] = &["freetds-bin"];

pub fn run_all(root: &Path, route: RouteChoice) -> Result<()> {
    apt::ensure_installed(TEST_PACKAGES, "the Symmetry interoperability test")?;
    plugins::build_all(root, route, &[])?;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    run(
        Command::new(&cargo)
            .arg("test")
            .arg("--manifest-path")
            .arg(plugins::plugins_manifest(root))
            .arg("--target-dir")
            .arg(plugins::plugins_target_dir(root)),
        "running the plugins' native unit tests",
    )?;
    run(Command::new(&cargo).current_dir(root).args(["test", "--workspace"]), "running the workspace tests")?;
    format_check(root, &cargo)?;
    lint(root, &cargo)?;
    eprintln!("xtask: all tests passed");
    Ok(())
}

/// `cargo fmt --check` on both workspaces (style in `rustfmt.toml`); `cargo fmt --all` in each
/// fixes what it reports. Skipped, and said so, where the toolchain has no rustfmt component.
fn format_check(root: &Path, cargo: &std::ffi::OsStr) -> Result<()> {
    let has_rustfmt = Command::new(cargo).args(["fmt", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_rustfmt {
        eprintln!("xtask: no rustfmt in this toolchain (`rustup component add rustfmt`); formatting not checked");
        return Ok(());
    }
    run(
        Command::new(cargo).current_dir(root).args(["fmt", "--all", "--", "--check"]),
        "checking the workspace's formatting",
    )?;
    run(
        Command::new(cargo)
            .args(["fmt", "--all", "--manifest-path"])
            .arg(plugins::plugins_manifest(root))
            .args(["--", "--check"]),
        "checking the plugins' formatting",
    )
}

/// Clippy, warnings as errors, on both workspaces, so `main` stays as clean as it is. Skipped,
/// and said so, where the toolchain has no clippy component.
fn lint(root: &Path, cargo: &std::ffi::OsStr) -> Result<()> {
    let has_clippy = Command::new(cargo).args(["clippy", "--version"]).output().is_ok_and(|o| o.status.success());
    if !has_clippy {
        eprintln!("xtask: no clippy in this toolchain (`rustup component add clippy`); lints not run");
        return Ok(());
    }
    let deny = ["--", "-D", "warnings"];
    run(
        Command::new(cargo).current_dir(root).args(["clippy", "--workspace", "--all-targets"]).args(deny),
        "linting the workspace",
    )?;
    run(
        Command::new(cargo)
            .args(["clippy", "--all-targets", "--manifest-path"])
            .arg(plugins::plugins_manifest(root))
            .arg("--target-dir")
            .arg(plugins::plugins_target_dir(root))
            .args(deny),
        "linting the plugins",
    )
}
