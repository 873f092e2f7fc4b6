//! `POST /event` (secret key): the application reports what happened on an account — logins,
//! failed logins, registration, credential changes, and its own sensitive transactions.
//!
//! Each event is one key under its account (append-only; the id sorts by time), so concurrent
//! events lose nothing. A failed login also writes one key per (address, account) that lives
//! an hour: how many accounts fail from one address is credential stuffing. A login is scored
//! by the takeover model like a session; a credential change after a doubtful login opens a
//! takeover incident.

use std::net::IpAddr;

use futures::future::join3;
use serde_json::{json, Map, Value};

use super::body;
use super::challenge;
use super::{Ctx, Request, Response};
use crate::engine::event_rollup::EventRollup;
use crate::engine::events::{
    is_challenge, login_summary, EventSummary, CHALLENGE_SUCCEEDED, LOGIN_FAILED, LOGIN_SUCCEEDED,
};
use crate::engine::takeover::{self, Velocity, VELOCITY_WINDOW};
use crate::engine::{incidents as engine_incidents, History};
use crate::intel::user_agent;
use crate::schema::time::{parse_rfc3339, rfc3339, Millis, DAY, MINUTE, SECOND};
use crate::schema::EventResponse;
use crate::state::account::{
    self, load_account, load_session, profile_of, write_all, AccountState,
};
use crate::state::address;
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::incidents::{self, open, registered, Evidence, Scope};
use crate::state::records::SessionRecord;
use crate::store::keys::Id;
use crate::store::{Keys, Put, Store};

/// How long events are kept: HUMAN's `days_range` reaches back 365 days.
pub const EVENT_TTL: Millis = crate::engine::events::RETENTION;
/// How far an event's own timestamp may be from now.
const MAX_FUTURE: Millis = 5 * MINUTE;
const MAX_PAST: Millis = 365 * DAY;
const MAX_TYPE: usize = 64;
const MAX_USER_AGENT: usize = 1024;
const MAX_PATH: usize = 1024;
const MAX_METADATA: usize = 8 * 1024;

/// An event type: a lower-case letter, then up to 63 of `[a-z0-9_.-]`.
fn event_type(obj: &Map<String, Value>) -> Result<String, ApiError> {
    let t = body::opt_str(obj, "", "type", 10 * MAX_TYPE)?
        .ok_or_else(|| ApiError::bad_request("type is required"))?;
    let ok = t.len() <= MAX_TYPE
        && t.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && t.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        });
    if !ok {
        return Err(ApiError::bad_request(format!(
            "type {t:?} must start with a lower-case letter and be at most {MAX_TYPE} of a-z, 0-9, '_', '-' or '.'"
        )));
    }
    Ok(t)
}

/// `timestamp`: RFC 3339 or Unix milliseconds, within five minutes ahead and a year back.
fn timestamp(obj: &Map<String, Value>, now: Millis) -> Result<Millis, ApiError> {
    let at = match obj.get("timestamp") {
        None | Some(Value::Null) => return Ok(now),
        Some(Value::String(s)) => parse_rfc3339(s).ok_or_else(|| {
            ApiError::bad_request(format!("timestamp {s:?} is not an RFC 3339 time"))
        })?,
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| ApiError::bad_request("timestamp must be whole Unix milliseconds"))?,
        Some(_) => {
            return Err(ApiError::bad_request(
                "timestamp must be an RFC 3339 string or Unix milliseconds",
            ))
        }
    };
    if at > now + MAX_FUTURE {
        return Err(ApiError::bad_request(format!(
            "timestamp {} is in the future",
            rfc3339(at)
        )));
    }
    if at < now - MAX_PAST {
        return Err(ApiError::bad_request(format!(
            "timestamp {} is more than 365 days old",
            rfc3339(at)
        )));
    }
    Ok(at)
}

fn ip_field(obj: &Map<String, Value>) -> Result<Option<IpAddr>, ApiError> {
    body::opt_str(obj, "", "ip", 64)?
        .map(|s| {
            s.trim().parse::<IpAddr>().map_err(|_| {
                ApiError::bad_request(format!("ip {s:?} is not an IPv4 or IPv6 address"))
            })
        })
        .transpose()
}

/// Other accounts that failed to log in from `ip` within the hour before `now`.
pub async fn failed_accounts_per_ip<S: Store>(
    store: &S,
    keys: &Keys,
    ip: &str,
    a: &Id,
    now: Millis,
) -> Result<u32, ApiError> {
    let Ok(value) = Id::new(ip) else {
        return Ok(0);
    };
    let marks = address::read(store, keys, &value, now).await?;
    Ok(marks.failed_others(a.raw(), now))
}

