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
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::body;
use super::config::Project;
use super::counters::{self, Range, Tally};
use super::error::ApiError;
use super::{links, Ctx, Request, Response};
use crate::engine::incidents::{Incident, Status};
use crate::engine::{MatchType, SessionSummary};
use crate::schema::time::{parse_rfc3339, rfc3339, Millis, DAY, HOUR};
use crate::schema::{Decision, Scores};
use crate::store::keys::{decode_id, trailing_id, Id};
use crate::store::listed_write;
use crate::store::{Keys, Put, Store};

/// Rows per page when `limit` is not given, and the most a page may ask for.
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 100;

/// The most buckets one `/stats` answer holds (31 days of hours, a year and a day of days).
pub const MAX_HOURS: i64 = 31 * 24;
pub const MAX_DAYS: i64 = 366;

type Write = (String, String, Put);

/// An account's row in `/accounts`, as its latest authenticate left it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Card {
    #[serde(rename = "e", default)]
    pub email: String,
    #[serde(rename = "d")]
    pub decision: String,
    #[serde(rename = "s", default)]
    pub score: f64,
    #[serde(rename = "n", default)]
    pub sessions: usize,
    #[serde(rename = "t")]
    pub last_seen: Millis,
}

/// A card's marker under the account (`r/{age}/{decision}`), as listed with the account.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub name: String,
    pub at: Millis,
    pub decision: String,
}

const FAR: i64 = 9_999_999_999_999;

fn decision_tag(decision: &str) -> String {
    decision.to_ascii_lowercase()
}

fn marker_key(keys: &Keys, a: &Id, at: Millis, decision: &str) -> String {
    format!(
        "{}r/{:013}/{}",
        keys.account(a),
        (FAR - at).clamp(0, FAR),
        decision_tag(decision)
    )
}

/// Reads a marker back from its key name (listed under the account's prefix).
pub fn parse_marker(account_prefix: &str, name: &str) -> Option<Marker> {
    let rest = name.strip_prefix(account_prefix)?.strip_prefix("r/")?;
    let (age, decision) = rest.split_once('/')?;
    Some(Marker {
        name: name.to_string(),
        at: FAR - age.parse::<i64>().ok()?,
        decision: decision.to_string(),
    })
}

/// The recency index entries a marker stands for.
fn entries(keys: &Keys, a: &Id, at: Millis, decision: &str) -> [String; 2] {
    [
        keys.recent_account("all", at, a),
        keys.recent_account(&decision_tag(decision), at, a),
    ]
}

/// The writes of the account's new card, and the keys of the cards it supersedes.
pub fn card_writes(keys: &Keys, a: &Id, old: &[Marker], card: &Card) -> (Vec<Write>, Vec<String>) {
    let meta = serde_json::to_value(card).unwrap_or(Value::Null);
    let text = meta.to_string();
    let put = || Put {
        ttl_secs: None,
        metadata: Some(meta.clone()),
    };
    let mut writes = vec![(
        marker_key(keys, a, card.last_seen, &card.decision),
        text.clone(),
        put(),
    )];
    for e in entries(keys, a, card.last_seen, &card.decision) {
        writes.push((e, text.clone(), put()));
    }
    let fresh: Vec<&String> = writes.iter().map(|w| &w.0).collect();
    let mut stale = Vec::new();
    for m in old {
        for k in std::iter::once(m.name.clone()).chain(entries(keys, a, m.at, &m.decision)) {
            if !fresh.contains(&&k) {
                stale.push(k);
            }
        }
    }
    (writes, stale)
}

/// Every index key the account's markers stand for (deletion).
pub fn card_keys(keys: &Keys, a: &Id, markers: &[Marker]) -> Vec<String> {
    markers
        .iter()
        .flat_map(|m| entries(keys, a, m.at, &m.decision))
        .collect()
}

/// What an incident index entry holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    a: String,
    n: String,
    i: Incident,
}

fn rank(i: &Incident) -> String {
    let risk = (i.risk_score.clamp(0.0, 1.0) * 10_000.0).round() as i64;
    format!(
        "{:05}-{:013}",
        10_000 - risk,
        (FAR - i.created).clamp(0, FAR)
    )
}

/// The index keys of an incident in its stored state.
fn incident_keys(keys: &Keys, a: &Id, i: &Incident) -> Vec<String> {
    let Ok(n) = Id::new(&i.id) else {
        return Vec::new();
    };
    let state = if i.status == Status::Pending {
        "p"
    } else {
        "c"
    };
    let r = rank(i);
    [state, "a"]
        .iter()
        .flat_map(|s| {
            [i.attack_type.short(), "all"]
                .map(|t| keys.incident_entry(s, t, &r, a, &n))
                .into_iter()
        })
        .collect()
}

