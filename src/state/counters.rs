//! The console's counters: decisions and incidents per hour, sessions per country and day, and
//! how many accounts stand behind each address, device and network. `GET /stats` reads them.
//!
//! Why not KV. Counting on KV needs either a read-modify-write of a shared key (lost updates
//! under concurrency, and ~1 write a second per key), or one key per counted thing read back
//! by listing (an hour of a busy project is then thousands of keys to list on every read), or
//! per-isolate batches flushed now and then (an evicted isolate loses its unflushed tail). So
//! the counts live in one SQLite-backed Durable Object per project (`edge::counters`): a
//! single writer, exact increments, indexed range queries. Each authenticate (and each event
//! that opens an incident) hands its [`Tally`] to its isolate after the response has gone,
//! and the isolate sends what its requests handed it to the object in one call,
//! [`FLUSH_DELAY`] after the first (the first request's `waitUntil` keeps the isolate alive
//! until then, so no tally waits on an isolate that may be evicted): the request pays no round
//! trip, and the object gets one call per isolate and period instead of one per authenticate,
//! which lifts the thousand or so calls a second one object serves well above a thousand
//! authenticates. A tally lost to a failing object is logged, never retried (a count may fall
//! short by what was lost, and is never counted twice).
//!
//! **Deletion.** A tally still on its way when its account is deleted would put the account
//! back behind its identifiers. So [`Counters::forget`] leaves a tombstone, the deletion's
//! time, kept [`TOMBSTONE_KEPT`]: a tally made at or before it counts its decision (anonymous)
//! but not the account ([`forgotten`]); an account made again later under the same id counts.
//!
//! Natively, [`MemoryCounters`] keeps the same counts in maps, for the API tests.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use futures::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::schema::time::{Millis, DAY, HOUR};

/// What one request adds to the counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// When it happened (the request's clock).
    pub at: Millis,
    /// `Real`, `Suspicious` or `Fake` for an authenticate; empty for an event.
    #[serde(default)]
    pub decision: String,
    /// Incidents the request opened.
    #[serde(default)]
    pub incidents: u32,
    /// The session's country (ISO code), empty when unknown.
    #[serde(default)]
    pub country: String,
    /// The account, and the identifiers it was seen with: `(kind, value)` with kind
    /// `address`, `device` or `network`.
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub identifiers: Vec<(String, String)>,
}

/// One bucket of `/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub start: Millis,
    pub real: u64,
    pub suspicious: u64,
    pub fake: u64,
    pub incidents: u64,
}

/// One identifier or country with its count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub value: String,
    pub count: u64,
}

/// The busiest countries over the range, and the identifiers behind the most accounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Top {
    pub countries: Vec<Ranked>,
    pub addresses: Vec<Ranked>,
    pub devices: Vec<Ranked>,
    pub networks: Vec<Ranked>,
}

/// A `/stats` question: `[from, to)` in buckets of `step` milliseconds (an hour or a day),
/// `from` a multiple of `step`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub from: Millis,
    pub to: Millis,
    pub step: Millis,
}

/// The counts of a range: non-empty buckets only (the handler fills in the rest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub buckets: Vec<Bucket>,
    pub top: Top,
}

/// How many entries each `top` list keeps.
pub const TOP: usize = 10;

/// The identifier kinds counted, as `Tally::identifiers` names them.
pub const KINDS: [&str; 3] = ["address", "device", "network"];

/// How long an isolate gathers tallies before sending them to the project's object.
pub const FLUSH_DELAY: Millis = 200;
/// The most tallies one call carries.
pub const FLUSH_MAX: usize = 500;
/// How long a deletion's tombstone is kept: a tally reaches the object within seconds of its
/// request ([`FLUSH_DELAY`]; `waitUntil` gives it 30 s at most), so a day is ample.
pub const TOMBSTONE_KEPT: Millis = DAY;

/// Whether a tally made at `t.at` is too old to count its account, the account having been
/// deleted at `deleted` (its tombstone, if any).
pub fn forgotten(deleted: Option<Millis>, t: &Tally) -> bool {
    deleted.is_some_and(|at| t.at <= at)
}

