//! `cargo xtask test`: the one test command, run by CI (`.ci/run`) and by developers alike.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::plugins::{self, run};
use crate::route::RouteChoice;
use crate::apt;

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
    run(
        Command::new(&cargo).current_dir(root).args(["test", "--workspace"]),
        "running the workspace tests",
    )?;
    eprintln!("xtask: all tests passed");
    Ok(())
}
