//! Session endpoints: the browser creates a session, the app's backend authenticates it
//! against an account (or checks it anonymously), and anyone with the secret key reads it.

use std::net::IpAddr;

use futures::future::{join, join3, join4};
use serde_json::Value;

use super::body;
use super::cors;
use super::events;
use super::lists;
use super::nonce;
use super::rules;
use super::{Ctx, Request, Response};
use crate::engine::incidents::{self, EventType};
use crate::engine::{assess, enrich, CurrentSession, History, Velocity};
use crate::intel::crawler;
use crate::schema::time::{rfc3339, Millis, DAY, SECOND};
use crate::schema::{
    AuthenticateResponse, CreateSessionResponse, Decision, RiskSignal, SessionResponse,
    UnauthenticatedResponse,
};
use crate::signals::{evaluate, Payload, Verdict};
use crate::state::account::{
    self as account, account_details, linked_accounts, load_account, load_session, profile_write,
    scores, write_all,
};
use crate::state::address;
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::incidents::{open, open_on_cluster, registered, Evidence, Opened, Scope};
use crate::state::index;
use crate::state::links;
use crate::state::records::{Geo, Origin, SessionRecord};
use crate::store::keys::{trailing_id, Id};
use crate::store::{Keys, Put, Store};

/// How long a browser session can be authenticated.
pub const SESSION_TTL: Millis = DAY;

/// The client's address: `CF-Connecting-IP`, or in local development the first
/// `X-Forwarded-For` hop, so tests can play users on many networks. Anything that does not
/// parse as an IP address is ignored.
pub(super) fn client_ip(development: bool, req: &Request) -> Option<IpAddr> {
    let forwarded = development
        .then(|| req.header("x-forwarded-for"))
        .flatten()
        .and_then(|h| h.split(',').next());
    forwarded
        .into_iter()
        .chain(req.header("cf-connecting-ip"))
        .map(str::trim)
        .find_map(|s| s.parse::<IpAddr>().ok())
}

/// Where the address is and what network it belongs to: Cloudflare's `request.cf` where it
/// has a field, the open-data IP tables for the rest (local runs, and always for the kind of
/// network, which Cloudflare does not say).
async fn locate<S: Store>(
    ctx: &Ctx<'_, S>,
    req: &Request,
    ip: Option<IpAddr>,
) -> Result<(Geo, Origin), ApiError> {
    let mut geo = req.geo.clone().unwrap_or_default();
    let Some(ip) = ip else {
        return Ok((geo, Origin::default()));
    };
    let facts = ctx
        .caches
        .ip_tables
        .get(ctx.store, ctx.now, ctx.pause)
        .await?
        .look_up(ip);
    if geo.country.is_empty() {
        geo.country = facts.country;
    }
    if geo.asn.is_none() {
        geo.asn = facts.asn;
    }
    Ok((
        geo,
        Origin {
            kind: facts.kind,
            provider: facts.provider,
        },
    ))
}

fn truncated(s: Option<&str>, max: usize) -> String {
    let s = s.unwrap_or("");
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// The browser verdict on the raw signals, plus what only the server sees: a user agent header
/// from the crawler list (a bot or an HTTP library declaring itself). A headless browser's
/// agent is on that list too; counted once, as headless.
fn server_verdict(signals: &Value, user_agent: Option<&str>) -> Verdict {
    let mut verdict = evaluate(&Payload::new(signals.clone()));
    let headless = user_agent.is_some_and(|ua| crate::intel::user_agent::parse(ua).headless);
    if headless && !verdict.reasons.iter().any(|r| r == "BOT_HEADLESS_UA") {
        verdict.add_evidence("BOT_HEADLESS_UA");
    } else if !headless && user_agent.and_then(crawler::matches).is_some() {
        verdict.add_evidence("BOT_CRAWLER_UA");
    }
    verdict
}

/// `POST /session` (public key): records what the browser sent and what the edge observed.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    cors::check_origin(project, req)?;
    let signals = Value::Object(body::object(&req.body, true)?);
    nonce::consume(ctx, project, &signals).await?;
    let development = ctx.settings.as_ref().is_ok_and(|s| s.development);
    let ip = client_ip(development, req);
    let (geo, origin) = locate(ctx, req, ip).await?;
    let record = SessionRecord {
        id: ctx.random.uuid(),
        created_at: ctx.now,
        expires_at: ctx.now + SESSION_TTL,
        ip: ip.map(|a| a.to_string()).unwrap_or_default(),
        user_agent: truncated(req.header("user-agent"), 1024),
        accept_language: truncated(req.header("accept-language"), 256),
        geo,
        verdict: server_verdict(&signals, req.header("user-agent")),
        signals,
        origin,
    };
    let keys = Keys::new(&project.id);
    let value = serde_json::to_string(&record).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let sid = body::path_id("session_id", &record.id)?;
    ctx.store
        .put(
            &keys.session(&sid),
            &value,
            Put {
                ttl_secs: Some((SESSION_TTL / SECOND) as u64),
                metadata: None,
            },
        )
        .await?;
    Ok(Response::json(
        200,
        &CreateSessionResponse {
            session_id: record.id,
            expires_at: rfc3339(record.expires_at),
        },
    ))
}

