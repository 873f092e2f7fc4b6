//! What the project notes about one client address, for an hour or a week: which accounts
//! authenticated from it (by the hour), which were decided Fake on it (`recent_fraud_ip`), and
//! which failed to log in from it (`failed_accounts_per_ip`).
//!
//! The three kinds of mark share the address's prefix (`Keys::address`), so an authenticate
//! reads everything about its address with one list call instead of one per kind: lists are
//! the dearest KV operation (Cloudflare bills a list as a write), and on `wrangler dev` each one
//! scans the local store. Every mark is one key per (address, account), written without a
//! read, so concurrent requests never write the same key; each expires when it stops counting.

use futures::future::join_all;
use serde_json::json;

use super::error::ApiError;
use crate::engine::takeover::VELOCITY_WINDOW;
use crate::schema::time::{Millis, DAY, HOUR, SECOND};
use crate::store::keys::{decode_id, Id};
use crate::store::{Keys, Listed, Put, Store};

/// An account decided Fake on the address; kept [`FRAUD_KEPT`].
const FRAUD: &str = "f";
/// An account authenticated from the address, filed by the hour; kept [`HOURLY_KEPT`].
const HOURLY: &str = "n";
/// An account failed to log in from the address; kept until its hour is over.
const FAILED: &str = "x";

/// How long an address stays marked after a Fake decision on it.
pub const FRAUD_KEPT: Millis = 7 * DAY;
/// How long an hourly entry lives: its hour is read until the end of the next one, with an
/// hour to spare.
pub const HOURLY_KEPT: Millis = 3 * HOUR;

/// The marks on one address, each `(account, when)`, the latest per account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    /// Accounts authenticated from it within the hours [`read`] covers.
    pub hourly: Vec<(String, Millis)>,
    pub fraud: Vec<(String, Millis)>,
    pub failed: Vec<(String, Millis)>,
}

impl Marks {
    /// The `recent_fraud_ip` score for `account`: other accounts decided Fake on the address
    /// within [`FRAUD_KEPT`].
    pub fn fraud_score(&self, account: &str) -> f64 {
        fraud_score_of(self.fraud.iter().filter(|m| m.0 != account).count())
    }

    /// Other accounts than `account` that failed to log in from the address within the hour
    /// before `now`.
    pub fn failed_others(&self, account: &str, now: Millis) -> u32 {
        self.failed
            .iter()
            .filter(|(a, t)| a != account && now - t <= VELOCITY_WINDOW)
            .count() as u32
    }
}

/// The score of an address marked by `n` other accounts: half for one (an office or a carrier
/// address may carry one fraudster among many people), nearing 1 with more.
pub fn fraud_score_of(n: usize) -> f64 {
    1.0 - 0.5f64.powi(n.min(30) as i32)
}

/// The hour an hourly entry written at `t` is filed under.
pub fn hour_of(t: Millis) -> i64 {
    t.div_euclid(HOUR)
}

/// Every mark on `ip`, with one list call: the first page of the address's prefix (KV's
/// 1,000 keys). Kinds sort `f`, `n`, `x`; when that page is full, each kind after the last one
/// it reached gets its own first page, so an address crowded by one kind (a carrier's logins
/// within the hour) still shows the others. Past a page of one kind its figure has long
/// saturated: a fraud score of 1 − 2⁻³⁰, a velocity far past where its factor is full.
/// Hourly entries older than the hour before `now`'s are left out (they still exist until they
/// expire).
pub async fn read<S: Store>(
    store: &S,
    keys: &Keys,
    ip: &Id,
    now: Millis,
) -> Result<Marks, ApiError> {
    let prefix = keys.address(ip);
    let (mut listed, more) = store.list_first(&prefix).await?;
    if more {
        let reached = listed
            .last()
            .and_then(|l| kind_of(&prefix, &l.name))
            .unwrap_or("");
        let rest: Vec<String> = [HOURLY, FAILED]
            .into_iter()
            .filter(|k| *k > reached)
            .map(|k| keys.address_marks(ip, k))
            .collect();
        for page in join_all(rest.iter().map(|p| store.list_first(p))).await {
            listed.extend(page?.0);
        }
    }
    Ok(parse(&prefix, &listed, hour_of(now - VELOCITY_WINDOW)))
}

