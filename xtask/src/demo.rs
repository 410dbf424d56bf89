//! `cargo xtask demo`: the main job in one command. Builds the connector components from
//! source, then runs the `gatehouse-demo` binary against them (both vendor simulators, in-process).

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::plugins::{self, run};
use crate::route::RouteChoice;

pub fn run_demo(root: &Path, route: RouteChoice, json: bool) -> Result<()> {
    plugins::build_all(root, route, &[])?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut demo = Command::new(&cargo);
    demo.current_dir(root).args(["run", "--quiet", "-p", "gatehouse-demo", "--"]);
    demo.arg("--plugins-dir").arg(plugins::components_dir(root));
    if json {
        demo.arg("--json");
    }
    run(&mut demo, "running the demo")
}
