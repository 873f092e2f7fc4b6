//! Reading an account back from KV (one listing plus its profile, concurrently) and shaping
//! what was read into the wire objects the handlers answer with.

use futures::future::join_all;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::records::{Profile, SessionRecord};
use crate::engine::event_rollup::{self, EventRollup};
use crate::engine::events::{EventSummary, RETENTION};
use crate::engine::incidents::Incident;
use crate::engine::rollup::{self, Rollup};
use crate::engine::{Assessment, History, Link, MatchType, SessionSummary};
use crate::schema::time::{rfc3339, Millis, SECOND};
use crate::schema::{AccountDetails, LinkedAccount, ReasonOut, Scores};
use crate::store::keys::{parse_account_key, AccountKey, Id};
use crate::store::{listed_write, Keys, Put, Store, MAX_METADATA_BYTES};

/// Everything stored about one account.
#[derive(Debug, Clone, Default)]
pub struct AccountState {
    pub profile: Option<Profile>,
    pub history: History,
    /// Every key listed under the account's prefix.
    pub keys: Vec<String>,
    /// The account's cards (`/accounts`), the newest first.
    pub markers: Vec<super::index::Marker>,
    /// Keys a fold left behind: sessions or events a rollup covers and earlier rollups. The
    /// next authenticate or event deletes them; nothing reads them.
    pub folded_keys: Vec<String>,
    /// The key of the events' rollup `history.event_rollup` was listed from: its days are read
    /// from it only when asked for ([`event_days`]).
    pub event_rollup_key: Option<String>,
}

impl AccountState {
    /// An account exists once the application described it, authenticated a session for it,
    /// reported an event of it, or an incident was opened on it.
    pub fn exists(&self) -> bool {
        let h = &self.history;
        self.profile.is_some()
            || !h.sessions.is_empty()
            || h.rollup.is_some()
            || !h.events.is_empty()
            || h.event_rollup.is_some()
            || !h.incidents.is_empty()
    }
}

fn parse<T: serde::de::DeserializeOwned>(v: Option<&RawValue>) -> Option<T> {
    serde_json::from_str(v?.get()).ok()
}

/// A link key's metadata (`links::writes`): when it was made, its strength, the shared
/// device, and `u: 1` when the two accounts arrived on the device together.
#[derive(Debug, Default, serde::Deserialize)]
struct LinkMeta {
    t: Option<i64>,
    s: Option<f64>,
    d: Option<String>,
    u: Option<i64>,
}

/// A rollup's listed metadata: the rollup without what does not fit (`rollup_write`).
#[derive(serde::Deserialize)]
struct Lean {
    lean: Rollup,
}

/// How many times an account is listed again when a fold replaced its rollup between the
/// listing and the rollup's read.
const LOAD_ATTEMPTS: usize = 3;

pub async fn load_account<S: Store>(
    store: &S,
    keys: &Keys,
    a: &Id,
) -> Result<AccountState, ApiError> {
    // A fold writes its rollup before it deletes the one it replaces, so a rollup gone between
    // listing and reading means a newer one is listed now.
    for _ in 0..LOAD_ATTEMPTS {
        if let Some(state) = load_once(store, keys, a).await? {
            return Ok(state);
        }
    }
    Err(ApiError::unavailable(format!(
        "account {} changed while it was read; try again",
        a.raw()
    )))
}

/// The account's state, or 404 when nothing is stored about it.
pub async fn existing<S: Store>(store: &S, keys: &Keys, a: &Id) -> Result<AccountState, ApiError> {
    let state = load_account(store, keys, a).await?;
    if !state.exists() {
        return Err(ApiError::not_found(format!(
            "account {} not found",
            a.raw()
        )));
    }
    Ok(state)
}

