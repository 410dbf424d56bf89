//! Build orchestration for Gatehouse.
//!
//! `cargo xtask build-plugins` turns every crate of the plugins workspace into a WebAssembly
//! component under `target/components/`; `cargo xtask test` is the single test command CI runs;
//! `cargo xtask demo` builds the components and replays the demo day through both simulators.
//! All three install what they need (through apt) so a fresh machine with only rustup works.

mod apt;
mod componentize;
mod demo;
mod plugins;
mod route;
mod test;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use route::RouteChoice;

#[derive(Parser)]
#[command(about = "Gatehouse build orchestration")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build every plugin crate into a component at target/components/<crate>.wasm.
    BuildPlugins {
        /// Which wasm toolchain route to use; `auto` prefers rustup's target when it can be added.
        #[arg(long, value_enum, env = "GATEHOUSE_WASM_ROUTE", default_value = "auto")]
        route: RouteChoice,
        /// Build only these plugin crates (default: all).
        #[arg(long = "plugin", short = 'p')]
        plugins: Vec<String>,
    },
    /// Build the plugins, then run the plugins' native unit tests and every workspace test.
    Test {
        #[arg(long, value_enum, env = "GATEHOUSE_WASM_ROUTE", default_value = "auto")]
        route: RouteChoice,
    },
    /// Build the plugins, then run `gatehouse-demo`: a scripted day through both vendor simulators.
    Demo {
        #[arg(long, value_enum, env = "GATEHOUSE_WASM_ROUTE", default_value = "auto")]
        route: RouteChoice,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The repository root: xtask lives one level below it. `cargo run` tells us where xtask is at
/// run time; the compile-time path is only a fallback, since a binary shared through a common
/// CARGO_TARGET_DIR may have been built from another checkout.
fn repo_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir.parent().expect("xtask sits inside the repository").to_path_buf()
}

fn main() -> Result<()> {
    let root = repo_root();
    match Cli::parse().command {
        Command::BuildPlugins { route, plugins } => {
            plugins::build_all(&root, route, &plugins)?;
        }
        Command::Test { route } => test::run_all(&root, route)?,
        Command::Demo { route, json } => demo::run_demo(&root, route, json)?,
    }
    Ok(())
}
