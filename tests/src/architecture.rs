//! The layering rules of ARCHITECTURE.md, checked against the sources of the `gatehouse` crate.
//!
//! Each file is lexed into tokens, so comments and doc comments (which may name anything, a
//! vendor or the runtime included) are not code. A rule looks at what a file's code names: its
//! identifiers, its `crate::` imports and its string literals. A broken rule is reported with its
//! name and the file, the way rust-analyzer's own architecture tests do.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// One source file of the crate, reduced to what the rules read.
#[derive(Debug)]
pub struct SourceFile {
    /// The path under `src/`, with `/` separators: `api/jobs.rs`, `boot.rs`.
    pub path: String,
    idents: BTreeSet<String>,
    /// The top-level modules this file names as `crate::<module>`.
    imports: BTreeSet<String>,
    /// String literals outside doc comments.
    literals: Vec<String>,
}

impl SourceFile {
    pub fn parse(path: &str, text: &str) -> Result<SourceFile, String> {
        let tokens = TokenStream::from_str(text).map_err(|e| format!("{path} does not lex: {e}"))?;
        let mut file = SourceFile {
            path: path.to_string(),
            idents: BTreeSet::new(),
            imports: BTreeSet::new(),
            literals: Vec::new(),
        };
        file.walk(tokens);
        Ok(file)
    }

    /// The top-level module the file belongs to: `api` for `api/jobs.rs`, `boot` for `boot.rs`.
    pub fn module(&self) -> &str {
        let first = self.path.split('/').next().unwrap_or(&self.path);
        first.strip_suffix(".rs").unwrap_or(first)
    }

    fn walk(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    let inner = matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    let attribute = i + 1 + usize::from(inner);
                    if is_doc_attribute(tokens.get(attribute)) {
                        i = attribute;
                    }
                }
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    if name == "crate" && is_path_separator(&tokens, i + 1) {
                        match tokens.get(i + 3) {
                            Some(TokenTree::Ident(module)) => {
                                self.imports.insert(module.to_string());
                            }
                            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                                self.imports.extend(first_idents_of_items(group.stream()));
                            }
                            _ => {}
                        }
                    }
                    self.idents.insert(name);
                }
                TokenTree::Literal(literal) => {
                    let text = literal.to_string();
                    if text.contains('"') {
                        self.literals.push(text);
                    }
                }
                TokenTree::Group(group) => self.walk(group.stream()),
                TokenTree::Punct(_) => {}
            }
            i += 1;
        }
    }
}

fn is_doc_attribute(next: Option<&TokenTree>) -> bool {
    let Some(TokenTree::Group(group)) = next else { return false };
    let mut inner = group.stream().into_iter();
    group.delimiter() == Delimiter::Bracket && matches!(inner.next(), Some(TokenTree::Ident(i)) if i == "doc")
}