/// The account as one listing shows it; `None` when the latest rollup listed could not be read.
async fn load_once<S: Store>(
    store: &S,
    keys: &Keys,
    a: &Id,
) -> Result<Option<AccountState>, ApiError> {
    let prefix = keys.account(a);
    let mut state = AccountState::default();
    // One key per (other account, kind of identifier): grouped into one link per account.
    let mut links: Vec<(String, MatchType, Millis, f64, String, bool)> = Vec::new();
    // A profile or incident too large for key metadata is listed without it and read
    // separately.
    let mut profile_listed_without_metadata = false;
    let mut incidents_without_metadata: Vec<(String, String)> = Vec::new();
    // Every rollup listed: (through, key, metadata); the latest is the account's.
    let mut rollups: Vec<(Millis, String, Option<Box<RawValue>>)> = Vec::new();
    // Every events' rollup listed: (through, event id, key, metadata); the latest is read.
    let mut event_rollups: Vec<(Millis, String, String, Option<Box<RawValue>>)> = Vec::new();
    for item in store.list_all(&prefix).await? {
        match parse_account_key(&prefix, &item.name) {
            Some(AccountKey::Session(id)) => {
                // A summary that cannot be read still counts as a session of the account.
                let mut s: SessionSummary = item.meta().unwrap_or_default();
                s.id = id;
                state.history.sessions.push(s);
            }
            Some(AccountKey::Link(tag, other)) => {
                if let Some(m) = MatchType::from_tag(&tag) {
                    let meta: LinkMeta = item.meta().unwrap_or_default();
                    // Links written before strengths were stored have their kind's strength,
                    // and so do mailbox links, whose strength never depends on the pair (those
                    // stored before a mailbox counted as deterministic say 0.9).
                    let strength = match m {
                        MatchType::Email => m.strength(),
                        _ => meta.s.unwrap_or(m.strength()).clamp(0.0, 1.0),
                    };
                    let burst = meta.u == Some(1);
                    let device = meta.d.unwrap_or_default();
                    links.push((other, m, meta.t.unwrap_or(0), strength, device, burst));
                }
            }
            Some(AccountKey::List(name)) => state.history.lists.push(name),
            Some(AccountKey::Event(id)) => {
                let mut e: EventSummary = item.meta().unwrap_or_default();
                e.id = id;
                state.history.events.push(e);
            }
            Some(AccountKey::Incident(id)) => match item.meta::<Incident>() {
                Some(mut i) => {
                    i.id = id;
                    state.history.incidents.push(i);
                }
                None => incidents_without_metadata.push((id, item.name.clone())),
            },
            Some(AccountKey::Feedback(_)) => {}
            Some(AccountKey::Rollup(through)) => {
                rollups.push((through, item.name.clone(), item.metadata))
            }
            Some(AccountKey::EventRollup(through, id)) => {
                event_rollups.push((through, id, item.name.clone(), item.metadata))
            }
            Some(AccountKey::Profile) => match item.meta::<Profile>() {
                Some(p) => state.profile = Some(p),
                None => profile_listed_without_metadata = true,
            },
            None => state
                .markers
                .extend(super::index::parse_marker(&prefix, &item.name)),
        }
        state.keys.push(item.name);
    }
    rollups.sort_by_key(|r| r.0);
    if let Some((_, key, metadata)) = rollups.pop() {
        state.folded_keys.extend(rollups.into_iter().map(|r| r.1));
        // The listing carries the rollup without its fingerprints when that fits the metadata
        // (`rollup_write`); the whole value is read only when a device link needs them.
        let lean = parse::<Lean>(metadata.as_deref()).map(|l| l.lean);
        let rollup = match lean {
            Some(r)
                if !needs_fingerprints(&r, &state.history.sessions, links.iter().map(|l| &l.4)) =>
            {
                r
            }
            _ => match store.get(&key).await? {
                Some(v) => serde_json::from_str(&v).map_err(|e| {
                    ApiError::unavailable(format!("the rollup {key} cannot be read: {e}"))
                })?,
                None => return Ok(None),
            },
        };
        let (covered, kept): (Vec<SessionSummary>, _) = std::mem::take(&mut state.history.sessions)
            .into_iter()
            .partition(|s| rollup.covers(s));
        state.history.sessions = kept;
        state.folded_keys.extend(
            covered
                .iter()
                .filter_map(|s| Id::new(&s.id).ok())
                .map(|sid| keys.account_session(a, &sid)),
        );
        state.history.rollup = Some(rollup);
    }
    event_rollups.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    if let Some((_, _, key, metadata)) = event_rollups.pop() {
        state
            .folded_keys
            .extend(event_rollups.into_iter().map(|r| r.2));
        // The listing carries the rollup without its days (`fold_events`); metadata that
        // cannot be read is read from the value, and a value that cannot either is treated as
        // no rollup, so the account (and its deletion) still works.
        let rollup = match parse::<EventRollup>(metadata.as_deref()) {
            Some(r) => Some(r),
            None => store
                .get(&key)
                .await?
                .and_then(|v| serde_json::from_str::<EventRollup>(&v).ok())
                .map(|r| r.lean()),
        };
        if let Some(rollup) = rollup {
            let (covered, kept): (Vec<EventSummary>, _) = std::mem::take(&mut state.history.events)
                .into_iter()
                .partition(|e| rollup.covers(e));
            state.history.events = kept;
            state.folded_keys.extend(
                covered
                    .iter()
                    .filter_map(|e| Id::new(&e.id).ok())
                    .map(|eid| keys.account_event(a, &eid)),
            );
            state.history.event_rollup = Some(rollup);
            state.event_rollup_key = Some(key);
        }
    }
    links.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    for group in links.chunk_by(|a, b| a.0 == b.0) {
        let at = group.iter().map(|l| l.2).min().unwrap_or(0);
        let shared = group.iter().map(|l| (l.1, l.3)).collect();
        let device = group.iter().map(|l| l.4.as_str()).find(|d| !d.is_empty());
        let burst = group.iter().any(|l| l.5);
        state.history.links.push(
            Link::new(&group[0].0, shared, at)
                .with_device(device.unwrap_or_default())
                .with_burst(burst),
        );
    }
    let read = join_all(
        incidents_without_metadata
            .iter()
            .map(|(_, key)| store.get(key)),
    )
    .await;
    for ((id, _), value) in incidents_without_metadata.into_iter().zip(read) {
        if let Some(mut i) = value?.and_then(|v| serde_json::from_str::<Incident>(&v).ok()) {
            i.id = id;
            state.history.incidents.push(i);
        }
    }
    if profile_listed_without_metadata {
        state.profile = store
            .get(&keys.profile(a))
            .await?
            .and_then(|p| serde_json::from_str(&p).ok());
    }
    if let Some(p) = &state.profile {
        state.history.email = p.info.email.clone();
    }
    Ok(Some(state))
}

