//! `POST /rules/{name}/backtest?days=N&version=V`: one version of a rule replayed over the
//! authenticates of the last N days, as their replay records kept what the rules read.
//!
//! Bounded whatever the project's size: it lists at most [`MAX_LISTED`] records and reads at
//! most [`MAX_REPLAYED`] of them, spread evenly over the listing when there are more (the answer
//! says it sampled), and reads at most [`MAX_VERDICTS`] feedback verdicts per attack type. On
//! Cloudflare that stays well inside a request's thousand storage operations.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::future::{join, join_all};
use serde_json::{json, Map, Value};

use super::body;
use super::config::Project;
use super::error::ApiError;
use super::rules::{attributes, stored, versions};
use super::{Ctx, Request, Response};
use crate::rules::outcome;
use crate::rules::{Condition, Input, Mode, Rule};
use crate::schema::time::{day, DAY};
use crate::schema::{Decision, Scores};
use crate::store::keys::Id;
use crate::store::{Keys, Listed, Store};

/// The most days a backtest looks back.
pub const MAX_DAYS: i64 = 30;
/// The most replay records listed, and the most read and evaluated.
pub const MAX_LISTED: usize = 20_000;
pub const MAX_REPLAYED: usize = 500;
/// The most verdicts read per attack type.
pub const MAX_VERDICTS: usize = 10_000;
/// The most matching sessions the answer shows.
const EXAMPLES: usize = 20;

fn query_number(query: &str, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = body::query_values(query, name)?.pop() else {
        return Ok(None);
    };
    raw.parse::<i64>().map(Some).map_err(|_| {
        ApiError::bad_request(format!(
            "query parameter {name} must be a whole number, not {raw:?}"
        ))
    })
}

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

/// The application's verdicts on one attack type's incidents, by account.
async fn verdicts<S: Store>(
    store: &S,
    keys: &Keys,
    attack: &str,
) -> Result<(HashMap<String, String>, bool), ApiError> {
    let prefix = keys.verdicts(attack);
    let (listed, capped) = list_capped(store, &prefix, MAX_VERDICTS).await?;
    let map = listed
        .into_iter()
        .filter_map(|k| {
            let account = crate::store::keys::trailing_id(&prefix, &k.name)?;
            let result = k.metadata?["r"].as_str()?.to_string();
            Some((account, result))
        })
        .collect();
    Ok((map, capped))
}

/// The rule version asked for: `version`, or the current one.
async fn version_of<S: Store>(
    store: &S,
    keys: &Keys,
    name: &Id,
    version: Option<i64>,
) -> Result<Rule, ApiError> {
    let current = stored(store, keys, name).await?;
    match version {
        None => Ok(current),
        Some(v) => versions(store, keys, name)
            .await?
            .into_iter()
            .rev()
            .find(|r| i64::from(r.version) == v)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "rule {} has no version {v} (the current one is {})",
                    name.raw(),
                    current.version
                ))
            }),
    }
}