fn kind_of<'a>(prefix: &str, name: &'a str) -> Option<&'a str> {
    name.strip_prefix(prefix)?.split('/').next()
}

/// Sorts listed keys into their kinds, keeping hourly entries filed at `first_hour` or later.
fn parse(prefix: &str, listed: &[Listed], first_hour: i64) -> Marks {
    let mut marks = Marks::default();
    for l in listed {
        let Some(rest) = l.name.strip_prefix(prefix) else {
            continue;
        };
        let at = l.filed_at().unwrap_or(0);
        let mark = |id: &str| decode_id(id).map(|a| (a, at));
        match rest.split_once('/') {
            Some((FRAUD, id)) => marks.fraud.extend(mark(id)),
            Some((FAILED, id)) => marks.failed.extend(mark(id)),
            Some((HOURLY, rest)) => {
                let Some((hour, id)) = rest.split_once('/') else {
                    continue;
                };
                // Filed as 999999999 - hour (`Keys::address_hour`).
                if hour
                    .parse::<i64>()
                    .is_ok_and(|h| 999_999_999 - h >= first_hour)
                {
                    marks.hourly.extend(mark(id));
                }
            }
            _ => {}
        }
    }
    for list in [&mut marks.hourly, &mut marks.fraud, &mut marks.failed] {
        // An account filed in two hours (or listed twice past a full page): keep its latest.
        list.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        list.dedup_by(|a, b| a.0 == b.0);
    }
    marks
}

fn write(key: String, at: Millis, ttl: Millis) -> (String, String, Put) {
    (
        key,
        String::from("1"),
        Put {
            ttl_secs: Some((ttl / SECOND).max(60) as u64),
            metadata: Some(json!({ "t": at })),
        },
    )
}

/// The hourly entry of `account` authenticating from `ip` at `now`.
pub fn hourly(keys: &Keys, ip: &Id, account: &Id, now: Millis) -> (String, String, Put) {
    write(
        keys.address_hour(ip, hour_of(now), account),
        now,
        HOURLY_KEPT,
    )
}

/// The write that marks `ip` for `account`, decided Fake at `now`, if the address is usable as
/// a key.
pub fn fraud(keys: &Keys, ip: &str, account: &Id, now: Millis) -> Option<(String, String, Put)> {
    let ip = Id::new(ip).ok()?;
    Some(write(
        keys.address_mark(&ip, FRAUD, account),
        now,
        FRAUD_KEPT,
    ))
}

/// The mark of `account` failing to log in from `ip` at `at`, kept until the hour after `at`
/// is over (by `now`, the request's clock).
pub fn failed(
    keys: &Keys,
    ip: &str,
    account: &Id,
    at: Millis,
    now: Millis,
) -> Option<(String, String, Put)> {
    let ip = Id::new(ip).ok()?;
    Some(write(
        keys.address_mark(&ip, FAILED, account),
        at,
        at + VELOCITY_WINDOW - now,
    ))
}

