//! `GET /account/{id}/timeline?limit=N`: the account's latest sessions, each with where it was,
//! its device and network, and the decision its authenticate got (from the session's replay
//! record, while it is kept: 31 days), and the account's latest server events. For the
//! console's account page. Reads the account once and at most `limit` replay records.

use futures::future::join_all;
use serde_json::{json, Value};

use super::body;
use super::{Ctx, Request, Response};
use crate::schema::time::{day, rfc3339};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::store::keys::Id;
use crate::store::{Keys, Store};

/// Sessions and events shown when `limit` is not given, and the most that may be asked for.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_id: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw_id)?;
    let limit = match body::query_values(&req.query, "limit")?.pop() {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!("limit must be from 1 to {MAX_LIMIT}, not {raw:?}"))
            })?,
    };
    let keys = Keys::new(&project.id);
    let state = crate::state::account::existing(ctx.store, &keys, &a).await?;
    let mut sessions = state.history.sessions.clone();
    sessions.sort_by_key(|s| std::cmp::Reverse(s.at));
    sessions.truncate(limit);
    let replays = join_all(sessions.iter().map(|s| {
        let key = Id::new(&s.id)
            .ok()
            .map(|sid| keys.replay(&day(s.at), &a, &sid));
        async move {
            match key {
                Some(k) => ctx.store.get(&k).await,
                None => Ok(None),
            }
        }
    }))
    .await;
    let mut rows = Vec::new();
    for (s, replay) in sessions.iter().zip(replays) {
        let decision = replay?
            .and_then(|v| serde_json::from_str::<Value>(&v).ok())
            .and_then(|v| v["decision"].as_str().map(String::from));
        rows.push(json!({
            "session_id": s.id, "at": rfc3339(s.at), "ip": s.ip, "country": s.country,
            "asn": s.asn, "device_id": s.device_id, "browser": s.browser, "os": s.os,
            "decision": decision,
        }));
    }
    let mut events = state.history.events.clone();
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    events.truncate(limit);
    let events: Vec<Value> = events
        .iter()
        .map(|e| {
            json!({"type": e.kind, "at": rfc3339(e.at), "ip": e.ip, "country": e.country,
                   "session_id": e.session_id})
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({"request_id": ctx.random.uuid(), "account_id": a.raw(),
                "num_sessions": state.history.sessions.len()
                    + state.history.rollup.as_ref().map_or(0, |r| r.sessions as usize),
                "sessions": rows, "events": events}),
    ))
}
