//! The console's read API: `GET /accounts`, `GET /incidents` and `GET /stats`, and the indexes
//! they read, kept as the data arrives so that no request scans the project.
//!
//! - **Accounts**: each authenticate writes the account's *card* (decision, score, sessions,
//!   e-mail, last seen) under a marker `a/{account}/r/{age}/{decision}` and into the recency
//!   index `ra/{decision|all}/{age}/{account}` (age = 9999999999999 − last seen: the latest
//!   sort first), and deletes the entries of the cards it supersedes (it lists them with the
//!   account anyway). Two concurrent authenticates of one account can both leave a card; the
//!   next one removes both, a page shows an account once, and deletion finds every marker.
//!   `/accounts` lists one page of the index with KV's `limit`; a search (`q`) reads the
//!   account's own markers or one page of the identifier index (`i/{tag}/{value}/`).
//! - **Incidents**: every write of an incident also writes its entries in
//!   `in/{p|c|a}/{ato|fa|all}/{rank}/{account}/{incident}` (pending or closed, and all; by
//!   attack type and all), ranked by risk then recency, and removes the entries a change of
//!   state or score makes stale. `/incidents` lists one page.
//! - **Counts** live in a Durable Object (see `counters`): `/stats` asks it once.

use std::net::IpAddr;

use futures::future::join_all;
use serde::Serialize;
use serde_json::{json, Value};

use super::body;
use super::{Ctx, Request, Response};
use crate::engine::incidents::Status;
use crate::engine::MatchType;
use crate::schema::time::{parse_rfc3339, rfc3339, Millis, DAY, HOUR};
use crate::state::config::Project;
use crate::state::counters::{self, Range};
use crate::state::error::ApiError;
use crate::state::index::{Card, Entry};
use crate::state::links;
use crate::store::keys::{decode_id, trailing_id, Id};
use crate::store::{Keys, Store};

/// Rows per page when `limit` is not given, and the most a page may ask for.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

/// The most buckets one `/stats` answer holds (31 days of hours, a year and a day of days).
pub const MAX_HOURS: i64 = 31 * 24;
pub const MAX_DAYS: i64 = 366;

fn one(query: &str, name: &str) -> Result<Option<String>, ApiError> {
    let mut values = body::query_values(query, name)?;
    match values.len() {
        0 => Ok(None),
        1 => Ok(values.pop().filter(|v| !v.is_empty())),
        _ => Err(ApiError::bad_request(format!(
            "query parameter {name} is given more than once"
        ))),
    }
}

fn limit(query: &str) -> Result<usize, ApiError> {
    match one(query, "limit")? {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "limit must be an integer from 1 to {MAX_LIMIT}, not {v:?}"
                ))
            }),
    }
}

fn cursor(query: &str) -> Result<Option<String>, ApiError> {
    let c = one(query, "cursor")?;
    if c.as_ref().is_some_and(|c| c.len() > 1024) {
        return Err(ApiError::bad_request(
            "cursor is too long: pass back the cursor a previous page answered",
        ));
    }
    Ok(c)
}

fn choice<'a>(
    query: &str,
    name: &str,
    allowed: &[&'a str],
    default: &'a str,
) -> Result<&'a str, ApiError> {
    match one(query, name)? {
        None => Ok(default),
        Some(v) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&v))
            .copied()
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "{name} must be one of {}, not {v:?}",
                    allowed.join(", ")
                ))
            }),
    }
}

// ---------------------------------------------------------------------------------------------
// GET /accounts

#[derive(Debug, Serialize)]
struct AccountRow {
    account_id: String,
    email: String,
    decision: String,
    account_score: f64,
    num_sessions: usize,
    last_seen: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<&'static str>,
}

fn row(account_id: String, card: &Card, matched: Option<&'static str>) -> AccountRow {
    AccountRow {
        account_id,
        email: card.email.clone(),
        decision: card.decision.clone(),
        account_score: card.score,
        num_sessions: card.sessions,
        last_seen: rfc3339(card.last_seen),
        matched,
    }
}

/// The account's latest card: the first of its markers (the newest sorts first).
async fn card_of<S: Store>(store: &S, keys: &Keys, a: &Id) -> Result<Option<Card>, ApiError> {
    let prefix = format!("{}r/", keys.account(a));
    let page = store.list_page(&prefix, None, 1).await?;
    Ok(page.keys.into_iter().next().and_then(|k| k.meta()))
}

