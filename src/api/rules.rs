//! Customer rules over HTTP and in storage: `PUT/GET/DELETE /rules/{name}`, `GET /rules`, the
//! per-isolate cache of each project's compiled rules, and the rules' stage of
//! authenticate and unauthenticated (evaluate, apply, count).
//!
//! A rule's current version rides in its key's metadata, so loading a project's rules is one
//! listing; every `PUT` also writes an immutable version key. See [`crate::rules`] for the
//! language and the order in which rules act.

use std::rc::Rc;

use futures::future::join;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::body;
use super::lists;
use super::{Ctx, Request, Response};
use crate::engine::incidents::{AttackType, EventType, Opening};
use crate::engine::{assess, Config, History, Velocity};
use crate::rules::outcome::{self, Matched, Outcome};
use crate::rules::{
    Actions, Attributes, Mode, Rule, RuleSet, ScoreChange, ScoreComponent, Skipped, MAX_LISTS,
    MAX_RULES,
};
use crate::schema::time::{day, Millis, DAY, SECOND};
use crate::schema::{Decision, RuleMatch, RuleSkipped, RulesReport, Scores};
use crate::signals::{evaluate, Payload};
use crate::state::account::{account_details, scores, write_all};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::isolate::{Cached, Pause};
use crate::state::records::{Profile, SessionRecord};
use crate::store::keys::Id;
use crate::store::listed_write;
use crate::store::{Keys, Put, Store};

/// How long an isolate keeps a project's compiled rules before listing them again. A change
/// made through this isolate is seen at once; other isolates see it within this time (KV
/// itself takes up to a minute to carry a write everywhere).
pub const REFRESH: Millis = 30 * SECOND;
/// How long a match is counted.
pub const HITS_KEPT: Millis = 30 * DAY;
/// The most match keys read to count a rule's matches.
const MAX_COUNTED: usize = 10_000;

/// The attributes a condition may read: every field of the authenticate response (as
/// `GET /openapi.json` describes it) except `request_id` and `linked_accounts` (present only
/// when asked for, so a rule on it would depend on the call), plus the engine's `velocity`.
pub fn attributes() -> Attributes {
    let record = SessionRecord {
        id: String::new(),
        created_at: 0,
        expires_at: 0,
        ip: String::new(),
        user_agent: String::new(),
        accept_language: String::new(),
        geo: Default::default(),
        signals: Value::Null,
        verdict: evaluate(&Payload::new(Value::Null)),
        origin: Default::default(),
    };
    let assessment = assess(&History::default(), None, &Config::default());
    let sample = input(
        "",
        "",
        Some(""),
        &scores(&assessment, &[]),
        &serde_json::to_value(record.details()).unwrap_or(Value::Null),
        Some(&account_details(&Profile::new("", 0), &assessment)),
        &Velocity::default(),
    );
    Attributes::new(sample, &["account.account.metadata"])
}

/// What a condition reads: the response's fields as the engine answered, and its velocity.
pub fn input<A: Serialize>(
    project_id: &str,
    session_id: &str,
    account_id: Option<&str>,
    scores: &Scores,
    session: &Value,
    account: Option<&A>,
    velocity: &Velocity,
) -> Map<String, Value> {
    let mut m = match serde_json::to_value(scores) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    m.insert("project_id".into(), json!(project_id));
    m.insert("session_id".into(), json!(session_id));
    if let Some(a) = account_id {
        m.insert("account_id".into(), json!(a));
    }
    m.insert("session".into(), session.clone());
    if let Some(a) = account {
        m.insert(
            "account".into(),
            serde_json::to_value(a).unwrap_or(Value::Null),
        );
    }
    m.insert(
        "velocity".into(),
        json!({
            "accounts_per_ip": velocity.accounts_per_ip,
            "accounts_per_device": velocity.accounts_per_device,
            "failed_accounts_per_ip": velocity.failed_accounts_per_ip,
            "failed_logins": velocity.failed_logins,
        }),
    );
    m
}

