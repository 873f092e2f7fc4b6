//! The population index of each project: rebuilt from every stored session summary by the
//! scheduled handler (never in a request path), read by requests from one snapshot key and
//! kept per isolate for a few minutes.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::error::ApiError;
use crate::engine::{Population, SessionSummary};
use crate::schema::time::{Millis, MINUTE};
use crate::store::keys::{parse_account_key, AccountKey};
use crate::store::{Keys, Put, Store};

/// How long an isolate keeps a snapshot before reading it again.
pub const REFRESH: Millis = 5 * MINUTE;

/// Snapshots per project, with when they were read.
#[derive(Default)]
pub struct Populations {
    cache: RefCell<HashMap<String, (Millis, Rc<Population>)>>,
}

impl Populations {
    /// The project's snapshot, read from KV when this isolate has none or an old one. A missing
    /// or unreadable snapshot is an empty index: scoring goes on without population shares.
    pub async fn get<S: Store>(
        &self,
        store: &S,
        keys: &Keys,
        project: &str,
        now: Millis,
    ) -> Result<Rc<Population>, ApiError> {
        if let Some((at, p)) = self.cache.borrow().get(project) {
            if now - at < REFRESH && now >= *at {
                return Ok(p.clone());
            }
        }
        let p: Population = store
            .get(&keys.population())
            .await?
            .and_then(|v| serde_json::from_str(&v).ok())
            .unwrap_or_default();
        let p = Rc::new(p);
        self.cache
            .borrow_mut()
            .insert(project.to_string(), (now, p.clone()));
        Ok(p)
    }
}

/// Rebuilds a project's index from the summaries of all its accounts' sessions (one listing of
/// the project's accounts; the summaries ride in key metadata) and stores the snapshot. Only
/// the scheduled handler calls this, so the snapshot key has a single writer.
pub async fn rebuild<S: Store>(store: &S, keys: &Keys) -> Result<Population, ApiError> {
    let mut population = Population::default();
    let mut devices = HashSet::new();
    for item in store.list_all(&keys.accounts()).await? {
        let Some(prefix) = keys.account_prefix_of(&item.name) else {
            continue;
        };
        if !matches!(
            parse_account_key(prefix, &item.name),
            Some(AccountKey::Session(_))
        ) {
            continue;
        }
        let Some(s) = item
            .metadata
            .and_then(|m| serde_json::from_value::<SessionSummary>(m).ok())
        else {
            continue;
        };
        // A device is counted once per browser profile: identical phones share a device id,
        // and counting that id once would make the most common fingerprint look unique.
        let instance = if s.browser_id.is_empty() {
            &s.device_id
        } else {
            &s.browser_id
        };
        let new_device = devices.insert(instance.clone());
        population.add(&s, new_device);
    }
    population.keep_shared();
    // Counts and strings only: encoding cannot fail.
    let text = serde_json::to_string(&population).unwrap_or_default();
    store
        .put(
            &keys.population(),
            &text,
            Put {
                ttl_secs: None,
                metadata: None,
            },
        )
        .await?;
    Ok(population)
}