/// The account's failed logins within the hour before `now`.
pub fn recent_failed_logins(history: &History, now: Millis) -> u32 {
    history
        .events
        .iter()
        .filter(|e| e.kind == LOGIN_FAILED && e.at <= now && now - e.at <= VELOCITY_WINDOW)
        .count() as u32
}

/// `POST /event`.
pub async fn record<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let obj = body::object(&req.body, false)?;
    let a = body::id(&obj, "", "account_id")?;
    let kind = event_type(&obj)?;
    let at = timestamp(&obj, ctx.now)?;
    let sid = match obj.get("session_id") {
        None | Some(Value::Null) => None,
        Some(_) => Some(body::id(&obj, "", "session_id")?),
    };
    if is_challenge(&kind) && sid.is_none() {
        return Err(ApiError::bad_request(format!(
            "type {kind} needs session_id: the login the second factor was asked on"
        )));
    }
    let ip = ip_field(&obj)?;
    let ua = body::opt_str(&obj, "", "user_agent", MAX_USER_AGENT)?;
    let path = body::opt_str(&obj, "", "path", MAX_PATH)?.unwrap_or_default();
    let metadata = body::opt_object(&obj, "", "metadata", MAX_METADATA)?;
    let keys = Keys::new(&project.id);
    let store = ctx.store;

    let (state, rec, tables) = join3(
        load_account(store, &keys, &a),
        async {
            match &sid {
                // An expired or unknown session is still worth the event: it is stored as given.
                Some(s) => match load_session(store, &keys, s).await {
                    Ok(r) => Ok(Some(r)),
                    Err(e) if e.status == 404 => Ok(None),
                    Err(e) => Err(e),
                },
                None => Ok(None),
            }
        },
        ctx.caches.ip_tables.get(store, ctx.now, ctx.pause),
    )
    .await;
    let (state, rec, tables) = (state?, rec?, tables?);
    let rec: Option<SessionRecord> = rec;
    // A second factor's outcome names a login of this account, which a pass marks as the
    // owner's and whose incident it closes.
    let verification = match (&sid, kind.as_str()) {
        (Some(s), k) if is_challenge(k) => {
            let login = challenge::of(&state, &a, s)?;
            if k == CHALLENGE_SUCCEEDED {
                challenge::passed(store, &keys, &a, &state, login, ctx.now).await?
            } else {
                challenge::Verification::default()
            }
        }
        _ => challenge::Verification::default(),
    };

    // What the event says, completed by its session: the caller's fields win.
    let ip = ip.or_else(|| rec.as_ref().and_then(|r| r.ip.parse().ok()));
    let user_agent = ua.or_else(|| rec.as_ref().map(|r| r.user_agent.clone()));
    let mut evidence = rec.as_ref().map(Evidence::of_session).unwrap_or_default();
    evidence.path = path.clone();
    if let Some(u) = &user_agent {
        evidence.user_agent = u.clone();
    }
    let mut summary = EventSummary {
        id: format!("{at:013}-{}", ctx.random.nonce()),
        at,
        arrived: ctx.now,
        kind: kind.clone(),
        session_id: sid
            .as_ref()
            .map(|s| s.raw().to_string())
            .unwrap_or_default(),
        ..EventSummary::default()
    };
    if let Some(addr) = ip {
        summary.ip = addr.to_string();
        let facts = tables.look_up(addr);
        let from_session = rec.as_ref().filter(|r| r.ip == summary.ip);
        summary.country = from_session
            .map(|r| r.geo.country.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or(facts.country);
        summary.asn = from_session
            .and_then(|r| r.geo.asn)
            .or(facts.asn)
            .unwrap_or(0);
        if evidence.ip != summary.ip {
            evidence.ip = summary.ip.clone();
            evidence.country = summary.country.clone();
            evidence.city = String::new();
            evidence.asn = if !facts.provider.is_empty() {
                facts.provider
            } else if summary.asn != 0 {
                format!("AS{}", summary.asn)
            } else {
                String::new()
            };
        }
    }
    // The events' rollup whole, when scoring a login read it: the fold below reuses it.
    let mut read = None;
    if kind == LOGIN_SUCCEEDED {
        let login = Login {
            project,
            keys: &keys,
            account: &a,
            state: &state,
        };
        read = score_login(ctx, &login, &mut summary, user_agent.as_deref()).await?;
    }

    let eid = body::path_id("event_id", &summary.id)?;
    let mut full = serde_json::to_value(&summary).unwrap_or(Value::Null);
    full["path"] = json!(path);
    full["user_agent"] = json!(user_agent.unwrap_or_default());
    full["metadata"] = metadata.map(Value::Object).unwrap_or(json!({}));
    let mut writes = vec![(
        keys.account_event(&a, &eid),
        full.to_string(),
        Put {
            ttl_secs: Some((EVENT_TTL / SECOND) as u64),
            metadata: serde_json::to_value(&summary).ok(),
        },
    )];
    if kind == LOGIN_FAILED {
        writes.extend(address::failed(&keys, &summary.ip, &a, at, ctx.now));
    }
    // Events that arrived over a week ago folded into the account's events' rollup
    // (`engine::event_rollup`): the rollup is written with the event, the folded keys deleted
    // only once it is and the event's incidents are open, with whatever an earlier fold left.
    // The fold is housekeeping: if reading the rollup fails, the event is stored all the same
    // and the next one folds; a key left behind is ignored on read and deleted next time.
    let (rollup, mut folded) = account::fold_events(store, &keys, &a, &state, read, ctx.now)
        .await
        .unwrap_or_default();
    writes.extend(rollup);
    writes.extend(verification.writes);
    folded.extend(state.folded_keys.iter().cloned());
    folded.extend(verification.stale);
    write_all(store, writes).await?;

    // The event as the engine will see it from now on, and what it opens.
    let profile = profile_of(&state, &a);
    let mut history = state.history;
    history.events.push(summary.clone());
    let openings: Vec<_> = engine_incidents::on_event(&history, &summary)
        .into_iter()
        .collect();
    let additional = evidence.additional(
        &profile.info.email,
        registered(&history, state.profile.as_ref()),
        ctx.now,
    );
    let scope = Scope {
        store,
        project,
        keys: &keys,
        now: ctx.now,
    };
    let opened = open(&scope, &a, &history.incidents, openings, &additional).await?;
    let _ = store.delete_all(&folded).await;

    let mut resp = Response::json(
        200,
        &EventResponse {
            request_id: ctx.random.uuid(),
            event_id: summary.id,
            account_id: a.raw().to_string(),
            kind,
            timestamp: rfc3339(at),
            incidents_opened: opened.incidents.iter().map(incidents::out).collect(),
        },
    );
    if !opened.incidents.is_empty() {
        // The console's counters count incidents opened by events too (`counters`).
        resp.tallies.push((
            project.id.clone(),
            crate::state::counters::Tally {
                at: ctx.now,
                incidents: opened.incidents.len() as u32,
                ..Default::default()
            },
        ));
    }
    resp.deferred = opened.deliveries;
    Ok(resp)
}

