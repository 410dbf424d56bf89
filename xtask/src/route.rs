//! The wasm toolchain route: how a plugin crate becomes a core wasm module.
//!
//! Where rustup can add the wasm targets we use them (the standard route). Some machines cannot
//! download rustup components; there Debian's `rustc-web` toolchain builds std from source
//! (`-Zbuild-std`) and links with `wasm-ld-22`. Both routes produce the same core modules, so
//! everything after this point (componentizing, import checks) is route-agnostic.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::apt;

/// The wasm target a plugin crate is compiled for, from `[package.metadata.gatehouse] target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WasmTarget {
    /// No WASI at all: the component imports only `gatehouse:` interfaces. The default.
    Unknown,
    /// WASI preview1, componentized with the reactor adapter. Only for fixtures proving the host
    /// accepts components built the common way.
    Wasip1,
}

impl WasmTarget {
    pub fn triple(self) -> &'static str {
        match self {
            WasmTarget::Unknown => "wasm32-unknown-unknown",
            WasmTarget::Wasip1 => "wasm32-wasip1",
        }
    }

    /// Parses the metadata value; absent means the default target.
    pub fn from_metadata(value: Option<&str>) -> Result<Self> {
        match value {
            None | Some("wasm32-unknown-unknown") => Ok(WasmTarget::Unknown),
            Some("wasip1") | Some("wasm32-wasip1") => Ok(WasmTarget::Wasip1),
            Some(other) => {
                bail!("unknown [package.metadata.gatehouse] target {other:?}; use \"wasip1\" or leave it out")
            }
        }
    }
}

/// What the user asked for on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RouteChoice {
    Auto,
    Rustup,
    Debian,
}

/// A resolved route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// rustup's prebuilt wasm std.
    Rustup,
    /// Debian's rustc-web with `-Zbuild-std` and `wasm-ld-22`.
    Debian,
}

const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_LINKER: &str = "wasm-ld-22";
const DEBIAN_WASI_LIBC: &str = "/usr/lib/wasm32-wasi";
const DEBIAN_PACKAGES: &[&str] = &["rustc-web", "cargo-web", "rust-web-src", "lld-22"];
const DEBIAN_WASI_PACKAGES: &[&str] = &["wasi-libc"];

/// How long `rustup target add` may take before we assume it cannot reach its server.
const RUSTUP_ADD_TIMEOUT: Duration = Duration::from_secs(180);

impl Route {
    /// Resolves the route for building `targets`, installing what the route needs.
    pub fn prepare(choice: RouteChoice, targets: &[WasmTarget]) -> Result<Route> {
        let route = match choice {
            RouteChoice::Rustup => {
                for target in targets {
                    if !rustup_has_target(target.triple()) {
                        bail!("rustup cannot provide the {} target", target.triple());
                    }
                }
                Route::Rustup
            }
            RouteChoice::Debian => Route::Debian,
            RouteChoice::Auto => {
                if targets.iter().all(|t| rustup_has_target(t.triple())) {
                    Route::Rustup
                } else {
                    eprintln!("xtask: rustup cannot add the wasm targets; using Debian's rustc-web with -Zbuild-std");
                    Route::Debian
                }
            }
        };
        if route == Route::Debian {
            apt::ensure_installed(DEBIAN_PACKAGES, "the Debian wasm toolchain route")?;
            if targets.contains(&WasmTarget::Wasip1) {
                apt::ensure_installed(DEBIAN_WASI_PACKAGES, "building WASI fixture plugins")?;
            }
        }
        Ok(route)
    }

    /// A `cargo build` of `packages` for `target`, in release mode, into `target_dir`.
    pub fn cargo_build(self, target: WasmTarget, manifest: &Path, target_dir: &Path, packages: &[String]) -> Command {
        let mut cmd = match self {
            Route::Rustup => Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())),
            Route::Debian => Command::new(DEBIAN_CARGO),
        };
        cmd.arg("build")
            .arg("--release")
            .arg("--manifest-path")
            .arg(manifest)
            .arg("--target-dir")
            .arg(target_dir)
            .arg("--target")
            .arg(target.triple());
        for package in packages {
            cmd.arg("--package").arg(package);
        }
        // Our caller's flags are for the host toolchain, never for a wasm build.
        cmd.env_remove("RUSTFLAGS").env_remove("CARGO_ENCODED_RUSTFLAGS").env_remove("CARGO_BUILD_TARGET");
        if self == Route::Debian {
            cmd.arg("-Zbuild-std=std,panic_abort")
                .env("RUSTC_BOOTSTRAP", "1")
                .env("RUSTC", DEBIAN_RUSTC)
                // Stop rustup's proxies from steering Debian's cargo back to the rustup toolchain.
                .env_remove("RUSTUP_TOOLCHAIN")
                .env_remove("RUSTDOC");
            let flags = match target {
                WasmTarget::Unknown => format!("-C linker={DEBIAN_LINKER}"),
                WasmTarget::Wasip1 => {
                    format!("-L {DEBIAN_WASI_LIBC} -C link-self-contained=no -C linker={DEBIAN_LINKER}")
                }
            };
            cmd.env("RUSTFLAGS", flags);
        }
        cmd
    }
}

/// Whether rustup has `triple` installed, or can add it now.
fn rustup_has_target(triple: &str) -> bool {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match installed {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == triple) {
                return true;
            }
        }
        // No rustup at all: only the Debian route is left.
        _ => return false,
    }
    eprintln!("xtask: trying `rustup target add {triple}`");
    let child = Command::new("rustup").args(["target", "add", triple]).spawn();
    match child {
        Ok(child) => wait_with_timeout(child, RUSTUP_ADD_TIMEOUT).unwrap_or(false),
        Err(_) => false,
    }
}

/// Waits for `child` to succeed within `limit`; kills it on timeout.
fn wait_with_timeout(mut child: Child, limit: Duration) -> Result<bool> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().context("waiting for rustup")? {
            return Ok(status.success());
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("xtask: rustup did not finish within {limit:?}; giving up on it");
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