/// Whether a device link names (`devices`, the links' device ids) a device only the rollup `r`
/// knows: re-scoring the link then needs its fingerprint.
fn needs_fingerprints<'a>(
    r: &Rollup,
    sessions: &[SessionSummary],
    mut devices: impl Iterator<Item = &'a String>,
) -> bool {
    devices.any(|device| {
        !device.is_empty()
            && !sessions
                .iter()
                .any(|s| s.device_id == *device && !r.covers(s))
            && r.instances.iter().any(|i| i.device_id == *device)
    })
}

/// A fold due at `now` (`engine::rollup::due`) over `history` (the sessions kept whole,
/// the one being authenticated among them): the new rollup's write, and the keys to delete
/// once it is written (the folded sessions, the rollup it replaces, and whatever an earlier
/// fold left, `folded_keys`). `None` when nothing is due and nothing was left.
pub fn fold(
    keys: &Keys,
    a: &Id,
    history: &History,
    folded_keys: &[String],
    now: Millis,
) -> (Option<(String, String, Put)>, Vec<String>) {
    let due = rollup::due(&history.sessions, now);
    let mut doomed = folded_keys.to_vec();
    if due.is_empty() {
        return (None, doomed);
    }
    let previous = history.rollup.clone().unwrap_or_default();
    if previous.sessions > 0 {
        doomed.push(keys.account_rollup(a, previous.through));
    }
    doomed.extend(
        due.iter()
            .filter_map(|s| Id::new(&s.id).ok())
            .map(|sid| keys.account_session(a, &sid)),
    );
    let next = previous.fold(&due);
    let write = rollup_write(keys.account_rollup(a, next.through), &next);
    // Two folds through the same session write the same key: it must not be deleted.
    doomed.retain(|k| *k != write.0);
    (Some(write), doomed)
}