/// Compiled rule sets per project, with when they were listed.
#[derive(Default)]
pub struct RuleSets {
    cache: Cached<RuleSet>,
}

impl RuleSets {
    /// The project's compiled rules, listed again when this isolate's copy is old.
    pub async fn get<S: Store>(
        &self,
        store: &S,
        keys: &Keys,
        project: &str,
        now: Millis,
        pause: &dyn Pause,
    ) -> Result<Rc<RuleSet>, ApiError> {
        self.cache
            .get(project, now, REFRESH, pause, || async {
                let stored = current_rules(store, keys).await?;
                // A stored rule that no longer compiles is left out; GET /rules/{name} says why.
                Ok(RuleSet::compile(stored, &attributes()).0)
            })
            .await
    }

    fn forget(&self, project: &str) {
        self.cache.forget(project);
    }
}

/// The rules stored under `prefix`, in key order: each from its key's metadata, or read when
/// it was too large to ride there.
async fn rules_under<S: Store>(store: &S, prefix: &str) -> Result<Vec<Rule>, ApiError> {
    let mut rules = Vec::new();
    for item in store.list_all(prefix).await? {
        let rule = match item.meta() {
            Some(r) => Some(r),
            None => store
                .get(&item.name)
                .await?
                .and_then(|v| serde_json::from_str(&v).ok()),
        };
        rules.extend(rule);
    }
    Ok(rules)
}

/// Every rule's current version, from one listing.
async fn current_rules<S: Store>(store: &S, keys: &Keys) -> Result<Vec<Rule>, ApiError> {
    rules_under(store, &keys.rules()).await
}

/// A rule name: the same alphabet and length as list names.
fn rule_name(raw: &str) -> Result<Id, ApiError> {
    lists::name(raw).map_err(|_| {
        ApiError::bad_request(format!(
            "rule name {raw:?} must be 1 to 64 letters, digits, '_', '-' or '.'"
        ))
    })
}

const ACTIONS: &str = "decision, add_to_lists, incident, score";

/// Reads and checks `then`: every action known, every list existing.
async fn actions<S: Store>(
    store: &S,
    keys: &Keys,
    then: &Map<String, Value>,
) -> Result<Actions, ApiError> {
    let mut a = Actions::default();
    for (k, v) in then {
        match k.as_str() {
            "decision" => {
                a.decision = Some(match v.as_str() {
                    Some("Real") => Decision::Real,
                    Some("Suspicious") => Decision::Suspicious,
                    Some("Fake") => Decision::Fake,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "then.decision must be Real, Suspicious or Fake, not {v}"
                        )))
                    }
                })
            }
            "add_to_lists" => {
                let names = v
                    .as_array()
                    .filter(|l| !l.is_empty() && l.len() <= MAX_LISTS);
                let Some(names) = names else {
                    return Err(ApiError::bad_request(format!(
                        "then.add_to_lists must be an array of 1 to {MAX_LISTS} list names"
                    )));
                };
                for n in names {
                    let raw = n.as_str().ok_or_else(|| {
                        ApiError::bad_request("then.add_to_lists must hold list names (strings)")
                    })?;
                    let list = lists::name(raw)?;
                    if !lists::exists(store, keys, &list).await? {
                        return Err(ApiError::bad_request(format!(
                            "then.add_to_lists names list {raw:?}, which does not exist: \
                             create it with POST /list/{raw} first"
                        )));
                    }
                    if !a.add_to_lists.iter().any(|l| l == raw) {
                        a.add_to_lists.push(raw.to_string());
                    }
                }
            }
            "incident" => {
                a.incident = Some(match v.as_str() {
                    Some("account_takeover") => AttackType::AccountTakeover,
                    Some("fake_account") => AttackType::FakeAccount,
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "then.incident must be account_takeover or fake_account, not {v}"
                        )))
                    }
                })
            }
            "score" => a.score = Some(score_change(v)?),
            other => {
                return Err(ApiError::bad_request(format!(
                    "then.{other} is not an action; the actions are {ACTIONS}"
                )))
            }
        }
    }
    Ok(a)
}

