//! ARCHITECTURE.md's codemap is complete: every crate and every module directory of the
//! workspace is named in it, so a newcomer who finds a folder also finds what it is for.
//!
//! A folder is named by its path from the repository root in backticks (`host/core/`), or, under
//! a heading `### Inside `<folder>``, by its path from that folder (`jobs/` under
//! `### Inside `host/service/src/``).

use std::collections::BTreeSet;
use std::path::Path;

/// The folders the codemap must name: each crate (a folder with a `Cargo.toml`) and each folder
/// of Rust modules under a crate's `src/`, except test folders (`src/tests/`). Paths are
/// relative to `root`, with a trailing `/`.
pub fn folders(root: &Path) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let relative = dir.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
        let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        // Build output, hidden folders, and test folders: a crate's tests are described with it
        // (the `tests/` crate is one of its own).
        let test_folder = ["tests", "benches"].contains(&name.as_str()) && relative != "tests";
        if !relative.is_empty() && (name == "target" || name == "node_modules" || name.starts_with('.') || test_folder)
        {
            continue;
        }
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut has_rust = false;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.file_name().is_some_and(|n| n == "Cargo.toml") && !relative.is_empty() {
                found.insert(format!("{relative}/"));
            } else if path.extension().is_some_and(|e| e == "rs") {
                has_rust = true;
            }
        }
        if has_rust && relative.contains("/src/") {
            found.insert(format!("{relative}/"));
        }
    }
    Ok(found)
}

/// The folders `architecture` names, resolved to paths from the repository root.
pub fn named(architecture: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut inside: Option<String> = None;
    for line in architecture.lines() {
        if line.starts_with('#') {
            inside = line.strip_prefix("### Inside ").and_then(|rest| backticked(rest).next()).map(str::to_string);
        }
        for quoted in backticked(line).filter(|q| q.ends_with('/')) {
            names.insert(quoted.to_string());
            if let Some(prefix) = &inside {
                names.insert(format!("{prefix}{quoted}"));
            }
        }
    }
    names
}

fn backticked(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// The folders of `root` that `architecture` does not name.
pub fn unnamed(root: &Path, architecture: &str) -> Result<Vec<String>, String> {
    let named = named(architecture);
    Ok(folders(root)?.into_iter().filter(|folder| !named.contains(folder)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_named_by_its_full_path_or_under_an_inside_heading() {
        let doc =
            "| `host/core/` | core |\n### Inside `host/service/src/`\n| `jobs/` | the engine |\n## Invariants\n`api/`";
        let named = named(doc);
        assert!(named.contains("host/core/") && named.contains("host/service/src/jobs/"), "{named:?}");
        assert!(!named.contains("host/service/src/api/"), "outside the section `api/` is only `api/`");
    }

    #[test]
    fn a_new_module_folder_that_the_codemap_omits_is_reported() {
        let root = tempfile_dir();
        std::fs::create_dir_all(root.join("host/core/src/clock")).unwrap();
        std::fs::write(root.join("host/core/Cargo.toml"), "").unwrap();
        std::fs::write(root.join("host/core/src/lib.rs"), "").unwrap();
        std::fs::write(root.join("host/core/src/clock/mod.rs"), "").unwrap();
        std::fs::create_dir_all(root.join("host/core/src/tests")).unwrap();
        std::fs::write(root.join("host/core/src/tests/unit.rs"), "").unwrap();
        let missing = unnamed(&root, "| `host/core/` | core |").unwrap();
        assert_eq!(missing, ["host/core/src/clock/"]);
        let complete = "| `host/core/` | core |\n### Inside `host/core/src/`\n`clock/`";
        assert!(unnamed(&root, complete).unwrap().is_empty());
        std::fs::remove_dir_all(root).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("codemap-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