/// Where the counts live: the Durable Object at the edge, maps natively.
pub trait Counters {
    /// Adds tallies of one project.
    fn record<'a>(
        &'a self,
        project: &'a str,
        tallies: &'a [Tally],
    ) -> LocalBoxFuture<'a, Result<(), ApiError>>;
    /// The counts of a range.
    fn read<'a>(
        &'a self,
        project: &'a str,
        range: Range,
    ) -> LocalBoxFuture<'a, Result<Counts, ApiError>>;
    /// Removes every row naming `account` (the identifiers it was counted behind), and keeps
    /// the account's tallies made up to `at` (the deletion's time) from naming it again; the
    /// hourly and country counts name no account and stay.
    fn forget<'a>(
        &'a self,
        project: &'a str,
        account: &'a str,
        at: Millis,
    ) -> LocalBoxFuture<'a, Result<(), ApiError>>;
}

/// The hour a time falls in.
pub fn hour_of(at: Millis) -> Millis {
    at.div_euclid(HOUR) * HOUR
}

/// The UTC day a time falls in.
pub fn day_of(at: Millis) -> Millis {
    at.div_euclid(DAY) * DAY
}

#[derive(Default)]
struct Project {
    /// Hour → real, suspicious, fake, incidents.
    hours: BTreeMap<Millis, [u64; 4]>,
    /// (day, country) → sessions.
    countries: BTreeMap<(Millis, String), u64>,
    /// (kind, value, account): each account counted once behind an identifier.
    identifiers: BTreeSet<(String, String, String)>,
    /// Deleted account → when.
    tombstones: BTreeMap<String, Millis>,
}

/// The counts in memory, for native tests: the same answers as the Durable Object.
#[derive(Default)]
pub struct MemoryCounters {
    projects: RefCell<BTreeMap<String, Project>>,
}

/// Adds one tally to an hour's counts.
pub fn add(counts: &mut [u64; 4], t: &Tally) {
    match t.decision.as_str() {
        "Real" => counts[0] += 1,
        "Suspicious" => counts[1] += 1,
        "Fake" => counts[2] += 1,
        _ => {}
    }
    counts[3] += u64::from(t.incidents);
}

impl Counters for MemoryCounters {
    fn record<'a>(
        &'a self,
        project: &'a str,
        tallies: &'a [Tally],
    ) -> LocalBoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            let mut projects = self.projects.borrow_mut();
            let p = projects.entry(project.to_string()).or_default();
            for t in tallies {
                add(p.hours.entry(hour_of(t.at)).or_default(), t);
                if !t.country.is_empty() && !t.decision.is_empty() {
                    *p.countries
                        .entry((day_of(t.at), t.country.clone()))
                        .or_default() += 1;
                }
                if forgotten(p.tombstones.get(&t.account).copied(), t) {
                    continue;
                }
                for (kind, value) in &t.identifiers {
                    if KINDS.contains(&kind.as_str()) && !value.is_empty() && !t.account.is_empty()
                    {
                        p.identifiers
                            .insert((kind.clone(), value.clone(), t.account.clone()));
                    }
                }
            }
            Ok(())
        })
    }

    fn read<'a>(
        &'a self,
        project: &'a str,
        range: Range,
    ) -> LocalBoxFuture<'a, Result<Counts, ApiError>> {
        Box::pin(async move {
            let projects = self.projects.borrow();
            let Some(p) = projects.get(project) else {
                return Ok(Counts::default());
            };
            let mut buckets: BTreeMap<Millis, Bucket> = BTreeMap::new();
            for (hour, c) in p.hours.range(range.from..range.to) {
                let start = range.from + (hour - range.from) / range.step * range.step;
                let b = buckets.entry(start).or_insert_with(|| Bucket {
                    start,
                    ..Bucket::default()
                });
                b.real += c[0];
                b.suspicious += c[1];
                b.fake += c[2];
                b.incidents += c[3];
            }
            let mut countries: BTreeMap<&str, u64> = BTreeMap::new();
            for ((day, country), n) in &p.countries {
                if day_of(range.from) <= *day && *day < range.to {
                    *countries.entry(country).or_default() += n;
                }
            }
            let mut per_identifier: BTreeMap<(&str, &str), u64> = BTreeMap::new();
            for (kind, value, _) in &p.identifiers {
                *per_identifier.entry((kind, value)).or_default() += 1;
            }
            let ranked = |kind: &str| {
                top(per_identifier
                    .iter()
                    .filter(|((k, _), _)| *k == kind)
                    .map(|((_, v), n)| (v.to_string(), *n)))
            };
            Ok(Counts {
                buckets: buckets.into_values().collect(),
                top: Top {
                    countries: top(countries.into_iter().map(|(c, n)| (c.to_string(), n))),
                    addresses: ranked("address"),
                    devices: ranked("device"),
                    networks: ranked("network"),
                },
            })
        })
    }

    fn forget<'a>(
        &'a self,
        project: &'a str,
        account: &'a str,
        at: Millis,
    ) -> LocalBoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            let mut projects = self.projects.borrow_mut();
            let p = projects.entry(project.to_string()).or_default();
            p.identifiers.retain(|(_, _, a)| a != account);
            p.tombstones.retain(|_, t| *t >= at - TOMBSTONE_KEPT);
            p.tombstones.insert(account.to_string(), at);
            Ok(())
        })
    }
}