fn current(rec: &SessionRecord) -> CurrentSession {
    CurrentSession {
        summary: rec.summary(),
        bot_reasons: rec.verdict.reasons.clone(),
        ..CurrentSession::default()
    }
}

/// `POST /session/authenticate` (secret key): binds the session to the account and scores it.
pub async fn authenticate<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let with_linked = body::query_flag(&req.query, "accounts_linked")?;
    let obj = body::object(&req.body, false)?;
    let sid = body::id(&obj, "", "session_id")?;
    let account = body::object_field(&obj, "account")?;
    let aid = body::id(account, "account.", "id")?;
    let update = body::profile_update(account, "account.")?;
    let keys = Keys::new(&project.id);
    let store = ctx.store;

    let (rec, state, population, rule_set) = join4(
        load_session(store, &keys, &sid),
        load_account(store, &keys, &aid),
        ctx.caches
            .populations
            .get(store, &keys, &project.id, ctx.now, ctx.pause),
        ctx.caches
            .rules
            .get(store, &keys, &project.id, ctx.now, ctx.pause),
    )
    .await;
    let (rec, state, population, rule_set) = (rec?, state?, population?, rule_set?);
    let (profile, profile_changed) = update.apply(&aid, state.profile.as_ref(), ctx.now);

    // Links: the session's browser, device and address, and the account's e-mail.
    let mut cur = current(&rec);
    let mut ids = links::session_identifiers(&cur.summary, Some(&state.history), &population);
    ids.extend(links::email_identifier(&profile, state.profile.as_ref()));
    // The address's other marks (fake accounts, failed logins) come with its look-up.
    let mut found = links::look_up(store, &keys, Some(&aid), &ids, ctx.now).await?;
    let marks = found.address.take().unwrap_or_default();
    cur.summary.risk[RiskSignal::RecentFraudIp as usize] = marks.fraud_score(aid.raw());
    let velocity = Velocity {
        failed_accounts_per_ip: marks.failed_others(aid.raw(), ctx.now),
        failed_logins: events::recent_failed_logins(&state.history, ctx.now),
        ..found.velocity
    };

    let mut history = state.history;
    links::rescore_devices(&mut history, &population);
    history.email = profile.info.email.clone();
    enrich(&history, &mut cur, &population, velocity);
    // Authenticated again, a session the owner passed a second factor on stays theirs.
    cur.summary.verified = history
        .sessions
        .iter()
        .any(|s| s.id == cur.summary.id && s.verified);
    let journal = crate::state::population::journal_entry(
        &keys,
        &aid,
        &history.sessions,
        history.rollup.as_ref(),
        &cur.summary,
    );
    history.sessions.retain(|s| s.id != cur.summary.id);
    history.sessions.push(cur.summary.clone());
    let mut new_links = links::new_links(&history, &found);
    links::merge(&mut history, &new_links, ctx.now);
    let unlinked = links::keep_strongest(&keys, &aid, &mut history, &mut new_links);
    let assessment = assess(&history, Some(&cur), &project.thresholds);

    // The session as scored: with what the account's history and the project added.
    let mut session = rec.details();
    session.risk_signal_scores = cur.summary.risk_scores();
    session.risk_signals = session.risk_signal_scores.flags();
    let account = account_details(&profile, &assessment);
    // The customer's rules read what the engine answered and may change it.
    let engine_scores = scores(&assessment, &history.lists);
    let input = rules::input(
        &project.id,
        &rec.id,
        Some(aid.raw()),
        &engine_scores,
        &serde_json::to_value(&session).unwrap_or(Value::Null),
        Some(&account),
        &velocity,
    );
    let stage = rules::run(ctx, project, &rule_set, &input, &engine_scores);
    let decision = stage.outcome.scores.decision;
    let log = stage.log(&project.id, &rec.id);

    // Every write goes to a key of its own; none depends on another request's write.
    let summary = serde_json::to_value(&cur.summary).unwrap_or(Value::Null);
    let mut writes = vec![
        (
            keys.account_session(&aid, &sid),
            summary.to_string(),
            Put {
                ttl_secs: None,
                metadata: Some(summary),
            },
        ),
        (
            keys.session_account(&sid, &aid),
            String::from("1"),
            Put {
                ttl_secs: Some(((rec.expires_at - ctx.now) / SECOND).max(60) as u64),
                metadata: None,
            },
        ),
    ];
    // The population index's journal (`state::population`): folded off the request path.
    writes.extend(journal);
    writes.extend(links::writes(
        &keys,
        &aid,
        &new_links,
        &found.unindexed,
        ctx.now,
    ));
    if profile_changed {
        writes.push(profile_write(&keys, &aid, &profile));
    }
    if decision == Decision::Fake {
        writes.extend(address::fraud(&keys, &cur.summary.ip, &aid, ctx.now));
    }
    writes.push(rules::replay_write(
        &keys,
        &aid,
        &sid,
        cur.summary.at,
        ctx.now,
        &input,
    ));
    writes.extend(stage.hits);
    // The console's index: the account's card as of this answer (`console`).
    let (card, superseded) = index::on_authenticate(
        &keys,
        &aid,
        &state.markers,
        &profile.info.email,
        &stage.outcome.scores,
        assessment.aggregates.num_sessions as usize,
        ctx.now,
    );
    writes.extend(card);
    let mut leave = Vec::new();
    for list in stage
        .outcome
        .join_lists
        .iter()
        .filter_map(|l| Id::new(l).ok())
    {
        let (joins, others) = lists::joining(&keys, &list, &aid, &history.lists, ctx.now);
        writes.extend(joins);
        leave.extend(others);
    }
    let scope = Scope {
        store,
        project,
        keys: &keys,
        now: ctx.now,
    };
    let mut openings = incidents::on_authenticate(&history, &cur, &assessment, &project.thresholds);
    openings.extend(rules::openings(&stage.outcome, &rec.id));
    let evidence = Evidence::of_session(&rec);
    let additional = evidence.additional(
        &profile.info.email,
        registered(&history, Some(&profile)),
        ctx.now,
    );
    let cluster = openings
        .iter()
        .find(|o| o.event_type == EventType::Cluster)
        .cloned();
    // Old sessions folded into the account's rollup (`engine::rollup`): the rollup is written
    // with everything else, the folded keys deleted only once it is; so are the lists left,
    // the cards superseded and the weakest links let go (one call to the account's object).
    let (rollup, folded) = account::fold(&keys, &aid, &history, &state.folded_keys, ctx.now);
    writes.extend(rollup);
    let mut deletes = leave;
    deletes.extend(superseded);
    deletes.extend(folded);
    deletes.extend(unlinked);
    let (written, opened, on_cluster) = join3(
        store.write_then_delete(writes, &deletes),
        open(&scope, &aid, &history.incidents, openings, &additional),
        async {
            match &cluster {
                Some(o) => open_on_cluster(&scope, &history.links, o, &evidence).await,
                None => Ok(Opened::default()),
            }
        },
    )
    .await;
    written?;
    let (opened, on_cluster) = (opened?, on_cluster?);
    let linked_accounts = match with_linked {
        true => Some(linked_accounts(store, &keys, &history.links).await?),
        false => None,
    };
    let mut resp = Response::json(
        200,
        &AuthenticateResponse {
            project_id: project.id.clone(),
            session_id: rec.id.clone(),
            account_id: aid.raw().to_string(),
            request_id: ctx.random.uuid(),
            scores: stage.outcome.scores,
            session,
            account,
            linked_accounts,
            rules: stage.report,
        },
    );
    // The console's counters, recorded after the response (`counters`).
    resp.tallies.push((
        project.id.clone(),
        index::authenticate_tally(
            &aid,
            decision,
            opened.incidents.len() + on_cluster.incidents.len(),
            &cur.summary,
            &evidence.asn,
            ctx.now,
        ),
    ));
    resp.deferred = opened.deliveries;
    resp.deferred.extend(on_cluster.deliveries);
    resp.log = log;
    Ok(resp)
}

