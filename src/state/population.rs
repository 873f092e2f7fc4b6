//! The population index of each project ([`Population`]): kept up to date off the request path
//! with work proportional to what arrived since the last run, read by requests from one
//! snapshot key and kept per isolate for a few minutes.
//!
//! - **Journal.** `POST /session/authenticate` writes one more key of its own when a session
//!   is new to the account: `j/{created}/{session}/{account}` ([`journal_entry`]), the session's
//!   summary without address or scores in metadata, expiring after [`JOURNAL_TTL`]. Nothing
//!   shared is read or written back.
//! - **Fold.** [`fold`] lists the journal in time order, adds every arrival to the snapshot,
//!   writes it, and deletes the entries it consumed. Its work is the arrivals since the last
//!   run: a listing page per thousand and a delete each, and for a browser profile its account
//!   had not shown before, a read of the profile's marker (`pd/{hash}`); for a profile new to
//!   the project, the marker and its fingerprint's count (`pf/{device}`) written. What does not
//!   fit the run's budget of storage operations waits, in order, for the next run.
//! - **Devices.** A device is counted once per browser profile (identical phones share a device
//!   id): the markers remember which profiles the index has counted, one small key each, and
//!   the counts how many profiles show each whole fingerprint, so a fingerprint's third device
//!   is known as the third although the snapshot keeps only the shared ones
//!   ([`Population::fingerprints`], at most `MAX_FINGERPRINTS`; `floor` below).
//! - **Crash safety.** Each fold is a numbered run. The markers and counts run R writes carry R
//!   (a count also its value before R), the ledger of the entries R consumed (`popl`) is
//!   written before the snapshot that carries R, and the entries are deleted last: a run that
//!   dies before its snapshot lands is redone from the same entries (its own markers and counts
//!   read as not yet written); one that dies after it is finished by the next, which deletes
//!   the entries the ledger names without counting them again.
//! - **One writer.** Only a fold writes the snapshot, markers, counts and ledger. Deployed,
//!   folds run from the cron trigger only; in development, where `wrangler dev` fires no cron,
//!   the worker folds after a request once [`FOLD_INTERVAL`] has passed in its isolate
//!   (`edge::fetch`). Two folds of one project at once would count arrivals twice: nothing
//!   stops it but there being one cron and one local isolate. A rebuild fixes it.
//! - **Rebuild from scratch** ([`rebuild`]): the recovery path, from every stored session, as
//!   the index was built before the journal. The next fold does it when the key `popr` exists
//!   (`wrangler kv key put --binding STATE p/{project}/popr 1`, see the README) and when the
//!   snapshot predates the journal.
//!
//! The snapshot's size is bounded whatever the traffic: counts per country, network (ASN),
//! browser, OS and hour block, per fingerprint component (a two-byte hash per component, so
//! at most 65,536 values each), and at most `MAX_FINGERPRINTS` whole fingerprints.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

use futures::future::{join3, join_all};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::Project;
use super::error::ApiError;
use super::isolate::{Cached, Pause};
use crate::engine::population::{MAX_FINGERPRINTS, SHARED_FINGERPRINT};
use crate::engine::rollup::Rollup;
use crate::engine::{Population, SessionSummary};
use crate::schema::time::{Millis, DAY, MINUTE, SECOND};
use crate::store::keys::{decode_id, parse_account_key, AccountKey, Id};
use crate::store::{Keys, Put, Store, StoreError};

/// How long an isolate keeps a snapshot before reading it again.
pub const REFRESH: Millis = 5 * MINUTE;
/// How often the index is folded: the cron trigger's period in `wrangler.toml`, and in
/// development the wait between two folds after requests.
pub const FOLD_INTERVAL: Millis = 10 * MINUTE;
/// How long an arrival waits in the journal for a fold before KV forgets it: a week of folds
/// failing or not running loses arrivals (a rebuild from scratch recovers them).
pub const JOURNAL_TTL: Millis = 7 * DAY;
/// Cloudflare KV allows 1,000 operations per Worker invocation; a scheduled run keeps this
/// many for its folds, shared between the projects (the Tor refresh takes one).
pub const KV_OPERATIONS_PER_RUN: usize = 900;

/// Storage operations an arrival may cost a fold at most: its delete, its profile's marker
/// read and written, its fingerprint's count read and written.
const WORST_PER_ARRIVAL: usize = 5;
/// Operations a fold spends whatever it folds: three reads, the ledger and snapshot writes.
const FIXED: usize = 5;