impl MemoryCounters {
    /// Whether any row names `account` (the deletion tests ask).
    pub fn names(&self, account: &str) -> bool {
        self.projects
            .borrow()
            .values()
            .any(|p| p.identifiers.iter().any(|(_, _, a)| a == account))
    }
}

/// The [`TOP`] largest counts, the largest first, ties by value.
pub fn top(items: impl Iterator<Item = (String, u64)>) -> Vec<Ranked> {
    let mut v: Vec<Ranked> = items
        .map(|(value, count)| Ranked { value, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    v.truncate(TOP);
    v
}

/// Every bucket of the range, the empty ones with zeros.
pub fn filled(range: Range, counted: &[Bucket]) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut start = range.from;
    while start < range.to {
        out.push(
            counted
                .iter()
                .find(|b| b.start == start)
                .cloned()
                .unwrap_or(Bucket {
                    start,
                    ..Bucket::default()
                }),
        );
        start += range.step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    fn tally(at: Millis, decision: &str, account: &str, ip: &str) -> Tally {
        Tally {
            at,
            decision: decision.into(),
            incidents: u32::from(decision == "Fake"),
            country: "FR".into(),
            account: account.into(),
            identifiers: vec![("address".into(), ip.into())],
        }
    }

    #[test]
    fn counts_land_in_their_bucket_and_accounts_count_once_behind_an_identifier() {
        let c = MemoryCounters::default();
        let t0 = 1_780_000_000_000 / DAY * DAY;
        block_on(async {
            let tallies = [
                tally(t0 + 10, "Real", "a", "192.0.2.1"),
                tally(t0 + HOUR + 5, "Fake", "b", "192.0.2.1"),
                tally(t0 + HOUR + 6, "Fake", "b", "192.0.2.1"),
                tally(t0 + DAY + 1, "Suspicious", "c", "192.0.2.2"),
            ];
            c.record("demo", &tallies).await.unwrap();
            let range = Range {
                from: t0,
                to: t0 + 2 * DAY,
                step: DAY,
            };
            let counts = c.read("demo", range).await.unwrap();
            let all = filled(range, &counts.buckets);
            assert_eq!(all.len(), 2);
            assert_eq!((all[0].real, all[0].fake, all[0].incidents), (1, 2, 2));
            assert_eq!(all[1].suspicious, 1);
            assert_eq!(counts.top.countries[0].count, 4);
            assert_eq!(counts.top.addresses[0].value, "192.0.2.1");
            assert_eq!(counts.top.addresses[0].count, 2);
            c.forget("demo", "b", t0 + 2 * HOUR).await.unwrap();
            assert!(!c.names("b"));
            let after = c.read("demo", range).await.unwrap();
            assert_eq!(after.top.addresses[0].count, 1);
            assert!(c.read("other", range).await.unwrap().buckets.is_empty());
        });
    }

    #[test]
    fn a_tally_arriving_after_its_accounts_deletion_counts_the_decision_not_the_account() {
        let c = MemoryCounters::default();
        let t0 = 1_780_000_000_000 / DAY * DAY;
        let range = Range {
            from: t0,
            to: t0 + DAY,
            step: DAY,
        };
        block_on(async {
            c.forget("demo", "b", t0 + 100).await.unwrap();
            // Made before the deletion, delivered after it (the isolate's batch was on its way).
            c.record("demo", &[tally(t0 + 90, "Real", "b", "192.0.2.1")])
                .await
                .unwrap();
            assert!(!c.names("b"));
            let counts = c.read("demo", range).await.unwrap();
            assert_eq!(counts.buckets[0].real, 1);
            assert!(counts.top.addresses.is_empty());
            // The same id made again after the deletion is a new account: it counts.
            c.record("demo", &[tally(t0 + 200, "Real", "b", "192.0.2.1")])
                .await
                .unwrap();
            assert!(c.names("b"));
        });
    }
}
