//! Background work per scheduled run against the project's size: the storage operations and
//! time of one fold of the population journal (what the cron does now) and of one rebuild from
//! scratch (what it did before; now the recovery path), over the in-memory store, for projects
//! of 1,000, 10,000 and 100,000 stored sessions with the same 500 arrivals since the last run.
//!
//!   cargo bench --bench population
//!
//! Prints a Markdown table (BENCHMARKS.md). Storage operations are counted by a wrapper around
//! the store, by kind; time is the median of five runs on identical copies.

use std::cell::Cell;
use std::time::{Duration, Instant};

use edgeward::engine::SessionSummary;
use edgeward::state::population::{fold, journal_entry, rebuild};
use edgeward::store::keys::Id;
use edgeward::store::{Keys, MemoryStore, Page, Put, Store, StoreError};
use futures::executor::block_on;

/// Counts every call, by kind.
struct Counting<'a> {
    inner: &'a MemoryStore,
    gets: Cell<usize>,
    puts: Cell<usize>,
    lists: Cell<usize>,
    deletes: Cell<usize>,
}

impl<'a> Counting<'a> {
    fn new(inner: &'a MemoryStore) -> Self {
        Counting {
            inner,
            gets: Cell::new(0),
            puts: Cell::new(0),
            lists: Cell::new(0),
            deletes: Cell::new(0),
        }
    }

    fn total(&self) -> usize {
        self.gets.get() + self.puts.get() + self.lists.get() + self.deletes.get()
    }
}

fn bump(c: &Cell<usize>) {
    c.set(c.get() + 1);
}

impl Store for Counting<'_> {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        bump(&self.gets);
        self.inner.get(key).await
    }
    async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        bump(&self.gets);
        self.inner.get_bytes(key).await
    }
    async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError> {
        bump(&self.puts);
        self.inner.put(key, value, opts).await
    }
    async fn list_page(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        bump(&self.lists);
        self.inner.list_page(prefix, cursor, limit).await
    }
    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        bump(&self.deletes);
        self.inner.delete(key).await
    }
}

/// Session `i` of a project whose accounts come back about four times each, one in five on a
/// browser they had not shown (a new profile), on 2,000 device models (a few popular).
fn session(i: usize, total: usize) -> (String, SessionSummary) {
    let accounts = (total / 4).max(1);
    let account = (i * 7919) % accounts;
    let profile = if i.is_multiple_of(5) {
        total + i
    } else {
        account
    };
    let model = if profile.is_multiple_of(3) {
        profile % 5
    } else {
        profile % 2000
    };
    let s = SessionSummary {
        id: format!("s-{i}"),
        at: 1_700_000_000_000 + i as i64 * 1_000,
        country: ["FR", "US", "BR", "JP", "DE"][i % 5].into(),
        asn: [3215, 7922, 28573, 3320][i % 4],
        browser: ["Chrome", "Safari", "Firefox"][i % 3].into(),
        os: ["Windows", "iOS", "Android", "macOS"][i % 4].into(),
        device_id: format!("{model:032x}"),
        fingerprint: format!(
            "0.{:04x},1.{:04x},2.{:04x},3.{:04x},4.{:04x}",
            model % 7,
            model % 13,
            model % 101,
            model % 997,
            model
        ),
        browser_id: format!("browser-{profile:012}"),
        ip: "192.0.2.1".into(),
        ..SessionSummary::default()
    };
    (format!("account-{account}"), s)
}

/// Stores session `i` as `POST /session/authenticate` does: the account's session key and,
/// for an arrival since the last run, the journal entry.
fn store_session(store: &MemoryStore, keys: &Keys, i: usize, total: usize, journal: bool) {
    let (account, s) = session(i, total);
    let a = Id::new(&account).unwrap();
    let summary = serde_json::to_value(&s).unwrap();
    let sid = Id::new(&s.id).unwrap();
    block_on(store.put(
        &keys.account_session(&a, &sid),
        &summary.to_string(),
        Put {
            ttl_secs: None,
            metadata: Some(summary),
        },
    ))
    .unwrap();
    if journal {
        // What authenticate knows: whether the account showed this browser before (four
        // sessions in five come back on the account's own browser, stored above).
        let earlier: Vec<SessionSummary> = match i % 5 {
            0 => Vec::new(),
            _ => vec![SessionSummary {
                id: "earlier".into(),
                ..s.clone()
            }],
        };
        let (k, v, p) = journal_entry(keys, &a, &earlier, None, &s).unwrap();
        block_on(store.put(&k, &v, p)).unwrap();
    }
}

/// A project with `total` stored sessions, folded up to date, then `arrivals` more.
fn project(total: usize, arrivals: usize) -> (MemoryStore, Keys) {
    let store = MemoryStore::new();
    let keys = Keys::new("bench");
    for i in 0..total {
        store_session(&store, &keys, i, total, false);
    }
    block_on(rebuild(&store, &keys)).unwrap();
    for i in total..total + arrivals {
        store_session(&store, &keys, i, total, true);
    }
    (store, keys)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: a quick pass is enough there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: &[usize] = if quick {
        &[1_000]
    } else {
        &[1_000, 10_000, 100_000]
    };
    let arrivals = 500;
    println!("| stored sessions | run | arrivals folded | gets | puts | lists | deletes | storage operations | snapshot | time (median of 5) |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let runs = [
        ("fold (the cron now), whole journal", Some(usize::MAX)),
        ("fold, a deployed run's budget (900)", Some(900)),
        ("rebuild from scratch (before; now recovery)", None),
    ];
    for &total in sizes {
        for (name, budget) in runs {
            let mut times = Vec::new();
            let mut counts = (0, 0, 0, 0, 0);
            let mut folded = 0;
            let mut bytes = 0;
            for _ in 0..5 {
                let (store, keys) = project(total, arrivals);
                let counting = Counting::new(&store);
                let start = Instant::now();
                let f = match budget {
                    Some(b) => block_on(fold(&counting, &keys, b)).unwrap(),
                    None => block_on(rebuild(&counting, &keys)).unwrap(),
                };
                times.push(start.elapsed());
                assert!(budget != Some(usize::MAX) || !f.more);
                folded = f.arrivals;
                counts = (
                    counting.gets.get(),
                    counting.puts.get(),
                    counting.lists.get(),
                    counting.deletes.get(),
                    counting.total(),
                );
                bytes = block_on(store.get(&keys.population()))
                    .unwrap()
                    .map_or(0, |v| v.len());
            }
            println!(
                "| {total} | {name} | {} | {} | {} | {} | {} | {} | {:.1} kB | {:.2} ms |",
                if budget.is_some() {
                    folded.to_string()
                } else {
                    "–".into()
                },
                counts.0,
                counts.1,
                counts.2,
                counts.3,
                counts.4,
                bytes as f64 / 1e3,
                median(times).as_secs_f64() * 1e3
            );
        }
    }
}
