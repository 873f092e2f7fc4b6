//! A second factor's outcome on a login: `POST /event` of type `challenge_succeeded` or
//! `challenge_failed` with the login's `session_id`.
//!
//! The step-up a Suspicious decision asks for is what tells an owner on a new phone from an
//! attacker holding the password (`engine::incidents`). A pass marks the login as the owner's
//! (`SessionSummary::verified`): its device, address and network join the owner's history,
//! it starts no takeover flow, and the pending takeover incident whose episode it is closes as
//! no attack. A failure opens that incident when the login was doubtful
//! (`engine::incidents::on_event`).

use serde_json::{json, Value};

use super::body;
use crate::engine::events::RETENTION;
use crate::engine::incidents::{takeover_id, Challenged, Status};
use crate::schema::time::{Millis, SECOND};
use crate::state::account::AccountState;
use crate::state::error::ApiError;
use crate::state::incidents::resolution;
use crate::store::keys::Id;
use crate::store::{Keys, Put, Store};

/// What a pass changes: the login's key rewritten as verified, the incident closed, and the
/// index keys the incident's old state leaves stale.
#[derive(Debug, Default)]
pub struct Verification {
    pub writes: Vec<(String, String, Put)>,
    pub stale: Vec<String>,
}

/// The login of account `a` a second factor was asked on, or 404.
pub fn of<'a>(state: &'a AccountState, a: &Id, sid: &Id) -> Result<Challenged<'a>, ApiError> {
    Challenged::find(&state.history, sid.raw()).ok_or_else(|| {
        ApiError::not_found(format!(
            "account {} has no login with session_id {}: a session authenticated for it (one of \
             its latest, kept whole) or a login_succeeded event naming it",
            a.raw(),
            sid.raw()
        ))
    })
}

/// The writes of a passed second factor on `login`.
pub async fn passed<S: Store>(
    store: &S,
    keys: &Keys,
    a: &Id,
    state: &AccountState,
    login: Challenged<'_>,
    now: Millis,
) -> Result<Verification, ApiError> {
    let mut out = Verification::default();
    match login {
        Challenged::Session(s) => {
            let mut verified = s.clone();
            verified.verified = true;
            let summary = serde_json::to_value(&verified).unwrap_or(Value::Null);
            let sid = body::path_id("session_id", &s.id)?;
            out.writes.push((
                keys.account_session(a, &sid),
                summary.to_string(),
                Put {
                    ttl_secs: None,
                    metadata: Some(summary),
                },
            ));
        }
        Challenged::Event(e, _) => {
            // The event's value carries what its metadata does not (path, user agent, the
            // application's metadata): it is read and written back with the mark. An event
            // gone since the account was read (folded, deleted) is not written again.
            let eid = body::path_id("event_id", &e.id)?;
            let key = keys.account_event(a, &eid);
            let stored = store.get(&key).await?;
            let Some(mut full) = stored.and_then(|t| serde_json::from_str::<Value>(&t).ok()) else {
                return Ok(out);
            };
            full["v"] = json!(true);
            let mut verified = e.clone();
            verified.verified = true;
            // It keeps the time to live it was stored with, counted from its arrival.
            let arrived = if e.arrived > 0 { e.arrived } else { e.at };
            let ttl = (RETENTION - (now - arrived)).max(60 * SECOND) / SECOND;
            out.writes.push((
                key,
                full.to_string(),
                Put {
                    ttl_secs: Some(ttl as u64),
                    metadata: serde_json::to_value(&verified).ok(),
                },
            ));
        }
    }
    let id = takeover_id(login.login().id);
    let pending = state
        .history
        .incidents
        .iter()
        .find(|i| i.id == id && i.status_at(now) == Status::Pending);
    if let Some((writes, stale)) = pending.and_then(|i| resolution(keys, a, i, "no_attack", now)) {
        out.writes.extend(writes);
        out.stale.extend(stale);
    }
    Ok(out)
}