/// Every key `account` may have on `ip`, given the hours its hourly entries may be filed
/// under: what deleting the account removes. It also names the keys versions before the
/// shared prefix wrote (`i/n/{ip}/{hour}/`, `i/f/{ip}/`, `i/x/{ip}/`): they expire within
/// [`FRAUD_KEPT`] of an upgrade, and until then a deletion must not leave them.
pub fn keys_of(keys: &Keys, ip: &str, account: &Id, hours: std::ops::Range<i64>) -> Vec<String> {
    let Ok(ip) = Id::new(ip) else {
        return Vec::new();
    };
    let mut out = vec![
        keys.address_mark(&ip, FRAUD, account),
        keys.address_mark(&ip, FAILED, account),
        keys.index_account(FRAUD, &ip, account),
        keys.index_account(FAILED, &ip, account),
    ];
    for h in hours {
        out.push(keys.address_hour(&ip, h, account));
        out.push(keys.index_hour_account(HOURLY, &ip, h, account));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use futures::executor::block_on;

    fn id(s: &str) -> Id {
        Id::new(s).unwrap()
    }

    #[test]
    fn one_marked_account_is_half_and_more_approach_one() {
        assert_eq!(fraud_score_of(0), 0.0);
        assert_eq!(fraud_score_of(1), 0.5);
        assert!(fraud_score_of(3) > 0.85 && fraud_score_of(100) <= 1.0);
    }

    #[test]
    fn one_list_reads_every_kind_of_mark_on_an_address() {
        let store = MemoryStore::new();
        let keys = Keys::new("demo");
        let ip = "198.51.100.7";
        let now = 100 * HOUR + 30 * 60 * SECOND;
        block_on(async {
            let writes = vec![
                hourly(&keys, &id(ip), &id("ann"), now - 40 * 60 * SECOND),
                hourly(&keys, &id(ip), &id("ann"), now),
                hourly(&keys, &id(ip), &id("bob"), now - 2 * HOUR),
                fraud(&keys, ip, &id("eve"), now).unwrap(),
                failed(&keys, ip, &id("mal"), now - 60 * SECOND, now).unwrap(),
                // Another address, whose prefix this one's is not.
                hourly(&keys, &id("198.51.100.70"), &id("zed"), now),
            ];
            store.put_all(writes).await.unwrap();
            let before = store.ops();
            let m = read(&store, &keys, &id(ip), now).await.unwrap();
            assert_eq!((store.ops() - before).lists, 1);
            // ann twice (her latest), bob's hour is past the window, zed is elsewhere.
            assert_eq!(m.hourly, vec![(String::from("ann"), now)]);
            assert_eq!(m.fraud_score("ann"), 0.5);
            assert_eq!(m.fraud_score("eve"), 0.0);
            assert_eq!(m.failed_others("ann", now), 1);
            assert_eq!(m.failed_others("mal", now), 0);
            assert_eq!(m.failed_others("ann", now + HOUR), 0);
        });
    }

    #[test]
    fn an_address_crowded_by_one_kind_still_shows_the_others() {
        // Pages of 3 keys: four fraud marks fill the first page; the hourly entries and the
        // failed logins are listed on their own.
        let store = MemoryStore::with_page_size(3);
        let keys = Keys::new("demo");
        let ip = "203.0.113.9";
        let now = 500 * HOUR;
        block_on(async {
            let mut writes: Vec<_> = ["f1", "f2", "f3", "f4"]
                .iter()
                .filter_map(|a| fraud(&keys, ip, &id(a), now))
                .collect();
            writes.push(hourly(&keys, &id(ip), &id("ann"), now));
            writes.extend(failed(&keys, ip, &id("mal"), now, now));
            store.put_all(writes).await.unwrap();
            let m = read(&store, &keys, &id(ip), now).await.unwrap();
            assert_eq!(m.fraud.len(), 3);
            assert_eq!(m.hourly.len(), 1);
            assert_eq!(m.failed.len(), 1);
        });
    }

    #[test]
    fn deletion_names_every_mark_an_account_wrote() {
        let store = MemoryStore::new();
        let keys = Keys::new("demo");
        let ip = "2001:db8::1";
        let now = 900 * HOUR;
        block_on(async {
            let a = id("ann");
            let mut writes = vec![hourly(&keys, &id(ip), &a, now)];
            writes.extend(fraud(&keys, ip, &a, now));
            writes.extend(failed(&keys, ip, &a, now, now));
            store.put_all(writes).await.unwrap();
            // What versions before the shared prefix wrote.
            for key in [
                keys.index_account(FRAUD, &id(ip), &a),
                keys.index_account(FAILED, &id(ip), &a),
                keys.index_hour_account(HOURLY, &id(ip), hour_of(now), &a),
            ] {
                store.put(&key, "1", Put::default()).await.unwrap();
            }
            store
                .delete_all(&keys_of(&keys, ip, &a, hour_of(now)..hour_of(now) + 1))
                .await
                .unwrap();
            assert!(store.keys().is_empty(), "{:?}", store.keys());
        });
    }
}