/// Snapshots per project, with when they were read, and when this isolate last folded.
#[derive(Default)]
pub struct Populations {
    cache: Cached<Population>,
    folded_at: Cell<Option<Millis>>,
}

impl Populations {
    /// Whether this isolate should fold the journal after a request (development, where no
    /// cron fires): when it never did, or `every` ms ago by the wall clock `clock` (never the
    /// development clock a request may carry). Answers `true` once per period: the fold
    /// starts marked, so one isolate never runs two at once.
    pub fn fold_due(&self, clock: Millis, every: Millis) -> bool {
        let due = self
            .folded_at
            .get()
            .is_none_or(|t| clock - t >= every || clock < t);
        if due {
            self.folded_at.set(Some(clock));
        }
        due
    }

    /// The project's snapshot, read from KV when this isolate has none or an old one. A missing
    /// or unreadable snapshot is an empty index: scoring goes on without population shares.
    pub async fn get<S: Store>(
        &self,
        store: &S,
        keys: &Keys,
        project: &str,
        now: Millis,
        pause: &dyn Pause,
    ) -> Result<Rc<Population>, ApiError> {
        self.cache
            .get(project, now, REFRESH, pause, || async {
                Ok(store
                    .get(&keys.population())
                    .await?
                    .and_then(|v| serde_json::from_str(&v).ok())
                    .unwrap_or_default())
            })
            .await
    }
}

/// The stored snapshot: the index (what requests read: they ignore the rest) and the fold
/// that wrote it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Snapshot {
    #[serde(flatten)]
    population: Population,
    /// The run that wrote it; 0 for a snapshot from before the journal.
    #[serde(default)]
    run: u64,
    /// Whole fingerprints shown by this many profiles or fewer are not kept ([`trim`]).
    #[serde(default)]
    floor: u64,
}

/// The journal entries one run consumed.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Ledger {
    run: u64,
    entries: Vec<String>,
}

/// How many browser profiles show one whole fingerprint: `n`, written by run `r`, which
/// found `b`.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
struct Count {
    n: u64,
    r: u64,
    b: u64,
}

/// An arrival as the journal keeps it.
#[derive(Debug, Serialize, Deserialize)]
struct Arrival {
    #[serde(flatten)]
    summary: SessionSummary,
    /// The account had shown the browser profile before, so it is counted already.
    #[serde(rename = "k", default, skip_serializing_if = "std::ops::Not::not")]
    known: bool,
}

/// What one fold did.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    pub population: Population,
    /// Arrivals added (by a rebuild: sessions counted).
    pub arrivals: usize,
    /// Arrivals left in the journal for the next run (the budget ran out).
    pub more: bool,
    /// Rebuilt from scratch rather than folded.
    pub rebuilt: bool,
    /// Storage operations spent.
    pub operations: usize,
}

/// The browser profile a session counts as a device of: its browser id, or its device id when
/// it has none.
fn instance(s: &SessionSummary) -> &str {
    if s.browser_id.is_empty() {
        &s.device_id
    } else {
        &s.browser_id
    }
}

