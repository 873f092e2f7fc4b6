//! `POST /rules/{name}/backtest?days=N&version=V`: one version of a rule replayed over the
//! authenticates of the last N days, as their replay records kept what the rules read.
//!
//! Bounded whatever the project's size, as [`crate::state::replays`] reads the past.

use std::collections::{BTreeMap, HashSet};

use futures::future::join;
use serde_json::{json, Map, Value};

use super::body;
use super::rules::{attributes, stored, versions};
use super::{Ctx, Request, Response};
use crate::rules::outcome;
use crate::rules::{Condition, Input, Mode, Rule};
use crate::schema::time::DAY;
use crate::schema::{Decision, Scores};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::replays::{Replays, Verdicts};
use crate::store::keys::Id;
use crate::store::{Keys, Store};

/// The most days a backtest looks back.
pub const MAX_DAYS: i64 = 30;
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

    let (history, verdicts) = join(
        Replays::read(ctx.store, &keys, ctx.now - days * DAY, ctx.now),
        Verdicts::read(ctx.store, &keys),
    )
    .await;
    let (history, verdicts) = (history?, verdicts?);
    let mut report = Tally::default();
    for (input, _) in &history.records {
        report.add(&rule, &condition, input, project);
    }
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
                "listed": history.listed,
                "replayed": report.replayed,
                "sampled": history.sampled,
                "listing_capped": history.capped,
            },
            "matched": {
                "sessions": report.matched,
                "accounts": report.accounts.len(),
            },
            "errors": {"sessions": report.errors, "first": report.first_error},
            "decisions": {"changed": report.changed(), "changes": changes},
            "feedback": {
                "matched_accounts_marked_no_attack":
                    report.accounts.iter().filter(|a| verdicts.overturned(a)).count(),
                "matched_accounts_confirmed":
                    report.accounts.iter().filter(|a| verdicts.confirmed(a)).count(),
                "verdicts_capped": verdicts.capped,
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