/// `GET /accounts?q=&decision=&limit=&cursor=`: authenticated accounts, the latest first,
/// one page of the recency index; or with `q`, the accounts whose id is `q`, or seen with the
/// e-mail address, IP address, device id or browser id `q` (one page of the identifier index).
pub async fn accounts<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let q = one(&req.query, "q")?;
    let decision = choice(
        &req.query,
        "decision",
        &["real", "suspicious", "fake", "all"],
        "all",
    )?;
    let limit = limit(&req.query)?;
    let cursor = cursor(&req.query)?;
    let keys = Keys::new(&project.id);
    if let Some(q) = q {
        let rows = search(ctx.store, &keys, q.trim(), limit).await?;
        let rows: Vec<AccountRow> = rows
            .into_iter()
            .filter(|r| decision == "all" || r.decision.eq_ignore_ascii_case(decision))
            .collect();
        return Ok(Response::json(
            200,
            &json!({"accounts": rows, "cursor": null}),
        ));
    }
    let prefix = keys.recent_accounts(decision);
    // An account whose concurrent authenticates each left a card is listed once; the page is
    // topped up from the next keys, a few list calls at most. The older cards' entries it
    // passed are deleted: the account's next authenticate would have, and a burst of
    // concurrent logins of one account that is never seen again leaves hundreds, which would
    // otherwise shorten this page for good.
    let mut seen: Vec<String> = Vec::new();
    let mut stale: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    let mut cursor = cursor;
    for _ in 0..MAX_TOP_UPS {
        let page = ctx
            .store
            .list_page(&prefix, cursor, limit - rows.len())
            .await?;
        cursor = page.cursor;
        collect(&prefix, page.keys, &mut seen, &mut rows, &mut stale);
        if rows.len() >= limit || cursor.is_none() {
            break;
        }
    }
    // Hygiene, not the answer: a failed delete leaves an entry the next page skips again.
    let _ = ctx.store.delete_all(&stale).await;
    Ok(Response::json(
        200,
        &json!({"accounts": rows, "cursor": cursor}),
    ))
}

/// How many list calls one page of `/accounts` may make.
const MAX_TOP_UPS: usize = 4;

/// The rows of listed recency-index keys, each account once; the keys of an account's older
/// cards (listed after its newest) go to `stale`.
fn collect(
    prefix: &str,
    keys: Vec<crate::store::Listed>,
    seen: &mut Vec<String>,
    rows: &mut Vec<AccountRow>,
    stale: &mut Vec<String>,
) {
    for k in keys {
        let Some(account) = k
            .name
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(_, a)| decode_id(a))
        else {
            continue;
        };
        let Some(card) = k.meta::<Card>() else {
            continue;
        };
        if seen.contains(&account) {
            stale.push(k.name);
            continue;
        }
        seen.push(account.clone());
        rows.push(row(account, &card, None));
    }
}

/// The accounts `q` names, each with its card: the account id itself, then the accounts of
/// the identifier index entry `q` is (an e-mail address, an IP address, a device or browser
/// id). Reads the account's markers and at most one page of each index looked at.
async fn search<S: Store>(
    store: &S,
    keys: &Keys,
    q: &str,
    limit: usize,
) -> Result<Vec<AccountRow>, ApiError> {
    if q.is_empty() || q.len() > 320 {
        return Err(ApiError::bad_request(
            "q must be 1 to 320 bytes: an account id, e-mail address, IP address, device id or browser id",
        ));
    }
    let mut lookups: Vec<(&'static str, &'static str, Id)> = Vec::new();
    if q.contains('@') {
        if let Some(v) = links::email_value(q) {
            lookups.push(("email", MatchType::Email.tag(), v));
        }
    } else if let Ok(ip) = q.parse::<IpAddr>() {
        if let Ok(v) = Id::new(&ip.to_string()) {
            lookups.push(("address", links::ADDRESS_SEARCH_TAG, v));
        }
    } else if let Ok(v) = Id::new(q) {
        lookups.push(("device", MatchType::Device.tag(), v.clone()));
        lookups.push(("browser", MatchType::Browser.tag(), v));
    }
    let pages = join_all(lookups.iter().map(|(_, tag, v)| {
        let prefix = keys.index(tag, v);
        async move {
            let page = store.list_page(&prefix, None, limit).await?;
            Ok::<_, ApiError>(
                page.keys
                    .iter()
                    .filter_map(|k| trailing_id(&prefix, &k.name))
                    .collect::<Vec<_>>(),
            )
        }
    }))
    .await;
    let mut found: Vec<(String, &'static str)> = Vec::new();
    if Id::new(q).is_ok() {
        found.push((q.to_string(), "account_id"));
    }
    for ((what, _, _), page) in lookups.iter().zip(pages) {
        for a in page? {
            if !found.iter().any(|(f, _)| *f == a) {
                found.push((a, what));
            }
        }
    }
    found.truncate(limit);
    let cards = join_all(found.iter().map(|(a, _)| async move {
        match Id::new(a) {
            Ok(id) => card_of(store, keys, &id).await,
            Err(_) => Ok(None),
        }
    }))
    .await;
    let mut rows = Vec::new();
    for ((a, what), card) in found.into_iter().zip(cards) {
        if let Some(card) = card? {
            rows.push(row(a, &card, Some(what)));
        }
    }
    Ok(rows)
}

// ---------------------------------------------------------------------------------------------
// GET /incidents

#[derive(Debug, Serialize)]
struct IncidentRow {
    account_id: String,
    incident_id: String,
    attack_type: &'static str,
    event_type: &'static str,
    risk_score: f64,
    status: &'static str,
    result: String,
    is_manually_created: bool,
    incident_creation: String,
    updated: String,
    triggers: Vec<&'static str>,
    reasons: Vec<String>,
    additional: crate::schema::Additional,
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Pending => "pending",
        Status::Resolved => "resolved",
        Status::Archived => "archived",
    }
}