fn score_change(v: &Value) -> Result<ScoreChange, ApiError> {
    let names: Vec<&str> = ScoreComponent::ALL.iter().map(|c| c.name()).collect();
    let o = v.as_object().ok_or_else(|| {
        ApiError::bad_request("then.score must be an object {\"component\", \"add\"}")
    })?;
    if let Some(k) = o
        .keys()
        .find(|k| !matches!(k.as_str(), "component" | "add"))
    {
        return Err(ApiError::bad_request(format!(
            "then.score.{k} is not a field; give component and add"
        )));
    }
    let component = o
        .get("component")
        .and_then(Value::as_str)
        .and_then(|c| ScoreComponent::ALL.into_iter().find(|x| x.name() == c))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "then.score.component must be one of {}",
                names.join(", ")
            ))
        })?;
    let add = o
        .get("add")
        .and_then(Value::as_f64)
        .filter(|x| (-1.0..=1.0).contains(x))
        .ok_or_else(|| ApiError::bad_request("then.score.add must be a number from -1 to 1"))?;
    Ok(ScoreChange { component, add })
}

fn rule_json(r: &Rule) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

/// `PUT /rules/{name}`: stores a new version and makes it current.
pub async fn put<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_name: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let name = rule_name(raw_name)?;
    let obj = body::object(&req.body, false)?;
    if let Some(k) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "when" | "then" | "mode" | "description"))
    {
        return Err(ApiError::bad_request(format!(
            "{k} is not a field of a rule; give when, then, mode and description"
        )));
    }
    let when = match obj.get("when") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::bad_request("when must be a string")),
        None => return Err(ApiError::bad_request("when is required")),
    };
    crate::rules::Condition::compile(&when, &attributes())
        .map_err(|e| ApiError::bad_request(format!("when does not compile: {e}")))?;
    let keys = Keys::new(&project.id);
    let then = match obj.get("then") {
        Some(Value::Object(t)) => actions(ctx.store, &keys, t).await?,
        None => {
            return Err(ApiError::bad_request(
                "then is required (an object, may be empty)",
            ))
        }
        Some(_) => return Err(ApiError::bad_request("then must be an object")),
    };
    let mode = match body::opt_str(&obj, "", "mode", 16)?.as_deref() {
        None | Some("active") => Mode::Active,
        Some("shadow") => Mode::Shadow,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "mode must be active or shadow, not {other:?}"
            )))
        }
    };
    let description =
        body::opt_str(&obj, "", "description", crate::rules::MAX_DESCRIPTION)?.unwrap_or_default();

    let (existing, all) = join(
        ctx.store.get(&keys.rule(&name)),
        current_rules(ctx.store, &keys),
    )
    .await;
    let previous: Option<Rule> = existing?.and_then(|v| serde_json::from_str(&v).ok());
    if previous.is_none() && all?.len() >= MAX_RULES {
        return Err(ApiError::bad_request(format!(
            "a project has at most {MAX_RULES} rules: delete one first"
        )));
    }
    let rule = Rule {
        name: name.raw().to_string(),
        version: previous.as_ref().map_or(1, |p| p.version + 1),
        when,
        then,
        mode,
        description,
        created_at: ctx.now,
    };
    let version_key = keys.rule_version(&name, rule.version, &ctx.random.nonce());
    write_all(
        ctx.store,
        vec![
            listed_write(version_key, &rule, None),
            listed_write(keys.rule(&name), &rule, None),
        ],
    )
    .await?;
    ctx.caches.rules.forget(&project.id);
    Ok(Response::json(
        200,
        &json!({"request_id": ctx.random.uuid(), "rule": rule_json(&rule)}),
    ))
}

