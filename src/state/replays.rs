//! Reading back the past: the replay records authenticates keep (what the engine answered, as
//! rules read it; written by `rules::replay_write`) and the application's latest feedback
//! verdicts. Backtests and the console's calibration read them, bounded whatever the project's
//! size: at most [`MAX_LISTED`] records listed, at most [`MAX_REPLAYED`] of them read (spread
//! evenly over the listing when there are more, and said), at most [`MAX_VERDICTS`] verdicts
//! per attack type. On Cloudflare that stays well inside a request's thousand storage
//! operations.

use std::collections::HashMap;

use futures::future::{join, join_all};
use serde_json::{Map, Value};

use super::error::ApiError;
use crate::schema::time::{day, Millis, DAY};
use crate::store::keys::trailing_id;
use crate::store::{Keys, Listed, Store};

/// The most replay records listed, and the most read.
pub const MAX_LISTED: usize = 20_000;
pub const MAX_REPLAYED: usize = 500;
/// The most verdicts read per attack type.
pub const MAX_VERDICTS: usize = 10_000;

/// Lists up to `cap` keys under `prefix`; whether more were left.
async fn list_capped<S: Store>(
    store: &S,
    prefix: &str,
    cap: usize,
) -> Result<(Vec<Listed>, bool), ApiError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.list(prefix, cursor).await?;
        out.extend(page.keys);
        match page.cursor {
            Some(c) if out.len() < cap => cursor = Some(c),
            rest => return Ok((out, rest.is_some())),
        }
    }
}

/// `n` of `items`, evenly spread (all of them when there are no more than `n`).
fn spread<T: Clone>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n {
        return items.to_vec();
    }
    (0..n).map(|i| items[i * items.len() / n].clone()).collect()
}

/// The authenticates of a time range, as their replay records kept them.
pub struct Replays {
    /// Each record with when it was written.
    pub records: Vec<(Map<String, Value>, Millis)>,
    /// How many records the range holds, as far as listed.
    pub listed: usize,
    /// Whether fewer were read than listed, or the listing stopped at [`MAX_LISTED`].
    pub sampled: bool,
    pub capped: bool,
}

impl Replays {
    /// The records written from `since` to `now`, a day's prefix at a time.
    pub async fn read<S: Store>(
        store: &S,
        keys: &Keys,
        since: Millis,
        now: Millis,
    ) -> Result<Replays, ApiError> {
        let mut listed: Vec<(String, Millis)> = Vec::new();
        let mut capped = false;
        let mut at = since;
        while day(at) <= day(now) && !capped {
            let left = MAX_LISTED - listed.len();
            let (keys_of_day, more) = list_capped(store, &keys.replays(&day(at)), left).await?;
            listed.extend(keys_of_day.into_iter().filter_map(|k| {
                let t = k.filed_at()?;
                (t >= since && t <= now).then_some((k.name, t))
            }));
            capped = more || listed.len() >= MAX_LISTED;
            at += DAY;
        }
        let chosen = spread(&listed, MAX_REPLAYED);
        let values = join_all(chosen.iter().map(|(k, _)| store.get(k))).await;
        let mut records = Vec::new();
        for ((_, t), value) in chosen.iter().zip(values) {
            if let Some(Value::Object(m)) = value?.and_then(|v| serde_json::from_str(&v).ok()) {
                records.push((m, *t));
            }
        }
        Ok(Replays {
            records,
            listed: listed.len(),
            sampled: listed.len() > chosen.len() || capped,
            capped,
        })
    }
}

/// The application's latest verdict on each account's incidents, per attack type.
pub struct Verdicts {
    ato: HashMap<String, String>,
    fa: HashMap<String, String>,
    /// Whether either type had more than [`MAX_VERDICTS`].
    pub capped: bool,
}

async fn of_type<S: Store>(
    store: &S,
    keys: &Keys,
    attack: &str,
) -> Result<(HashMap<String, String>, bool), ApiError> {
    let prefix = keys.verdicts(attack);
    let (listed, capped) = list_capped(store, &prefix, MAX_VERDICTS).await?;
    let map = listed
        .into_iter()
        .filter_map(|k| {
            let account = trailing_id(&prefix, &k.name)?;
            let result = k.meta_value()?["r"].as_str()?.to_string();
            Some((account, result))
        })
        .collect();
    Ok((map, capped))
}

impl Verdicts {
    pub async fn read<S: Store>(store: &S, keys: &Keys) -> Result<Verdicts, ApiError> {
        let (ato, fa) = join(of_type(store, keys, "ato"), of_type(store, keys, "fa")).await;
        let ((ato, ato_capped), (fa, fa_capped)) = (ato?, fa?);
        Ok(Verdicts {
            ato,
            fa,
            capped: ato_capped || fa_capped,
        })
    }

    /// Analysts called an incident of the account a false positive (`no_attack`).
    pub fn overturned(&self, account: &str) -> bool {
        [&self.ato, &self.fa]
            .iter()
            .any(|m| m.get(account).is_some_and(|r| r == "no_attack"))
    }

    /// Analysts confirmed an incident of the account (resolved, or identified by hand).
    pub fn confirmed(&self, account: &str) -> bool {
        [&self.ato, &self.fa]
            .iter()
            .any(|m| m.get(account).is_some_and(|r| r != "no_attack"))
    }
}