fn is_path_separator(tokens: &[TokenTree], at: usize) -> bool {
    matches!((tokens.get(at), tokens.get(at + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
        if a.as_char() == ':' && b.as_char() == ':')
}

/// `{store::Store, gateway::{A, B}, api}` → `store`, `gateway`, `api`.
fn first_idents_of_items(stream: TokenStream) -> Vec<String> {
    let mut names = Vec::new();
    let mut at_item_start = true;
    for token in stream {
        match &token {
            TokenTree::Ident(ident) if at_item_start => {
                names.push(ident.to_string());
                at_item_start = false;
            }
            TokenTree::Punct(p) if p.as_char() == ',' => at_item_start = true,
            _ => at_item_start = false,
        }
    }
    names
}

/// A layering rule: its one line in ARCHITECTURE.md and the check of one file.
pub struct Rule {
    pub name: &'static str,
    check: fn(&SourceFile) -> Option<String>,
}

/// What the crate's code may name where; ARCHITECTURE.md gives each rule's reason.
pub const RULES: &[Rule] = &[
    Rule { name: "only gateway/ names gatehouse_runtime", check: only_gateway_names_the_runtime },
    Rule { name: "only api/ names axum or utoipa", check: only_api_names_http },
    Rule { name: "domain/ imports no store, gateway or api", check: domain_imports_no_outer_layer },
    Rule { name: "the gatehouse crate names no vendor", check: names_no_vendor },
    Rule { name: "store/ is reached only from service/, jobs/ and boot.rs", check: store_reached_from_service },
];

fn only_gateway_names_the_runtime(file: &SourceFile) -> Option<String> {
    (file.module() != "gateway" && file.idents.contains("gatehouse_runtime")).then(|| "names gatehouse_runtime".into())
}

fn only_api_names_http(file: &SourceFile) -> Option<String> {
    if file.module() == "api" {
        return None;
    }
    let named: Vec<&str> = ["axum", "utoipa"].into_iter().filter(|c| file.idents.contains(*c)).collect();
    (!named.is_empty()).then(|| format!("names {}", named.join(" and ")))
}

fn domain_imports_no_outer_layer(file: &SourceFile) -> Option<String> {
    if file.module() != "domain" {
        return None;
    }
    let outer: Vec<&str> = ["store", "gateway", "api"].into_iter().filter(|m| file.imports.contains(*m)).collect();
    (!outer.is_empty()).then(|| format!("imports crate::{}", outer.join(", crate::")))
}

const VENDORS: [&str; 3] = ["genetec", "symmetry", "amag"];

fn names_no_vendor(file: &SourceFile) -> Option<String> {
    let names_one = |text: &&String| VENDORS.iter().any(|v| text.to_lowercase().contains(v));
    let found = file.idents.iter().find(names_one).or_else(|| file.literals.iter().find(names_one));
    found.map(|text| format!("names a vendor: {text}"))
}

fn store_reached_from_service(file: &SourceFile) -> Option<String> {
    let allowed = ["service", "jobs", "store", "boot", "lib"];
    (!allowed.contains(&file.module()) && file.imports.contains("store")).then(|| "imports crate::store".into())
}

/// A file that breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: &'static str,
    pub file: String,
    pub what: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule \"{}\" is broken: src/{} {}", self.rule, self.file, self.what)
    }
}

/// Every file's breaches of every rule.
pub fn check(files: &[SourceFile]) -> Vec<Violation> {
    let mut found = Vec::new();
    for file in files {
        for rule in RULES {
            if let Some(what) = (rule.check)(file) {
                found.push(Violation { rule: rule.name, file: file.path.clone(), what });
            }
        }
    }
    found
}

/// The cycles between top-level modules (from their `crate::` imports): each is a group of
/// modules that all reach one another, sorted, as `[api, intake]` for `api` ↔ `intake`.
pub fn module_cycles(files: &[SourceFile]) -> Vec<Vec<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = file.module().to_string();
        let to: Vec<String> = file.imports.iter().filter(|m| **m != from).cloned().collect();
        edges.entry(from).or_default().extend(to);
    }
    let reaches = |from: &str, to: &str| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from.to_string()]);
        while let Some(at) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        false
    };
    let mut cycles: Vec<Vec<String>> = Vec::new();
    for module in edges.keys() {
        if cycles.iter().any(|c| c.contains(module)) || !reaches(module, module) {
            continue;
        }
        let mut cycle: Vec<String> =
            edges.keys().filter(|other| reaches(module, other) && reaches(other, module)).cloned().collect();
        cycle.sort();
        cycles.push(cycle);
    }
    cycles
}

/// Reads every `.rs` file under `src`.
pub fn read_crate(src: &Path) -> Result<Vec<SourceFile>, String> {
    let mut files = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let relative = path.strip_prefix(src).expect("under src").to_string_lossy().replace('\\', "/");
                files.push(SourceFile::parse(&relative, &text)?);
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

#[cfg(test)]
#[path = "architecture_tests.rs"]
mod tests;