/// The marker name of a browser profile: a hash, so the markers hold no browser id.
fn profile_hash(instance: &str) -> String {
    Sha256::digest(instance.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The journal entry of an authenticated session (key, value, options), or `None` when the
/// account has the session already (authenticated again: it is counted once, as the stored
/// session is). `history` = the account's stored sessions before this one.
pub fn journal_entry(
    keys: &Keys,
    account: &Id,
    history: &[SessionSummary],
    rollup: Option<&Rollup>,
    session: &SessionSummary,
) -> Option<(String, String, Put)> {
    if history.iter().any(|s| s.id == session.id) {
        return None;
    }
    let sid = Id::new(&session.id).ok()?;
    let me = instance(session);
    let arrival = Arrival {
        // What the index counts, nothing more: no address, no scores.
        summary: SessionSummary {
            id: String::new(),
            at: session.at,
            country: session.country.clone(),
            asn: session.asn,
            browser: session.browser.clone(),
            os: session.os.clone(),
            fingerprint: session.fingerprint.clone(),
            device_id: session.device_id.clone(),
            browser_id: session.browser_id.clone(),
            ..SessionSummary::default()
        },
        known: !me.is_empty()
            && (history.iter().any(|s| instance(s) == me)
                || rollup.is_some_and(|r| r.instances.iter().any(|i| i.profile() == me))),
    };
    let metadata = serde_json::to_value(&arrival).ok()?;
    Some((
        keys.journal_entry(session.at, &sid, account),
        String::new(),
        Put {
            ttl_secs: Some((JOURNAL_TTL / SECOND) as u64),
            metadata: Some(metadata),
        },
    ))
}

/// The keys of the account's journal entries, one per stored session (deleting the account).
pub fn journal_keys(keys: &Keys, account: &Id, sessions: &[SessionSummary]) -> Vec<String> {
    sessions
        .iter()
        .filter_map(|s| Some(keys.journal_entry(s.at, &Id::new(&s.id).ok()?, account)))
        .collect()
}

/// The marker key of the browser profile of a session, if it has one.
pub fn profile_marker(keys: &Keys, s: &SessionSummary) -> Option<String> {
    let me = instance(s);
    (!me.is_empty()).then(|| keys.counted_device(&profile_hash(me)))
}

/// Drops the whole fingerprints [`Population::keep_shared`] drops when it sees every count,
/// from a map that holds only the counts above `floor` (the last run's) and those that changed
/// since, and returns the new floor.
///
/// Counts only grow, so the `MAX_FINGERPRINTS`-th largest count of all only grows, and every
/// count above the old floor is in the map: when `MAX_FINGERPRINTS` of them are above it, the
/// map's own `MAX_FINGERPRINTS`-th is the true one; else the true one is the old floor.
fn trim(p: &mut Population, floor: u64) -> u64 {
    let floor = floor.max(SHARED_FINGERPRINT - 1);
    let engaged = floor >= SHARED_FINGERPRINT;
    let mut above: Vec<u64> = p
        .fingerprints
        .values()
        .copied()
        .filter(|&n| n > floor)
        .collect();
    let floor = if above.len() > MAX_FINGERPRINTS || (engaged && above.len() == MAX_FINGERPRINTS) {
        above.sort_unstable_by(|a, b| b.cmp(a));
        above[MAX_FINGERPRINTS - 1]
    } else {
        floor
    };
    p.fingerprints.retain(|_, n| *n > floor);
    floor
}

fn parse<T: serde::de::DeserializeOwned>(v: Option<String>) -> Option<T> {
    v.and_then(|v| serde_json::from_str(&v).ok())
}

fn collect<T>(results: Vec<Result<T, StoreError>>) -> Result<Vec<T>, StoreError> {
    results.into_iter().collect()
}

/// Writes and deletes, concurrently.
async fn apply<S: Store>(
    store: &S,
    puts: Vec<(String, String, Put)>,
    deletes: &[String],
) -> Result<(), StoreError> {
    collect(join_all(puts.iter().map(|(k, v, p)| store.put(k, v, p.clone()))).await)?;
    store.delete_all(deletes).await?;
    Ok(())
}

fn count_write(keys: &Keys, device: &str, c: Count) -> Option<(String, String, Put)> {
    let v = serde_json::to_value(c).ok()?;
    Some((
        keys.fingerprint_count(&Id::new(device).ok()?),
        v.to_string(),
        Put {
            ttl_secs: None,
            metadata: Some(v),
        },
    ))
}

/// Folds the journal into the project's snapshot, spending at most about `budget` storage
/// operations (arrivals that do not fit wait for the next call), and returns the index. A
/// rebuild from scratch instead when one is asked for or the snapshot predates the journal.
pub async fn fold<S: Store>(store: &S, keys: &Keys, budget: usize) -> Result<Folded, ApiError> {
    let (snapshot, wanted, ledger) = join3(
        store.get(&keys.population()),
        store.get(&keys.population_rebuild()),
        store.get(&keys.population_ledger()),
    )
    .await;
    let snapshot: Snapshot = parse(snapshot?).unwrap_or_default();
    if snapshot.run == 0 || wanted?.is_some() {
        return rebuild(store, keys).await;
    }
    let ledger: Ledger = parse(ledger?).unwrap_or_default();
    // The last run's entries, if its snapshot landed: counted, only their deletes remain.
    let done: HashSet<String> = match ledger.run == snapshot.run {
        true => ledger.entries.into_iter().collect(),
        false => HashSet::new(),
    };
    let run = snapshot.run + 1;
    let mut ops = 3;

    // The arrivals that fit the budget, oldest first.
    let mut batch: Vec<(String, Arrival)> = Vec::new();
    let mut stale: Vec<String> = Vec::new();
    let mut planned = FIXED - 3;
    let mut cursor = None;
    let mut more = false;
    'pages: loop {
        if ops + planned + 1 > budget {
            more = true;
            break;
        }
        let page = store.list(&keys.journal(), cursor).await?;
        ops += 1;
        for item in page.keys {
            let arrival = match done.contains(&item.name) {
                true => None,
                false => item.meta::<Arrival>(),
            };
            let cost = match &arrival {
                Some(a) if !a.known && !instance(&a.summary).is_empty() => WORST_PER_ARRIVAL,
                _ => 1,
            };
            if ops + planned + cost > budget {
                more = true;
                break 'pages;
            }
            planned += cost;
            match arrival {
                Some(a) => batch.push((item.name, a)),
                // Folded by the last run, or unreadable: deleted only.
                None => stale.push(item.name),
            }
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }

    // The markers of the profiles the accounts had not shown before.
    let unknown: Vec<String> = batch
        .iter()
        .filter(|(_, a)| !a.known)
        .map(|(_, a)| instance(&a.summary))
        .filter(|i| !i.is_empty())
        .map(profile_hash)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let markers = collect(
        join_all(
            unknown
                .iter()
                .map(|h| async move { store.get(&keys.counted_device(h)).await }),
        )
        .await,
    )?;
    ops += unknown.len();
    // Profile → counted before this run (a marker this run wrote before dying is not).
    let mut counted: HashMap<String, bool> = unknown
        .into_iter()
        .zip(markers)
        .map(|(h, m)| {
            let before = m.is_some_and(|v| v.parse::<u64>() != Ok(run));
            (h, before)
        })
        .collect();

    let mut population = snapshot.population;
    let mut puts = Vec::new();
    let mut new_devices: HashMap<String, u64> = HashMap::new();
    for (_, a) in &batch {
        let s = &a.summary;
        let me = instance(s);
        let new_device = match a.known || me.is_empty() {
            true => false,
            false => {
                let h = profile_hash(me);
                match counted.insert(h.clone(), true) {
                    Some(true) => false,
                    _ => {
                        puts.push((keys.counted_device(&h), run.to_string(), Put::default()));
                        true
                    }
                }
            }
        };
        population.add(s, new_device);
        if new_device && !s.device_id.is_empty() {
            *new_devices.entry(s.device_id.clone()).or_default() += 1;
        }
    }

    // Whole-fingerprint counts: exact from their keys, whatever the snapshot kept.
    let devices: Vec<(String, u64)> = new_devices.into_iter().collect();
    let counts = collect(
        join_all(devices.iter().map(|(d, _)| async move {
            match Id::new(d) {
                Ok(id) => store.get(&keys.fingerprint_count(&id)).await,
                Err(_) => Ok(None),
            }
        }))
        .await,
    )?;
    ops += devices.len();
    for ((device, added), stored) in devices.into_iter().zip(counts) {
        let c: Count = parse(stored).unwrap_or_default();
        let before = if c.r == run { c.b } else { c.n };
        let n = before + added;
        puts.extend(count_write(
            keys,
            &device,
            Count {
                n,
                r: run,
                b: before,
            },
        ));
        population.fingerprints.insert(device, n);
    }
    let floor = trim(&mut population, snapshot.floor);

    let consumed: Vec<String> = batch.into_iter().map(|(k, _)| k).collect();
    ops += puts.len();
    apply(store, puts, &[]).await?;
    let ledger = Ledger {
        run,
        entries: consumed.clone(),
    };
    write_snapshot(store, keys, &ledger, &population, floor).await?;
    ops += 2;
    let mut deletes = consumed;
    let arrivals = deletes.len();
    deletes.extend(stale);
    ops += deletes.len();
    apply(store, Vec::new(), &deletes).await?;
    Ok(Folded {
        population,
        arrivals,
        more,
        rebuilt: false,
        operations: ops,
    })
}

/// Writes the ledger, then the snapshot that makes it count.
async fn write_snapshot<S: Store>(
    store: &S,
    keys: &Keys,
    ledger: &Ledger,
    population: &Population,
    floor: u64,
) -> Result<(), ApiError> {
    // Counts, strings and numbers only: encoding cannot fail.
    let text = serde_json::to_string(ledger).unwrap_or_default();
    store
        .put(&keys.population_ledger(), &text, Put::default())
        .await?;
    #[derive(Serialize)]
    struct Stored<'a> {
        #[serde(flatten)]
        population: &'a Population,
        run: u64,
        floor: u64,
    }
    let snapshot = Stored {
        population,
        run: ledger.run,
        floor,
    };
    let text = serde_json::to_string(&snapshot).unwrap_or_default();
    store.put(&keys.population(), &text, Put::default()).await?;
    Ok(())
}

/// The recovery path: rebuilds a project's index from the summaries of all its accounts'
/// sessions (the recency index names the accounts, one listing of each account's sessions
/// reads them; the summaries ride in key metadata), as
/// the index was built before the journal, and resets what folds keep beside it (the profile
/// markers and fingerprint counts) to match. The journal's entries are all counted (their
/// sessions are stored) and deleted. Its work is proportional to everything stored: folds
/// call it only when asked to ([`Keys::population_rebuild`]) or when the snapshot predates
/// the journal.
pub async fn rebuild<S: Store>(store: &S, keys: &Keys) -> Result<Folded, ApiError> {
    let run = parse::<Snapshot>(store.get(&keys.population()).await?).map_or(0, |s| s.run) + 1;
    // Listed first: a session stored after its listing is then counted at most once more.
    let pending: Vec<String> = store
        .list_all(&keys.journal())
        .await?
        .into_iter()
        .map(|l| l.name)
        .collect();
    // Every account with a session has a card in the recency index (authenticate writes
    // both): the accounts are enumerated from it, and each one's sessions listed. No listing
    // spans accounts: at the edge each account's keys live in an object of its own.
    let cards = store.list_all(&keys.recent_accounts("all")).await?;
    let mut ops = 2 + cards.len().div_ceil(1000).max(1);
    let accounts: BTreeSet<String> = cards
        .iter()
        .filter_map(|c| decode_id(c.name.rsplit('/').next()?))
        .collect();
    let accounts: Vec<Id> = accounts.iter().filter_map(|a| Id::new(a).ok()).collect();
    let mut listed = Vec::new();
    for chunk in accounts.chunks(50) {
        let pages = join_all(chunk.iter().map(|a| {
            let prefix = keys.account(a);
            async move {
                let sessions = store.list_all(&format!("{prefix}s/")).await;
                sessions.map(|l| (prefix, l))
            }
        }))
        .await;
        for page in pages {
            let (prefix, items) = page?;
            ops += items.len().div_ceil(1000).max(1);
            listed.extend(items.into_iter().map(|i| (prefix.clone(), i)));
        }
    }
    let mut population = Population::default();
    let mut devices = HashSet::new();
    for (prefix, item) in listed {
        if !matches!(
            parse_account_key(&prefix, &item.name),
            Some(AccountKey::Session(_))
        ) {
            continue;
        }
        let Some(s) = item.meta::<SessionSummary>() else {
            continue;
        };
        // A device is counted once per browser profile: identical phones share a device id,
        // and counting that id once would make the most common fingerprint look unique.
        let new_device = devices.insert(instance(&s).to_string());
        population.add(&s, new_device);
    }
    let all_counts = population.fingerprints.clone();
    population.keep_shared();
    let floor = floor_of(&all_counts);

    // Markers and counts: exactly the profiles and fingerprints just counted.
    let markers: HashSet<String> = devices
        .iter()
        .filter(|i| !i.is_empty())
        .map(|i| profile_hash(i))
        .collect();
    let (old_markers, old_counts) = futures::future::join(
        store.list_all(&keys.counted_devices()),
        store.list_all(&keys.fingerprint_counts()),
    )
    .await;
    let (old_markers, old_counts) = (old_markers?, old_counts?);
    ops += 2;
    let mut puts = Vec::new();
    let mut deletes = Vec::new();
    let marker_prefix = keys.counted_devices();
    let mut kept = HashSet::new();
    for l in old_markers {
        match l.name.strip_prefix(&marker_prefix) {
            Some(h) if markers.contains(h) => {
                kept.insert(h.to_string());
            }
            _ => deletes.push(l.name),
        }
    }
    for h in markers.difference(&kept) {
        puts.push((keys.counted_device(h), run.to_string(), Put::default()));
    }
    let mut wanted: HashMap<String, u64> = HashMap::new();
    for (d, n) in &all_counts {
        if let Ok(id) = Id::new(d) {
            wanted.insert(keys.fingerprint_count(&id), *n);
        }
    }
    for l in old_counts {
        let stored = l.meta::<Count>();
        match (wanted.get(&l.name), stored) {
            (Some(n), Some(c)) if c.n == *n => {
                wanted.remove(&l.name);
            }
            (Some(_), _) => {}
            (None, _) => deletes.push(l.name),
        }
    }
    for (d, n) in &all_counts {
        if let Ok(id) = Id::new(d) {
            if wanted.contains_key(&keys.fingerprint_count(&id)) {
                puts.extend(count_write(
                    keys,
                    d,
                    Count {
                        n: *n,
                        r: run,
                        b: *n,
                    },
                ));
            }
        }
    }
    ops += puts.len() + deletes.len();
    apply(store, puts, &deletes).await?;
    let sessions = population.sessions as usize;
    let ledger = Ledger {
        run,
        entries: pending.clone(),
    };
    write_snapshot(store, keys, &ledger, &population, floor).await?;
    let mut done = pending;
    done.push(keys.population_rebuild());
    ops += 2 + done.len();
    apply(store, Vec::new(), &done).await?;
    Ok(Folded {
        population,
        arrivals: sessions,
        more: false,
        rebuilt: true,
        operations: ops,
    })
}

/// The floor [`Population::keep_shared`] applies to these counts of every fingerprint.
fn floor_of(counts: &HashMap<String, u64>) -> u64 {
    let mut shared: Vec<u64> = counts
        .values()
        .copied()
        .filter(|&n| n >= SHARED_FINGERPRINT)
        .collect();
    if shared.len() > MAX_FINGERPRINTS {
        shared.sort_unstable_by(|a, b| b.cmp(a));
        shared[MAX_FINGERPRINTS - 1]
    } else {
        SHARED_FINGERPRINT - 1
    }
}

/// Folds every project's journal, sharing `budget` storage operations between them (the
/// scheduled run; in development also the fold after requests).
pub async fn fold_all<S: Store>(
    store: &S,
    projects: &[Project],
    budget: usize,
) -> Vec<(String, Result<Folded, ApiError>)> {
    let each = budget / projects.len().max(1);
    let mut out = Vec::new();
    for project in projects {
        let keys = Keys::new(&project.id);
        out.push((project.id.clone(), fold(store, &keys, each).await));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryStore, Page};
    use futures::executor::block_on;

    /// A small deterministic generator (tests only).
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
    }

    /// Stores one authenticated session as `authenticate` does: the account's session key
    /// with its summary, and the journal entry when the session is new to the account.
    fn arrive(store: &MemoryStore, keys: &Keys, account: &str, s: &SessionSummary) {
        let a = Id::new(account).unwrap();
        let prefix = keys.account(&a);
        let history: Vec<SessionSummary> = block_on(store.list_all(&prefix))
            .unwrap()
            .into_iter()
            .filter_map(|l| {
                let Some(AccountKey::Session(id)) = parse_account_key(&prefix, &l.name) else {
                    return None;
                };
                let mut h: SessionSummary = l.meta()?;
                h.id = id;
                Some(h)
            })
            .collect();
        let sid = Id::new(&s.id).unwrap();
        let summary = serde_json::to_value(s).unwrap();
        let mut writes = vec![(
            keys.account_session(&a, &sid),
            summary.to_string(),
            Put {
                ttl_secs: None,
                metadata: Some(summary),
            },
        )];
        writes.extend(journal_entry(keys, &a, &history, None, s));
        // The account's entry in the recency index (its card), which a rebuild enumerates.
        writes.push((
            keys.recent_account("all", s.at, &a),
            String::from("{}"),
            Put::default(),
        ));
        block_on(apply(store, writes, &[])).unwrap();
    }

    /// A project's traffic: `profiles` browser profiles on `models` device models (a few
    /// popular), some profiles shared by two accounts, some sessions without a browser id,
    /// sessions authenticated again, and every account coming back.
    fn traffic(
        seed: u64,
        sessions: usize,
        profiles: u64,
        models: u64,
    ) -> Vec<(String, SessionSummary)> {
        let mut r = Lcg(seed);
        let mut out = Vec::new();
        for i in 0..sessions {
            let profile = r.below(profiles);
            // Popular models first: a third of the profiles on the first five. A profile
            // keeps its model (which of a profile's fingerprints counts is the first one's,
            // in time for a fold, in key order for a rebuild).
            let model = match profile % 3 {
                0 => profile % 5,
                _ => profile % models,
            };
            let account = match r.below(10) {
                0 => format!("acct-{}", (profile + 1) % profiles),
                _ => format!("acct-{profile}"),
            };
            // Authenticated again: the account's latest session once more, as it was stored
            // (a session's summary comes from its record, which does not change).
            if r.below(20) == 0 {
                if let Some(again) = out
                    .iter()
                    .rev()
                    .find(|(a, _): &&(String, SessionSummary)| *a == account)
                    .map(|(_, s)| s.clone())
                {
                    out.push((account, again));
                    continue;
                }
            }
            let s = SessionSummary {
                id: format!("s-{i}"),
                at: 1_700_000_000_000 + i as i64 * 37 * SECOND,
                country: ["FR", "US", "BR", "JP"][r.below(4) as usize].into(),
                asn: [3215, 7922, 28573, 0][r.below(4) as usize],
                browser: ["Chrome", "Safari"][r.below(2) as usize].into(),
                os: ["Windows", "iOS", "Android"][r.below(3) as usize].into(),
                device_id: format!("dev-{model}"),
                fingerprint: format!("0.{:04x},1.{:04x},2.{:04x}", model % 7, model % 13, model),
                browser_id: match r.below(25) {
                    0 => String::new(),
                    _ => format!("b-{profile}"),
                },
                ip: format!("192.0.2.{}", r.below(250)),
                ..SessionSummary::default()
            };
            out.push((account, s));
        }
        out
    }

    fn snapshot(store: &MemoryStore, keys: &Keys) -> Snapshot {
        parse(block_on(store.get(&keys.population())).unwrap()).unwrap()
    }

    #[test]
    fn folding_arrivals_run_by_run_gives_the_index_a_rebuild_from_scratch_gives() {
        let store = MemoryStore::with_page_size(100);
        let keys = Keys::new("demo");
        let arrivals = traffic(7, 3000, 700, 200);
        for (n, (account, s)) in arrivals.iter().enumerate() {
            arrive(&store, &keys, account, s);
            // Runs of uneven sizes, some cut short by a small budget.
            if n.is_multiple_of(311) {
                block_on(fold(&store, &keys, 150)).unwrap();
            }
        }
        while block_on(fold(&store, &keys, 400)).unwrap().more {}
        let folded = snapshot(&store, &keys);
        assert!(block_on(store.list_all(&keys.journal()))
            .unwrap()
            .is_empty());
        assert!(folded.run > 10, "{}", folded.run);
        assert!(folded.population.fingerprints.len() > 5);

        let rebuilt = block_on(rebuild(&store, &keys)).unwrap();
        assert!(rebuilt.rebuilt);
        assert_eq!(folded.population, rebuilt.population);
        assert_eq!(folded.floor, snapshot(&store, &keys).floor);
    }

    #[test]
    fn a_fold_after_a_rebuild_counts_only_what_arrived_since() {
        let store = MemoryStore::new();
        let keys = Keys::new("demo");
        let arrivals = traffic(11, 1200, 300, 90);
        let (before, after) = arrivals.split_at(800);
        for (account, s) in before {
            arrive(&store, &keys, account, s);
        }
        // The first fold of a project rebuilds (no snapshot of the journal's yet) and consumes
        // the journal; asking for a rebuild does it again.
        assert!(block_on(fold(&store, &keys, usize::MAX)).unwrap().rebuilt);
        block_on(store.put(&keys.population_rebuild(), "1", Put::default())).unwrap();
        assert!(block_on(fold(&store, &keys, usize::MAX)).unwrap().rebuilt);
        assert!(block_on(store.get(&keys.population_rebuild()))
            .unwrap()
            .is_none());
        for (account, s) in after {
            arrive(&store, &keys, account, s);
        }
        let journal = block_on(store.list_all(&keys.journal())).unwrap().len();
        assert!(journal > 300 && journal <= after.len(), "{journal}");
        let f = block_on(fold(&store, &keys, usize::MAX)).unwrap();
        assert!(!f.rebuilt);
        assert_eq!(f.arrivals, journal);
        let full = block_on(rebuild(&store, &keys)).unwrap();
        assert_eq!(f.population, full.population);
    }

    /// Fails every write of one key until told otherwise: a run that dies there.
    struct Dying<'a> {
        inner: &'a MemoryStore,
        key: String,
        deletes: bool,
    }

    impl Store for Dying<'_> {
        async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.inner.get(key).await
        }
        async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            self.inner.get_bytes(key).await
        }
        async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError> {
            match key == self.key {
                true => Err(StoreError("the run died".into())),
                false => self.inner.put(key, value, opts).await,
            }
        }
        async fn list_page(
            &self,
            prefix: &str,
            cursor: Option<String>,
            limit: usize,
        ) -> Result<Page, StoreError> {
            self.inner.list_page(prefix, cursor, limit).await
        }
        async fn delete(&self, key: &str) -> Result<(), StoreError> {
            match self.deletes {
                true => Err(StoreError("the run died".into())),
                false => self.inner.delete(key).await,
            }
        }
    }

    #[test]
    fn a_run_that_dies_before_or_after_its_snapshot_lands_counts_nothing_twice() {
        let keys = Keys::new("demo");
        let arrivals = traffic(5, 900, 200, 60);
        let clean = MemoryStore::new();
        let crashing = MemoryStore::new();
        for (n, (account, s)) in arrivals.iter().enumerate() {
            for store in [&clean, &crashing] {
                arrive(store, &keys, account, s);
            }
            if n % 100 == 99 {
                block_on(fold(&clean, &keys, usize::MAX)).unwrap();
                // Dies before its snapshot (markers and counts written), then after it (the
                // entries not deleted), then runs.
                let before = Dying {
                    inner: &crashing,
                    key: keys.population(),
                    deletes: false,
                };
                let after = Dying {
                    inner: &crashing,
                    key: String::new(),
                    deletes: true,
                };
                if n > 100 {
                    assert!(block_on(fold(&before, &keys, usize::MAX)).is_err());
                    assert!(block_on(fold(&after, &keys, usize::MAX)).is_err());
                }
                block_on(fold(&crashing, &keys, usize::MAX)).unwrap();
            }
        }
        assert_eq!(
            snapshot(&clean, &keys).population,
            snapshot(&crashing, &keys).population
        );
        assert_eq!(
            snapshot(&crashing, &keys).population,
            block_on(rebuild(&crashing, &keys)).unwrap().population
        );
    }

    #[test]
    fn past_the_fingerprint_cap_the_folded_index_keeps_the_fingerprints_a_rebuild_keeps() {
        let store = MemoryStore::new();
        let keys = Keys::new("demo");
        // More shared fingerprints than the snapshot keeps, their counts growing run by run,
        // many tied at the cut.
        let models = MAX_FINGERPRINTS as u64 + 400;
        let mut r = Lcg(3);
        let mut n = 0;
        for round in 0..6u64 {
            for model in 0..models {
                if round >= 3 && r.below(3) == 0 {
                    continue;
                }
                let s = SessionSummary {
                    id: format!("s-{n}"),
                    at: n as i64,
                    device_id: format!("dev-{model}"),
                    browser_id: format!("b-{n}"),
                    fingerprint: format!("0.{:04x}", model % 9),
                    ..SessionSummary::default()
                };
                arrive(&store, &keys, &format!("a-{n}"), &s);
                n += 1;
            }
            block_on(fold(&store, &keys, usize::MAX)).unwrap();
        }
        let folded = snapshot(&store, &keys);
        assert!(folded.floor >= SHARED_FINGERPRINT, "{}", folded.floor);
        assert!(folded.population.fingerprints.len() <= MAX_FINGERPRINTS);
        let rebuilt = block_on(rebuild(&store, &keys)).unwrap();
        assert_eq!(
            folded.population.fingerprints,
            rebuilt.population.fingerprints
        );
        assert_eq!(folded.population, rebuilt.population);
    }

    #[test]
    fn an_isolate_folds_after_requests_once_per_period_by_the_wall_clock() {
        let p = Populations::default();
        assert!(p.fold_due(1_000, FOLD_INTERVAL));
        assert!(!p.fold_due(1_000 + FOLD_INTERVAL - 1, FOLD_INTERVAL));
        assert!(p.fold_due(1_000 + FOLD_INTERVAL, FOLD_INTERVAL));
        assert!(!p.fold_due(1_000 + FOLD_INTERVAL, FOLD_INTERVAL));
    }

    #[test]
    fn the_journal_keeps_no_address_and_no_score() {
        let keys = Keys::new("demo");
        let s = SessionSummary {
            id: "s1".into(),
            at: 5,
            ip: "192.0.2.9".into(),
            bot: 0.7,
            takeover: 0.4,
            browser_id: "b1".into(),
            ..SessionSummary::default()
        };
        let a = Id::new("ann").unwrap();
        let (key, _, put) = journal_entry(&keys, &a, &[], None, &s).unwrap();
        assert_eq!(key, "p/demo/j/0000000000000005/s1/ann");
        let meta = put.metadata.unwrap();
        assert_eq!(meta["i"], "");
        assert_eq!(meta["bot"], 0.0);
        assert!(meta.get("to").is_none() && meta.get("k").is_none());
        // Authenticated again: nothing; a second session on a known profile: marked known.
        assert!(journal_entry(&keys, &a, std::slice::from_ref(&s), None, &s).is_none());
        let next = SessionSummary {
            id: "s2".into(),
            ..s.clone()
        };
        let (_, _, put) = journal_entry(&keys, &a, &[s], None, &next).unwrap();
        assert_eq!(put.metadata.unwrap()["k"], true);
    }
}