/// `POST /rules/{name}/backtest`.
pub async fn run<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_name: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let name = super::lists::name(raw_name)?;
    let days = query_number(&req.query, "days")?.unwrap_or(7);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "days must be from 1 to {MAX_DAYS}, not {days}"
        )));
    }
    let keys = Keys::new(&project.id);
    let version = query_number(&req.query, "version")?;
    let mut rule = version_of(ctx.store, &keys, &name, version).await?;
    let condition = Condition::compile(&rule.when, &attributes()).map_err(|e| {
        ApiError::bad_request(format!(
            "version {} of rule {} no longer compiles: {e}",
            rule.version,
            name.raw()
        ))
    })?;
    let mode = rule.mode;
    // Replayed as if active: the question is what it would do.
    rule.mode = Mode::Active;

    let since = ctx.now - days * DAY;
    let mut listed = Vec::new();
    let mut capped = false;
    let mut at = since;
    while day(at) <= day(ctx.now) && !capped {
        let left = MAX_LISTED - listed.len();
        let (keys_of_day, more) = list_capped(ctx.store, &keys.replays(&day(at)), left).await?;
        listed.extend(keys_of_day.into_iter().filter(|k| {
            let t = k.metadata.as_ref().and_then(|m| m["t"].as_i64());
            t.is_some_and(|t| t >= since && t <= ctx.now)
        }));
        capped = more || listed.len() >= MAX_LISTED;
        at += DAY;
    }
    let chosen = spread(&listed, MAX_REPLAYED);
    let (records, (ato, fa)) = join(
        join_all(chosen.iter().map(|k| ctx.store.get(&k.name))),
        join(
            verdicts(ctx.store, &keys, "ato"),
            verdicts(ctx.store, &keys, "fa"),
        ),
    )
    .await;
    let ((ato, ato_capped), (fa, fa_capped)) = (ato?, fa?);

    let mut report = Tally::default();
    for value in records {
        let Some(Value::Object(input)) = value?.and_then(|v| serde_json::from_str(&v).ok()) else {
            continue;
        };
        report.add(&rule, &condition, &input, project);
    }
    let overturned = |account: &str| {
        [&ato, &fa]
            .iter()
            .any(|m| m.get(account).is_some_and(|r| r == "no_attack"))
    };
    let confirmed = |account: &str| {
        [&ato, &fa]
            .iter()
            .any(|m| m.get(account).is_some_and(|r| r != "no_attack"))
    };
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|((from, to), n)| json!({"from": from, "to": to, "sessions": n}))
        .collect();
    Ok(Response::json(
        200,
        &json!({
            "request_id": ctx.random.uuid(),
            "rule": name.raw(),
            "version": rule.version,
            "mode": mode.name(),
            "days": days,
            "sessions": {
                "listed": listed.len(),
                "replayed": report.replayed,
                "sampled": listed.len() > chosen.len() || capped,
                "listing_capped": capped,
            },
            "matched": {
                "sessions": report.matched,
                "accounts": report.accounts.len(),
            },
            "errors": {"sessions": report.errors, "first": report.first_error},
            "decisions": {"changed": report.changed(), "changes": changes},
            "feedback": {
                "matched_accounts_marked_no_attack":
                    report.accounts.iter().filter(|a| overturned(a)).count(),
                "matched_accounts_confirmed":
                    report.accounts.iter().filter(|a| confirmed(a)).count(),
                "verdicts_capped": ato_capped || fa_capped,
            },
            "examples": report.examples,
        }),
    ))
}

/// What a backtest counts.
#[derive(Default)]
struct Tally {
    replayed: usize,
    matched: usize,
    errors: usize,
    first_error: Option<String>,
    accounts: HashSet<String>,
    changes: BTreeMap<(String, String), usize>,
    examples: Vec<Value>,
}

impl Tally {
    fn add(
        &mut self,
        rule: &Rule,
        condition: &Condition,
        input: &Map<String, Value>,
        project: &Project,
    ) {
        self.replayed += 1;
        let holds = match condition.holds(&Input::new(input, condition.reads())) {
            Ok(h) => h,
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
                return;
            }
        };
        if !holds {
            return;
        }
        self.matched += 1;
        let account = input["account_id"].as_str().unwrap_or_default().to_string();
        let Ok(engine) = serde_json::from_value::<Scores>(Value::Object(input.clone())) else {
            return;
        };
        let after = outcome::apply(&engine, &[rule], &project.thresholds);
        let (from, to) = (engine.decision, after.scores.decision);
        if from != to {
            *self
                .changes
                .entry((name(from).into(), name(to).into()))
                .or_default() += 1;
        }
        if self.examples.len() < EXAMPLES {
            self.examples.push(json!({
                "account_id": account,
                "session_id": input["session_id"],
                "engine_decision": from,
                "decision": to,
            }));
        }
        self.accounts.insert(account);
    }

    fn changed(&self) -> usize {
        self.changes.values().sum()
    }
}

fn name(d: Decision) -> &'static str {
    match d {
        Decision::Real => "Real",
        Decision::Suspicious => "Suspicious",
        Decision::Fake => "Fake",
    }
}
