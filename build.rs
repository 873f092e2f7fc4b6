//! Builds the open-data tables the `intel` layer looks up, from registry packages that
//! `npm ci` installs at pinned versions (package-lock.json), never from hand-typed lists:
//!
//! - `disposable-email-domains-js` (CC0-1.0): the disposable-email-domains blocklist;
//! - `freemail` (ISC): free / personal mail providers (`data/free.txt`).
//!
//! Each becomes a sorted, de-duplicated `&[&str]` in `$OUT_DIR/email_domains.rs`, searched by
//! binary search at run time, so nothing is parsed per request.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn node_modules() -> PathBuf {
    match env::var_os("EDGEWARD_NODE_MODULES") {
        Some(p) => PathBuf::from(p),
        None => Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("node_modules"),
    }
}

fn read(package: &str, file: &str) -> String {
    let path = node_modules().join(package).join(file);
    println!("cargo:rerun-if-changed={}", path.display());
    fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "open-data package `{package}` is missing ({}: {e}); run `bash scripts/setup.sh` (npm ci) first",
            path.display()
        )
    })
}

fn domains(list: impl Iterator<Item = String>) -> BTreeSet<String> {
    list.map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|d| {
            d.contains('.')
                && !d.starts_with('#')
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
        .collect()
}

fn table(name: &str, about: &str, set: &BTreeSet<String>) -> String {
    let mut s = format!(
        "/// {about} ({} domains)\npub static {name}: &[&str] = &[\n",
        set.len()
    );
    for d in set {
        s.push_str(&format!("    {d:?},\n"));
    }
    s.push_str("];\n");
    s
}

fn main() {
    println!("cargo:rerun-if-env-changed=EDGEWARD_NODE_MODULES");
    let disposable: Vec<String> = serde_json::from_str(&read(
        "disposable-email-domains-js",
        "dist/dict/disposable_email_blocklist.json",
    ))
    .expect("disposable_email_blocklist.json is a JSON array of strings");
    let disposable = domains(disposable.into_iter());
    let free = domains(read("freemail", "data/free.txt").lines().map(String::from));
    let out = Path::new(&env::var("OUT_DIR").unwrap()).join("email_domains.rs");
    let code = table(
        "DISPOSABLE",
        "Disposable mail domains: disposable-email-domains-js, CC0-1.0",
        &disposable,
    ) + &table(
        "FREE",
        "Free / personal mail providers: freemail data/free.txt, ISC",
        &free,
    );
    fs::write(out, code).unwrap();
}