/// How often a rule matched in the last 30 days, by mode.
async fn matches<S: Store>(store: &S, keys: &Keys, name: &Id) -> Result<Value, ApiError> {
    let prefix = keys.rule_hits(name);
    let (mut active, mut shadow, mut counted) = (0u64, 0u64, 0usize);
    let mut cursor = None;
    loop {
        let page = store.list(&prefix, cursor).await?;
        for k in &page.keys {
            counted += 1;
            match k.meta_value().as_ref().and_then(|m| m["m"].as_str()) {
                Some("s") => shadow += 1,
                _ => active += 1,
            }
        }
        match page.cursor {
            Some(c) if counted < MAX_COUNTED => cursor = Some(c),
            more => {
                return Ok(
                    json!({"days": HITS_KEPT / DAY, "active": active, "shadow": shadow,
                                 "capped": more.is_some()}),
                )
            }
        }
    }
}

/// `GET /rules`: every rule's current version, in name order.
pub async fn index<S: Store>(ctx: &Ctx<'_, S>, project: &Project) -> Result<Response, ApiError> {
    let keys = Keys::new(&project.id);
    let mut rules = current_rules(ctx.store, &keys).await?;
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Response::json(
        200,
        &json!({"request_id": ctx.random.uuid(),
                "rules": rules.iter().map(rule_json).collect::<Vec<_>>()}),
    ))
}

/// One rule, or 404.
pub async fn stored<S: Store>(store: &S, keys: &Keys, name: &Id) -> Result<Rule, ApiError> {
    store
        .get(&keys.rule(name))
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .ok_or_else(|| ApiError::not_found(format!("rule {} not found", name.raw())))
}

/// Every version of a rule, oldest first.
pub async fn versions<S: Store>(store: &S, keys: &Keys, name: &Id) -> Result<Vec<Rule>, ApiError> {
    rules_under(store, &keys.rule_versions(name)).await
}

/// `GET /rules/{name}`: the current version, every version, and the matches counted.
pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_name: &str,
) -> Result<Response, ApiError> {
    let name = rule_name(raw_name)?;
    let keys = Keys::new(&project.id);
    let rule = stored(ctx.store, &keys, &name).await?;
    let (all, counts) = join(
        versions(ctx.store, &keys, &name),
        matches(ctx.store, &keys, &name),
    )
    .await;
    let compiles = crate::rules::Condition::compile(&rule.when, &attributes())
        .err()
        .map(|e| e.to_string());
    Ok(Response::json(
        200,
        &json!({"request_id": ctx.random.uuid(), "rule": rule_json(&rule),
                "versions": all?.iter().map(rule_json).collect::<Vec<_>>(),
                "matches": counts?, "error": compiles}),
    ))
}

/// `DELETE /rules/{name}`: the rule, its versions and its counted matches.
pub async fn delete<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_name: &str,
) -> Result<Response, ApiError> {
    let name = rule_name(raw_name)?;
    let keys = Keys::new(&project.id);
    stored(ctx.store, &keys, &name).await?;
    let (v, h) = join(
        ctx.store.list_all(&keys.rule_versions(&name)),
        ctx.store.list_all(&keys.rule_hits(&name)),
    )
    .await;
    let doomed: Vec<String> = v?.into_iter().chain(h?).map(|k| k.name).collect();
    // The current version goes last: until then the rule still shows, and a retry finishes.
    ctx.store.delete_all(&doomed).await?;
    ctx.store.delete(&keys.rule(&name)).await?;
    ctx.caches.rules.forget(&project.id);
    Ok(Response::json(
        200,
        &json!({"request_id": ctx.random.uuid(), "name": name.raw(), "success": true}),
    ))
}

/// The rules stage of one response: evaluated against `input`, applied to `scores`.
pub struct Stage {
    pub outcome: Outcome,
    pub report: Option<RulesReport>,
    /// Writes counting each match.
    pub hits: Vec<(String, String, Put)>,
}