/// An events' fold due at `now` (`engine::event_rollup::due`) over the account's events kept
/// whole: the new rollup's write, and the keys to delete once it is written (the folded events
/// and the rollup it replaces). Starts from `read`, the rollup whole when the request already
/// read it, else reads it ([`event_days`]: one read every [`event_rollup::FOLD_AT`] events or
/// more). Nothing when nothing is due; an error when the rollup listed was replaced since (the
/// next request folds).
pub async fn fold_events<S: Store>(
    store: &S,
    keys: &Keys,
    a: &Id,
    state: &AccountState,
    read: Option<EventRollup>,
    now: Millis,
) -> Result<(Option<(String, String, Put)>, Vec<String>), ApiError> {
    let due = event_rollup::due(&state.history.events, now);
    if due.is_empty() {
        return Ok((None, Vec::new()));
    }
    let previous = match read {
        Some(r) => r,
        None => event_days(store, state).await?.unwrap_or_default(),
    };
    let mut doomed: Vec<String> = due
        .iter()
        .filter_map(|e| Id::new(&e.id).ok())
        .map(|eid| keys.account_event(a, &eid))
        .collect();
    doomed.extend(state.event_rollup_key.iter().cloned());
    let next = previous.fold(&due);
    let Ok(last) = Id::new(&next.through_id) else {
        return Ok((None, Vec::new()));
    };
    let write = (
        keys.account_event_rollup(a, next.through, &last),
        serde_json::to_string(&next).unwrap_or_default(),
        // It goes as the events would have: RETENTION after the last fold.
        Put {
            ttl_secs: Some((RETENTION / SECOND) as u64),
            metadata: serde_json::to_value(next.lean()).ok(),
        },
    );
    // Two folds through the same event write the same key: it must not be deleted.
    doomed.retain(|k| *k != write.0);
    Ok((Some(write), doomed))
}

/// The account's events' rollup with its days (one read), when it has one.
pub async fn event_days<S: Store>(
    store: &S,
    state: &AccountState,
) -> Result<Option<EventRollup>, ApiError> {
    let Some(key) = &state.event_rollup_key else {
        return Ok(None);
    };
    match store.get(key).await? {
        Some(v) => serde_json::from_str(&v)
            .map(Some)
            .map_err(|e| ApiError::unavailable(format!("the rollup {key} cannot be read: {e}"))),
        // A fold replaced it since the listing: the caller asks again.
        None => Err(ApiError::unavailable(format!(
            "the events' rollup {key} changed while it was read; try again"
        ))),
    }
}

/// A rollup's write: the whole rollup as the value, and in the metadata (which the account's
/// listing returns) the rollup without its browser profiles' fingerprints when that fits, so
/// reading an account reads no value unless a device link needs a folded fingerprint.
fn rollup_write(key: String, rollup: &Rollup) -> (String, String, Put) {
    let text = serde_json::to_string(rollup).unwrap_or_default();
    let mut lean = rollup.clone();
    lean.instances
        .iter_mut()
        .for_each(|i| i.fingerprint.clear());
    let metadata = serde_json::json!({ "lean": lean });
    let metadata = (metadata.to_string().len() <= MAX_METADATA_BYTES).then_some(metadata);
    (
        key,
        text,
        Put {
            ttl_secs: None,
            metadata,
        },
    )
}

/// The stored profile, or for an account known only from its sessions, an empty one.
pub fn profile_of(state: &AccountState, a: &Id) -> Profile {
    state
        .profile
        .clone()
        .unwrap_or_else(|| Profile::new(a.raw(), 0))
}

