//! Deleting accounts: `DELETE /account/{id}` (Verisoul) and
//! `POST /api/v1/account_defender/account/delete_user_data` (HUMAN). Both remove every key that
//! names the account: its own keys (profile, sessions, links, lists, events, incidents,
//! feedback) and the keys elsewhere that point at it (session records and bindings, identifier
//! indexes, failed-login and fraud-address marks, list members, the other side of each link,
//! replay records and feedback verdicts, the population journal's entries of its sessions
//! and the population index's markers of the browser profiles no other account showed).

use futures::future::join_all;
use serde_json::{json, Value};

use super::body;
use super::feedback::account_ids;
use super::lists::membership_keys;
use super::rules::REPLAY_KEPT;
use super::session::SESSION_TTL;
use super::{Ctx, Request, Response};
use crate::engine::events::LOGIN_FAILED;
use crate::engine::incidents::AttackType;
use crate::engine::rollup::Rollup;
use crate::engine::MatchType;
use crate::engine::SessionSummary;
use crate::schema::time::{day, Millis, DAY};
use crate::state::account::{load_account, AccountState};
use crate::state::address::{self, hour_of, HOURLY_KEPT};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::{links, population};
use crate::store::keys::{trailing_id, Id};
use crate::store::{Keys, Store};

/// The hours an hourly address entry of session `s` may still be filed under at `now`: an
/// entry is written when the session is authenticated (within its day of life) and lives
/// [`HOURLY_KEPT`], so older sessions have none left.
fn address_hours(at: Millis, now: Millis) -> std::ops::Range<i64> {
    let last = now.min(at + SESSION_TTL);
    if last < now - HOURLY_KEPT {
        return 0..0;
    }
    hour_of(at.max(now - HOURLY_KEPT))..hour_of(last) + 1
}

/// Every key that names account `a`, given what is stored about it.
fn doomed_keys(keys: &Keys, a: &Id, state: &AccountState, now: Millis) -> Vec<String> {
    let mut doomed = state.keys.clone();
    doomed.extend(population::journal_keys(keys, a, &state.history.sessions));
    for s in &state.history.sessions {
        if let Ok(sid) = Id::new(&s.id) {
            doomed.push(keys.session_account(&sid, a));
            doomed.push(keys.session(&sid));
        }
        for (kind, value) in [
            (MatchType::Browser, &s.browser_id),
            (MatchType::Device, &s.device_id),
            (MatchType::Network, &s.ip),
        ] {
            if let Ok(value) = Id::new(value) {
                doomed.push(keys.index_account(kind.tag(), &value, a));
            }
        }
        if let Ok(value) = Id::new(&s.ip) {
            doomed.push(keys.index_account(links::ADDRESS_SEARCH_TAG, &value, a));
        }
        doomed.extend(address::keys_of(keys, &s.ip, a, address_hours(s.at, now)));
        if let Ok(sid) = Id::new(&s.id) {
            doomed.push(keys.replay(&day(s.at), a, &sid));
        }
    }
    // The folded sessions' browser profiles keep their index entries (those never expire).
    for i in state.history.rollup.iter().flat_map(|r| &r.instances) {
        for (kind, value) in [
            (MatchType::Browser, &i.browser_id),
            (MatchType::Device, &i.device_id),
        ] {
            if let Ok(value) = Id::new(value) {
                doomed.push(keys.index_account(kind.tag(), &value, a));
            }
        }
    }
    doomed.extend(state.folded_keys.iter().cloned());
    for attack in [AttackType::AccountTakeover, AttackType::FakeAccount] {
        doomed.push(keys.verdict(attack.short(), a));
    }
    for e in &state.history.events {
        if e.kind == LOGIN_FAILED {
            doomed.extend(address::keys_of(keys, &e.ip, a, 0..0));
        }
    }
    if let Some(value) = state
        .profile
        .as_ref()
        .and_then(|p| links::email_value(&p.info.email))
    {
        doomed.push(keys.index_account(MatchType::Email.tag(), &value, a));
    }
    for l in &state.history.links {
        if let Ok(other) = Id::new(&l.account_id) {
            for m in l.match_types() {
                doomed.push(keys.account_link(&other, m.tag(), a));
            }
        }
    }
    for list in &state.history.lists {
        if let Ok(list) = Id::new(list) {
            doomed.extend(membership_keys(keys, &list, a));
        }
    }
    // The console's indexes: the account's cards and its incidents' entries.
    doomed.extend(crate::state::index::card_keys(keys, a, &state.markers));
    for i in &state.history.incidents {
        doomed.extend(crate::state::index::incident_index_keys(keys, a, i));
    }
    doomed.push(keys.profile(a));
    doomed.sort();
    doomed.dedup();
    doomed
}