/// `POST /session/unauthenticated` (secret key): scores a session before any account is known.
pub async fn unauthenticated<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let with_linked = body::query_flag(&req.query, "accounts_linked")?;
    let obj = body::object(&req.body, false)?;
    let sid = body::id(&obj, "", "session_id")?;
    let keys = Keys::new(&project.id);
    let (rec, population, rule_set) = join3(
        load_session(ctx.store, &keys, &sid),
        ctx.caches
            .populations
            .get(ctx.store, &keys, &project.id, ctx.now, ctx.pause),
        ctx.caches
            .rules
            .get(ctx.store, &keys, &project.id, ctx.now, ctx.pause),
    )
    .await;
    let (rec, population, rule_set) = (rec?, population?, rule_set?);
    let cur = current(&rec);
    let ids = links::session_identifiers(&cur.summary, None, &population);
    let found = links::look_up(ctx.store, &keys, None, &ids, ctx.now).await?;
    let mut history = History {
        sessions: vec![cur.summary.clone()],
        ..History::default()
    };
    links::merge(
        &mut history,
        &links::new_links(&History::default(), &found),
        rec.created_at,
    );
    let assessment = assess(&history, Some(&cur), &project.thresholds);
    // Rules run here too; with no account, they can only decide and score (lists and
    // incidents need an account).
    let session = rec.details();
    let engine_scores = scores(&assessment, &[]);
    let input = rules::input::<()>(
        &project.id,
        &rec.id,
        None,
        &engine_scores,
        &serde_json::to_value(&session).unwrap_or(Value::Null),
        None,
        &found.velocity,
    );
    let stage = rules::run(ctx, project, &rule_set, &input, &engine_scores);
    let log = stage.log(&project.id, &rec.id);
    let (linked, counted) = join(
        async {
            match with_linked {
                true => Ok(Some(
                    linked_accounts(ctx.store, &keys, &history.links).await?,
                )),
                false => Ok::<_, ApiError>(None),
            }
        },
        write_all(ctx.store, stage.hits),
    )
    .await;
    counted?;
    let mut resp = Response::json(
        200,
        &UnauthenticatedResponse {
            project_id: project.id.clone(),
            session_id: rec.id.clone(),
            request_id: ctx.random.uuid(),
            scores: stage.outcome.scores,
            session,
            linked_accounts: linked?,
            rules: stage.report,
        },
    );
    resp.log = log;
    Ok(resp)
}

/// `GET /session/{id}` (secret key).
pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_id: &str,
) -> Result<Response, ApiError> {
    let sid = body::path_id("session_id", raw_id)?;
    let keys = Keys::new(&project.id);
    let prefix = keys.session_accounts(&sid);
    let (rec, bound) = join(
        load_session(ctx.store, &keys, &sid),
        ctx.store.list_all(&prefix),
    )
    .await;
    let rec = rec?;
    let account_ids = bound?
        .iter()
        .filter_map(|k| trailing_id(&prefix, &k.name))
        .collect();
    Ok(Response::json(
        200,
        &SessionResponse {
            account_ids,
            request_id: ctx.random.uuid(),
            project_id: project.id.clone(),
            session_id: rec.id.clone(),
            details: rec.details(),
        },
    ))
}
