//! Builds the open-data tables the `intel` layer looks up, from registry packages that
//! `scripts/setup.sh` installs at pinned versions (npm: package-lock.json; PyPI: iporigin),
//! never from hand-typed lists:
//!
//! - `disposable-email-domains-js` (CC0-1.0): the disposable-email-domains blocklist;
//! - `freemail` (ISC): free / personal mail providers (`data/free.txt`);
//! - `crawler-user-agents` (MIT): crawler and HTTP-client user-agent patterns;
//! - IP country, ASN and network-origin tables: see `ip.rs`;
//! - time zones and the languages of each country: see `geo.rs`.
//!
//! Domains become sorted, de-duplicated `&[&str]`s in `$OUT_DIR/email_domains.rs`, searched by
//! binary search. Crawler patterns are regular expressions, but all save a handful use only
//! literals, escapes, `^`/`$` anchors, one-character classes (`[bB]`) and alternation; those
//! are expanded here into plain (literal, anchors) entries in `$OUT_DIR/crawlers.rs`, so the
//! worker needs no regex engine. Nothing is parsed per request.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

mod geo;
mod ip;

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

/// One way a pattern can match: a literal, anchored at the start and/or end of the agent.
type Alternative = (String, bool, bool);

/// Expands a crawler pattern into literal alternatives, or `None` if it uses a feature beyond
/// the supported subset (quantifiers, wildcards, ranges, negated or shorthand classes).
fn expand(pattern: &str) -> Option<Vec<Alternative>> {
    let mut out = Vec::new();
    for branch in split_top(pattern, '|')? {
        let start = branch.starts_with('^');
        let body = branch.strip_prefix('^').unwrap_or(&branch);
        let end = body.ends_with('$') && !body.ends_with("\\$");
        let body = if end { &body[..body.len() - 1] } else { body };
        for lit in expand_seq(body)? {
            out.push((lit, start, end));
        }
    }
    Some(out)
}

/// Splits on `sep` outside groups and classes.
fn split_top(s: &str, sep: char) -> Option<Vec<String>> {
    let (mut parts, mut cur, mut depth, mut chars) = (Vec::new(), String::new(), 0i32, s.chars());
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                cur.push(chars.next()?);
                continue;
            }
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ if c == sep && depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    Some(parts)
}

/// All literal strings a sequence of atoms matches.
fn expand_seq(s: &str) -> Option<Vec<String>> {
    let mut acc = vec![String::new()];
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let options: Vec<String> = match c {
            '\\' => {
                let e = chars.next()?;
                if e.is_ascii_alphanumeric() {
                    return None; // \d, \s, \w …
                }
                vec![e.to_string()]
            }
            '[' => {
                let mut set = Vec::new();
                loop {
                    match chars.next()? {
                        ']' => break,
                        '^' | '-' if set.is_empty() => return None,
                        '\\' => return None,
                        x => set.push(x.to_string()),
                    }
                }
                set
            }
            '(' => {
                let mut inner = String::new();
                let mut depth = 1;
                loop {
                    let x = chars.next()?;
                    match x {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(x);
                }
                let mut alts = Vec::new();
                for b in split_top(&inner, '|')? {
                    if b.contains(['^', '$']) {
                        return None;
                    }
                    alts.extend(expand_seq(&b)?);
                }
                alts
            }
            '.' | '*' | '+' | '?' | '{' | '}' | '^' | '$' | ')' | ']' | '|' => return None,
            x => vec![x.to_string()],
        };
        if chars
            .peek()
            .is_some_and(|n| matches!(n, '*' | '+' | '?' | '{'))
        {
            return None;
        }
        acc = acc
            .iter()
            .flat_map(|a| options.iter().map(move |o| format!("{a}{o}")))
            .collect();
        if acc.len() > 64 {
            return None;
        }
    }
    Some(acc)
}

fn crawlers() -> String {
    #[derive(serde::Deserialize)]
    struct Entry {
        pattern: String,
    }
    let entries: Vec<Entry> =
        serde_json::from_str(&read("crawler-user-agents", "crawler-user-agents.json"))
            .expect("crawler-user-agents.json is a JSON array of {pattern}");
    let mut alternatives = BTreeSet::new();
    let mut skipped = Vec::new();
    for e in &entries {
        match expand(&e.pattern) {
            Some(alts) if alts.iter().all(|(l, _, _)| !l.is_empty()) => alternatives.extend(alts),
            _ => skipped.push(e.pattern.clone()),
        }
    }
    let mut s = format!(
        "/// Crawler and HTTP-client user agents: crawler-user-agents, MIT. {} patterns expanded into {} \
         (literal, anchored at start, anchored at end) entries; {} patterns outside the supported \
         subset are left out: {:?}\npub static CRAWLERS: &[(&str, bool, bool)] = &[\n",
        entries.len() - skipped.len(),
        alternatives.len(),
        skipped.len(),
        skipped
    );
    for (lit, start, end) in &alternatives {
        s.push_str(&format!("    ({lit:?}, {start}, {end}),\n"));
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
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out_dir.join("crawlers.rs"), crawlers()).unwrap();

    // The worker build also leaves the ASN table where the KV upload finds it.
    let worker = env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32"))
        && env::var_os("CARGO_FEATURE_WORKER").is_some();
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let copy_asn = worker.then(|| manifest.join("build/intel/ip-asn.bin"));
    ip::ip_location_db(&read, &out_dir, copy_asn);
    ip::iporigin(&out_dir);
    geo::tables(&read, &out_dir);
}