/// The index writes of incident `new` on account `a`, and the keys `old` (the same incident
/// as it was stored before, if it was) leaves stale.
pub fn incident_writes(
    keys: &Keys,
    a: &Id,
    new: &Incident,
    old: Option<&Incident>,
) -> (Vec<Write>, Vec<String>) {
    let entry = Entry {
        a: a.raw().to_string(),
        n: new.id.clone(),
        i: new.clone(),
    };
    let fresh = incident_keys(keys, a, new);
    let writes: Vec<Write> = fresh
        .iter()
        .map(|k| listed_write(k.clone(), &entry, None))
        .collect();
    let stale = old
        .map(|o| {
            incident_keys(keys, a, o)
                .into_iter()
                .filter(|k| !fresh.contains(k))
                .collect()
        })
        .unwrap_or_default();
    (writes, stale)
}

/// Every index key an incident may have, in either state (deletion).
pub fn incident_index_keys(keys: &Keys, a: &Id, i: &Incident) -> Vec<String> {
    let mut pending = i.clone();
    pending.status = Status::Pending;
    let mut closed = i.clone();
    closed.status = Status::Resolved;
    let mut out = incident_keys(keys, a, &pending);
    out.extend(incident_keys(keys, a, &closed));
    out.sort();
    out.dedup();
    out
}

/// Deletes keys concurrently and reports the first failure.
pub async fn delete_all<S: Store>(store: &S, doomed: &[String]) -> Result<(), ApiError> {
    let results = join_all(doomed.iter().map(|k| store.delete(k))).await;
    results.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Query parameters.

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
    Ok(page
        .keys
        .into_iter()
        .next()
        .and_then(|k| serde_json::from_value(k.metadata?).ok()))
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
    // An account whose concurrent authenticates both left a card is listed once; the page is
    // topped up from the next keys, a few list calls at most, so it still holds `limit` rows.
    let mut seen: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    let mut cursor = cursor;
    for _ in 0..MAX_TOP_UPS {
        let page = ctx
            .store
            .list_page(&prefix, cursor, limit - rows.len())
            .await?;
        cursor = page.cursor;
        collect(&prefix, page.keys, &mut seen, &mut rows);
        if rows.len() >= limit || cursor.is_none() {
            break;
        }
    }
    Ok(Response::json(
        200,
        &json!({"accounts": rows, "cursor": cursor}),
    ))
}

/// How many list calls one page of `/accounts` may make.
const MAX_TOP_UPS: usize = 4;

/// The rows of listed recency-index keys, each account once.
fn collect(
    prefix: &str,
    keys: Vec<crate::store::Listed>,
    seen: &mut Vec<String>,
    rows: &mut Vec<AccountRow>,
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
        let Some(card) = k
            .metadata
            .and_then(|m| serde_json::from_value::<Card>(m).ok())
        else {
            continue;
        };
        if seen.contains(&account) {
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
    let mut entries: Vec<Option<Entry>> = page
        .keys
        .iter()
        .map(|k| {
            k.metadata
                .clone()
                .and_then(|m| serde_json::from_value(m).ok())
        })
        .collect();
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
// What authenticate adds.

fn decision_name(d: Decision) -> String {
    serde_json::to_value(d)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The writes of an authenticate's card (the account's `/accounts` row), and the keys of the
/// cards it supersedes.
pub fn on_authenticate(
    keys: &Keys,
    a: &Id,
    markers: &[Marker],
    email: &str,
    scores: &Scores,
    sessions: usize,
    now: Millis,
) -> (Vec<Write>, Vec<String>) {
    let card = Card {
        email: email.to_string(),
        decision: decision_name(scores.decision),
        score: scores.account_score,
        sessions,
        last_seen: now,
    };
    card_writes(keys, a, markers, &card)
}

/// What an authenticate adds to the project's counters.
pub fn authenticate_tally(
    a: &Id,
    decision: Decision,
    incidents: usize,
    session: &SessionSummary,
    network: &str,
    now: Millis,
) -> Tally {
    let identifiers = [
        ("address", session.ip.as_str()),
        ("device", session.device_id.as_str()),
        ("network", network),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Tally {
        at: now,
        decision: decision_name(decision),
        incidents: incidents as u32,
        country: session.country.clone(),
        account: a.raw().to_string(),
        identifiers,
    }
}