/// The population index's markers of the browser profiles only `a` showed (a hash of each
/// profile's id, naming no account): forgotten with the account, so the index no longer
/// knows the profile. A profile another account also showed stays counted (its marker stays).
async fn profile_markers<S: Store>(
    store: &S,
    keys: &Keys,
    a: &Id,
    state: &AccountState,
) -> Result<Vec<String>, ApiError> {
    let mut profiles: Vec<(String, String)> = Vec::new();
    let folded = state.history.rollup.iter().flat_map(|r| &r.instances);
    let folded: Vec<SessionSummary> = folded.map(Rollup::instance_session).collect();
    for s in state.history.sessions.iter().chain(&folded) {
        let Some(marker) = population::profile_marker(keys, s) else {
            continue;
        };
        let (kind, value) = match s.browser_id.is_empty() {
            false => (MatchType::Browser, &s.browser_id),
            true => (MatchType::Device, &s.device_id),
        };
        let Ok(value) = Id::new(value) else {
            continue;
        };
        if profiles.iter().all(|p| p.0 != marker) {
            profiles.push((marker, keys.index(kind.tag(), &value)));
        }
    }
    let listings = join_all(profiles.iter().map(|p| store.list_all(&p.1))).await;
    let mut out = Vec::new();
    for ((marker, prefix), listing) in profiles.into_iter().zip(listings) {
        let others = listing?
            .iter()
            .filter_map(|k| trailing_id(&prefix, &k.name))
            .any(|other| other != a.raw());
        if !others {
            out.push(marker);
        }
    }
    Ok(out)
}

/// The replay records of folded sessions that may still be kept (`rules::REPLAY_KEPT`): their
/// ids are gone with the folded keys, so each day's records of the account are listed (one
/// list per day the rollup reaches into, a month at most).
async fn folded_replays<S: Store>(
    store: &S,
    keys: &Keys,
    a: &Id,
    state: &AccountState,
    now: Millis,
) -> Result<Vec<String>, ApiError> {
    let Some(r) = &state.history.rollup else {
        return Ok(Vec::new());
    };
    let first = (now - REPLAY_KEPT).div_euclid(DAY);
    let last = r.through.min(now).div_euclid(DAY);
    let prefixes: Vec<String> = (first..=last)
        .map(|d| keys.account_replays(&day(d * DAY), a))
        .collect();
    let listings = join_all(prefixes.iter().map(|p| store.list_all(p))).await;
    let mut out = Vec::new();
    for listing in listings {
        out.extend(listing?.into_iter().map(|k| k.name));
    }
    Ok(out)
}

/// Deletes everything that names `a`: its keys, and its rows in the project's counters.
pub async fn purge<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    a: &Id,
    state: &AccountState,
) -> Result<(), ApiError> {
    let keys = Keys::new(&project.id);
    let mut doomed = doomed_keys(&keys, a, state, ctx.now);
    doomed.extend(profile_markers(ctx.store, &keys, a, state).await?);
    doomed.extend(folded_replays(ctx.store, &keys, a, state, ctx.now).await?);
    ctx.store.delete_all(&doomed).await?;
    ctx.counters.forget(&project.id, a.raw(), ctx.now).await
}

/// `POST /api/v1/account_defender/account/delete_user_data`
/// `{app_id, user_ids, inform_users}`: `app_id` must be the key's project; unknown user ids
/// are nothing to delete. Edgeward sends no e-mail: `inform_users` is checked and not kept.
/// Answers `{}` as HUMAN does, once every key is gone.
pub async fn delete_user_data<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let obj = body::object(&req.body, false)?;
    let app = body::opt_str(&obj, "", "app_id", 256)?
        .ok_or_else(|| ApiError::bad_request("app_id is required"))?;
    if app != project.id {
        return Err(ApiError::bad_request(format!(
            "app_id {app:?} does not match the project of the key ({:?})",
            project.id
        )));
    }
    let ids = account_ids(&obj, "user_ids")?;
    match obj.get("inform_users") {
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(
                "inform_users is required (an array of e-mail addresses, may be empty)",
            ))
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "inform_users must be an array of e-mail addresses",
            ))
        }
    }
    let keys = Keys::new(&project.id);
    let states = join_all(ids.iter().map(|a| load_account(ctx.store, &keys, a))).await;
    for (a, state) in ids.iter().zip(states) {
        purge(ctx, project, a, &state?).await?;
    }
    Ok(Response::json(200, &json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::time::{DAY, HOUR};

    #[test]
    fn an_address_entry_is_looked_for_only_in_hours_it_can_still_live() {
        let now = 1000 * HOUR + HOUR / 2;
        // Created just now: this hour only.
        assert_eq!(address_hours(now, now), 1000..1001);
        // Created 23 hours ago: authenticated any time since, the last three hours still hold.
        assert_eq!(address_hours(now - 23 * HOUR, now), 997..1001);
        // Created two days ago: authenticated at the latest a day ago, its entries expired.
        assert!(address_hours(now - 2 * DAY, now).is_empty());
    }
}