impl Stage {
    /// Log lines: every shadow match and every rule skipped on this answer.
    pub fn log(&self, project: &str, session: &str) -> Vec<String> {
        let Some(report) = &self.report else {
            return Vec::new();
        };
        let shadow = report
            .matched
            .iter()
            .filter(|m| m.mode == Mode::Shadow.name())
            .map(|m| {
                format!(
                    "rules: project {project} session {session}: shadow rule {} v{} matched",
                    m.rule, m.version
                )
            });
        let skipped = report.skipped.iter().map(|s| {
            format!(
                "rules: project {project} session {session}: rule {} skipped: {}",
                s.rule, s.error
            )
        });
        shadow.chain(skipped).collect()
    }
}

/// Runs `set` against `input`. With no rules, the engine's scores pass through unchanged and
/// the response carries no report.
pub fn run<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    set: &RuleSet,
    input: &Map<String, Value>,
    engine: &Scores,
) -> Stage {
    let (thresholds, keys, now) = (&project.thresholds, Keys::new(&project.id), ctx.now);
    let nonce = || ctx.random.nonce();
    if set.is_empty() {
        return Stage {
            outcome: outcome::apply(engine, &[], thresholds),
            report: None,
            hits: Vec::new(),
        };
    }
    let cel_input = set.input(input);
    let (matched, skipped) = set.matching(&cel_input);
    let outcome = outcome::apply(engine, &matched, thresholds);
    let today = day(now);
    let hits = matched
        .iter()
        .filter_map(|r| {
            let name = Id::new(&r.name).ok()?;
            let mode = match r.mode {
                Mode::Active => "a",
                Mode::Shadow => "s",
            };
            Some((
                keys.rule_hit(&name, &today, now, &nonce()),
                String::from("1"),
                Put {
                    ttl_secs: Some((HITS_KEPT / SECOND) as u64),
                    metadata: Some(json!({"m": mode, "v": r.version})),
                },
            ))
        })
        .collect();
    Stage {
        report: Some(RulesReport {
            engine_decision: outcome.engine_decision,
            matched: outcome
                .matched
                .iter()
                .map(|m: &Matched| RuleMatch {
                    rule: m.rule.clone(),
                    version: m.version,
                    mode: m.mode.name().to_string(),
                })
                .collect(),
            skipped: skipped
                .into_iter()
                .map(|Skipped { rule, error }| RuleSkipped { rule, error })
                .collect(),
        }),
        outcome,
        hits,
    }
}

/// How long a replay record is kept: a backtest looks 30 days back at most.
pub const REPLAY_KEPT: Millis = 31 * DAY;

/// The replay record of one authenticate: what its rules read, kept for backtests. Its day is
/// its session's, so deleting the account finds it from the session summaries.
pub fn replay_write(
    keys: &Keys,
    a: &Id,
    s: &Id,
    session_at: Millis,
    now: Millis,
    input: &Map<String, Value>,
) -> (String, String, Put) {
    (
        keys.replay(&day(session_at), a, s),
        Value::Object(input.clone()).to_string(),
        Put {
            ttl_secs: Some((REPLAY_KEPT / SECOND) as u64),
            metadata: Some(json!({ "t": now })),
        },
    )
}

/// The incidents the acting rules open: a takeover's episode is the session, a fake
/// account's the rule (one per account and rule).
pub fn openings(outcome: &Outcome, session_id: &str) -> Vec<Opening> {
    outcome
        .incidents
        .iter()
        .map(|(attack, rule)| Opening {
            id: match attack {
                AttackType::AccountTakeover => {
                    format!("{}.rule.{rule}.{session_id}", attack.short())
                }
                AttackType::FakeAccount => format!("{}.rule.{rule}", attack.short()),
            },
            attack_type: *attack,
            event_type: EventType::Single,
            risk_score: outcome.scores.account_score,
            triggers: Vec::new(),
            reasons: vec![outcome::RULE_REASON.to_string()],
        })
        .collect()
}