/// `GET /incidents?status=&attack_type=&limit=&cursor=`: one page of the incident index,
/// the highest risk first (then the newest). `status` pending (default), resolved, archived
/// or all; `attack_type` ato, fa or absent for both.
pub async fn incidents<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let status = choice(
        &req.query,
        "status",
        &["pending", "resolved", "archived", "all"],
        "pending",
    )?;
    let attack = match choice(
        &req.query,
        "attack_type",
        &["ato", "fa", "account_takeover", "fake_account", "all"],
        "all",
    )? {
        "ato" | "account_takeover" => "ato",
        "fa" | "fake_account" => "fa",
        _ => "all",
    };
    let limit = limit(&req.query)?;
    let cursor = cursor(&req.query)?;
    let keys = Keys::new(&project.id);
    // Archived incidents are manual ones left pending for two weeks: they sit in the pending
    // index and are told apart as they are read.
    let state = match status {
        "pending" => "p",
        "resolved" => "c",
        _ => "a",
    };
    let prefix = keys.incident_index(state, attack);
    let page = ctx.store.list_page(&prefix, cursor, limit).await?;
    let mut entries: Vec<Option<Entry>> = page.keys.iter().map(|k| k.meta()).collect();
    // An entry too large for key metadata is read from its value.
    let missing: Vec<usize> = (0..entries.len())
        .filter(|i| entries[*i].is_none())
        .collect();
    let read = join_all(missing.iter().map(|i| ctx.store.get(&page.keys[*i].name))).await;
    for (i, v) in missing.into_iter().zip(read) {
        entries[i] = v?.and_then(|v| serde_json::from_str(&v).ok());
    }
    let rows: Vec<IncidentRow> = entries
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let s = e.i.status_at(ctx.now);
            let keep = match status {
                "pending" => s == Status::Pending,
                "resolved" => s == Status::Resolved,
                "archived" => s == Status::Archived,
                _ => true,
            };
            keep.then(|| IncidentRow {
                account_id: e.a,
                incident_id: e.n,
                attack_type: e.i.attack_type.name(),
                event_type: e.i.event_type.name(),
                risk_score: e.i.risk_score,
                status: status_name(s),
                result: e.i.result.clone(),
                is_manually_created: e.i.is_manually_created,
                incident_creation: rfc3339(e.i.created),
                updated: rfc3339(e.i.updated.max(e.i.created)),
                triggers: e.i.triggers.iter().map(|t| t.name()).collect(),
                reasons: e.i.reasons.clone(),
                additional: e.i.additional.clone(),
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({"incidents": rows, "cursor": page.cursor}),
    ))
}

// ---------------------------------------------------------------------------------------------
// GET /stats

fn instant(query: &str, name: &str) -> Result<Option<Millis>, ApiError> {
    let Some(v) = one(query, name)? else {
        return Ok(None);
    };
    let parsed = parse_rfc3339(&v)
        .or_else(|| parse_rfc3339(&format!("{v}T00:00:00.000Z")))
        .or_else(|| v.parse::<Millis>().ok());
    parsed.map(Some).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{name} must be an RFC 3339 time, a date (YYYY-MM-DD) or Unix milliseconds, not {v:?}"
        ))
    })
}

/// `GET /stats?from=&to=&bucket=hour|day`: decisions and incidents per bucket over
/// `[from, to)` (default: the last 7 days by day, or the last 24 hours by hour), the busiest
/// countries over the range and the identifiers behind the most accounts (all time).
pub async fn stats<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let bucket = choice(&req.query, "bucket", &["hour", "day"], "day")?;
    let (step, most) = match bucket {
        "hour" => (HOUR, MAX_HOURS),
        _ => (DAY, MAX_DAYS),
    };
    let to = instant(&req.query, "to")?.unwrap_or(ctx.now);
    // Buckets are whole: `to` rounds up to the end of its bucket, `from` down to its start.
    let to = to.div_euclid(step) * step + if to.rem_euclid(step) > 0 { step } else { 0 };
    let from =
        instant(&req.query, "from")?.unwrap_or(to - if step == HOUR { DAY } else { 7 * DAY });
    let from = from.div_euclid(step) * step;
    if from >= to {
        return Err(ApiError::bad_request("from must be before to"));
    }
    if (to - from) / step > most {
        return Err(ApiError::bad_request(format!(
            "the range holds {} {bucket}s; at most {most} are answered",
            (to - from) / step
        )));
    }
    let range = Range { from, to, step };
    let counts = ctx.counters.read(&project.id, range).await?;
    let buckets: Vec<Value> = counters::filled(range, &counts.buckets)
        .into_iter()
        .map(|b| {
            json!({"start": rfc3339(b.start), "real": b.real, "suspicious": b.suspicious,
                   "fake": b.fake, "incidents": b.incidents})
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({"from": rfc3339(from), "to": rfc3339(to), "bucket": bucket,
                "buckets": buckets, "top": counts.top}),
    ))
}

// ---------------------------------------------------------------------------------------------