/// Scores a reported login: the takeover score of its session when the session was
/// authenticated for the account, else the takeover model on what the event carries (address,
/// network, country, browser), against the account's sessions and earlier logins.
struct Login<'a> {
    project: &'a Project,
    keys: &'a Keys,
    account: &'a Id,
    state: &'a AccountState,
}

async fn score_login<S: Store>(
    ctx: &Ctx<'_, S>,
    login: &Login<'_>,
    summary: &mut EventSummary,
    user_agent: Option<&str>,
) -> Result<Option<EventRollup>, ApiError> {
    let Login {
        project,
        keys,
        account: a,
        state,
    } = *login;
    let history = &state.history;
    if let Some(s) = history
        .sessions
        .iter()
        .find(|s| !summary.session_id.is_empty() && s.id == summary.session_id)
    {
        summary.takeover = s.takeover;
        summary.new_features = s.new_features;
        return Ok(None);
    }
    let population = ctx
        .caches
        .populations
        .get(ctx.store, keys, &project.id, ctx.now, ctx.pause)
        .await?;
    let ua = user_agent::parse(user_agent.unwrap_or(""));
    let current = login_summary(summary, ua.browser, ua.os);
    let mut earlier = history.sessions.clone();
    earlier.extend(
        history
            .events
            .iter()
            .filter(|e| e.kind == LOGIN_SUCCEEDED)
            .map(|e| login_summary(e, String::new(), String::new())),
    );
    // The logins folded away count as earlier logins too: one read, when some were folded. A
    // rollup replaced since the listing answers 503 (try again) rather than score the login
    // against fewer logins than the account has.
    let folded = match history.event_rollup {
        Some(_) => account::event_days(ctx.store, state).await?,
        None => None,
    };
    earlier.extend(folded.iter().flat_map(EventRollup::login_sessions));
    let velocity = Velocity {
        failed_accounts_per_ip: failed_accounts_per_ip(ctx.store, keys, &summary.ip, a, ctx.now)
            .await?,
        failed_logins: recent_failed_logins(history, summary.at),
        ..Velocity::default()
    };
    let t = takeover::assess(&earlier, &current, &population, velocity);
    summary.takeover = crate::engine::session::round4(t.score);
    summary.new_features = t.new.iter().fold(0, |m, (f, _)| m | f.bit());
    Ok(folded)
}