/// Each linked account with its own fields and lists: its profile (one read) and its list
/// memberships (one listing of `l/`), not its whole listing, so the answer costs the same
/// whatever the linked accounts' histories; all concurrently.
pub async fn linked_accounts<S: Store>(
    store: &S,
    keys: &Keys,
    links: &[Link],
) -> Result<Vec<LinkedAccount>, ApiError> {
    let loaded = join_all(links.iter().filter_map(|l| {
        let other = Id::new(&l.account_id).ok()?;
        Some(async move {
            let (profile, lists) = futures::future::join(
                store.get(&keys.profile(&other)),
                store.list_all(&keys.account_lists(&other)),
            )
            .await;
            let p = profile?
                .and_then(|v| serde_json::from_str::<Profile>(&v).ok())
                .unwrap_or_else(|| Profile::new(other.raw(), 0));
            let lists = lists?
                .iter()
                .filter_map(
                    |k| match parse_account_key(&keys.account(&other), &k.name) {
                        Some(AccountKey::List(name)) => Some(name),
                        _ => None,
                    },
                )
                .collect();
            Ok::<_, ApiError>(LinkedAccount {
                account_id: l.account_id.clone(),
                score: l.score,
                match_type: l.match_types().map(|m| m.name().to_string()).collect(),
                email: p.info.email,
                lists,
                metadata: p.info.metadata,
            })
        })
    }))
    .await;
    loaded.into_iter().collect()
}

pub async fn load_session<S: Store>(
    store: &S,
    keys: &Keys,
    s: &Id,
) -> Result<SessionRecord, ApiError> {
    store
        .get(&keys.session(s))
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "session {} not found: it never existed or has expired",
                s.raw()
            ))
        })
}

/// The caller's fields of an account after an update: given fields replace stored ones.
pub struct ProfileUpdate {
    pub email: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub group: Option<String>,
}

impl ProfileUpdate {
    /// The merged profile, and whether it differs from the stored one (only then is it written).
    pub fn apply(self, id: &Id, stored: Option<&Profile>, now: Millis) -> (Profile, bool) {
        let mut p = stored
            .cloned()
            .unwrap_or_else(|| Profile::new(id.raw(), now));
        let before = p.clone();
        if let Some(e) = self.email {
            p.info.email = e;
        }
        if let Some(m) = self.metadata {
            p.info.metadata = m;
        }
        if let Some(g) = self.group {
            p.info.group = g;
        }
        let changed = stored.is_none() || p != before;
        if changed {
            p.updated_at = now;
        }
        (p, changed)
    }
}

/// Runs writes concurrently and reports the first failure.
pub async fn write_all<S: Store>(
    store: &S,
    writes: Vec<(String, String, Put)>,
) -> Result<(), ApiError> {
    Ok(store.put_all(writes).await?)
}

pub fn profile_write(keys: &Keys, a: &Id, profile: &Profile) -> (String, String, Put) {
    listed_write(keys.profile(a), profile, None)
}

pub fn scores(a: &Assessment, lists: &[String]) -> Scores {
    Scores {
        decision: a.decision,
        account_score: a.account_score,
        bot: a.bot,
        account_takeover: a.account_takeover,
        multiple_accounts: a.multiple_accounts,
        risk_signals: a.risk_signals,
        accounts_linked: a.accounts_linked,
        lists: lists.to_vec(),
        reasons: a
            .reasons
            .iter()
            .map(|r| ReasonOut {
                code: r.code.clone(),
                score: r.component.name().to_string(),
                weight: r.weight,
                rule: None,
            })
            .collect(),
    }
}

pub fn account_details(profile: &Profile, assessment: &Assessment) -> AccountDetails {
    let agg = &assessment.aggregates;
    AccountDetails {
        account: profile.info.clone(),
        num_sessions: agg.num_sessions,
        first_seen: rfc3339(agg.first_seen.unwrap_or(profile.created_at)),
        last_seen: rfc3339(agg.last_seen.unwrap_or(profile.updated_at)),
        last_session: agg.last_session.clone(),
        country: agg.country.clone(),
        countries: agg.countries.clone(),
        unique_devices: agg.unique_devices,
        unique_networks: agg.unique_networks,
        email: assessment.email.clone(),
        risk_signal_average: agg.risk_signal_average,
    }
}
