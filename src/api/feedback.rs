//! `POST /api/v1/account_defender/account/update_status`: the application's verdict on
//! incidents (HUMAN's feedback). `resolved` with `no_attack` closes the pending incidents of the
//! type as false positives, which keep their ids so the same evidence never reopens them;
//! `resolved` with `resolved` closes them as true positives; `manually_identified` (pending) and
//! `manually_identified_and_resolved` open an incident the engine missed. Every call is kept
//! under each account it names.

use futures::future::join_all;
use serde_json::{json, Map, Value};

use super::body;
use super::{Ctx, Request, Response};
use crate::engine::incidents::{AttackType, EventType, Incident, Opening, Status};
use crate::state::account::{load_account, write_all, AccountState};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::incidents::{registered, resolution, Evidence};
use crate::state::index;
use crate::store::keys::Id;
use crate::store::listed_write;
use crate::store::{Keys, Put, Store};

/// The most accounts one call may name.
pub const MAX_ACCOUNTS: usize = 100;
const MAX_COMMENT: usize = 1024;

fn one_of<'a>(
    obj: &Map<String, Value>,
    name: &str,
    allowed: &[&'a str],
) -> Result<Option<&'a str>, ApiError> {
    let Some(v) = body::opt_str(obj, "", name, 64)? else {
        return Ok(None);
    };
    allowed
        .iter()
        .find(|a| **a == v)
        .copied()
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name} must be one of {}, not {v:?}",
                allowed.join(", ")
            ))
        })
}

/// `accountIds`: 1 to 100 account ids.
pub fn account_ids(obj: &Map<String, Value>, name: &str) -> Result<Vec<Id>, ApiError> {
    let list = match obj.get(name) {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_ACCOUNTS => a,
        Some(Value::Array(a)) => {
            return Err(ApiError::bad_request(format!(
                "{name} must list 1 to {MAX_ACCOUNTS} account ids, not {}",
                a.len()
            )))
        }
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request(format!("{name} is required")))
        }
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "{name} must be an array of account ids"
            )))
        }
    };
    let mut ids: Vec<Id> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let field = format!("{name}[{i}]");
        let id = match v {
            Value::String(s) => body::path_id(&field, s)?,
            _ => return Err(ApiError::bad_request(format!("{field} must be a string"))),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `POST /api/v1/account_defender/account/update_status`. Answers `{}` as HUMAN does.
pub async fn update_status<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let obj = body::object(&req.body, false)?;
    let ids = account_ids(&obj, "accountIds")?;
    let attack = match one_of(&obj, "attackType", &["fa", "ato"])? {
        Some("fa") => AttackType::FakeAccount,
        Some(_) => AttackType::AccountTakeover,
        None => return Err(ApiError::bad_request("attackType is required (fa or ato)")),
    };
    let status = one_of(&obj, "status", &["pending", "resolved"])?
        .ok_or_else(|| ApiError::bad_request("status is required (pending or resolved)"))?;
    let result = one_of(
        &obj,
        "result",
        &[
            "no_attack",
            "resolved",
            "manually_identified",
            "manually_identified_and_resolved",
        ],
    )?;
    let result = match (status, result) {
        ("resolved", Some(r @ ("no_attack" | "resolved" | "manually_identified_and_resolved"))) => {
            r
        }
        ("resolved", None) => {
            return Err(ApiError::bad_request(
                "result is required when status is resolved",
            ))
        }
        ("pending", None | Some("manually_identified")) => "manually_identified",
        (s, r) => {
            return Err(ApiError::bad_request(format!(
                "result {} does not go with status {s}",
                r.unwrap_or("(none)")
            )))
        }
    };
    let comment = body::opt_str(&obj, "", "comment", MAX_COMMENT)?.unwrap_or_default();

    let keys = Keys::new(&project.id);
    let states = join_all(ids.iter().map(|a| load_account(ctx.store, &keys, a))).await;
    let states = states.into_iter().collect::<Result<Vec<_>, _>>()?;
    let unknown: Vec<&str> = ids
        .iter()
        .zip(&states)
        .filter(|(_, s)| !s.exists())
        .map(|(a, _)| a.raw())
        .collect();
    if !unknown.is_empty() {
        // Nothing is changed unless every account is known.
        return Err(ApiError::not_found(format!(
            "accounts not found: {}",
            unknown.join(", ")
        )));
    }
    let mut writes = Vec::new();
    let mut doomed = Vec::new();
    for (a, state) in ids.iter().zip(&states) {
        let change = Change {
            attack,
            result,
            now: ctx.now,
        };
        let (w, stale) = change.writes(&keys, a, state, &ctx.random.nonce());
        writes.extend(w);
        doomed.extend(stale);
        if let Ok(f) = Id::new(&format!("{:013}-{}", ctx.now, ctx.random.nonce())) {
            let record = json!({"attackType": attack.short(), "status": status,
                                "result": result, "comment": comment, "at": ctx.now});
            writes.push((
                keys.account_feedback(a, &f),
                record.to_string(),
                Put::default(),
            ));
        }
        // The latest verdict per account and attack type, where a backtest finds it without
        // reading every account.
        writes.push((
            keys.verdict(attack.short(), a),
            result.to_string(),
            Put {
                ttl_secs: None,
                metadata: Some(json!({"r": result, "t": ctx.now})),
            },
        ));
    }
    write_all(ctx.store, writes).await?;
    ctx.store.delete_all(&doomed).await?;
    Ok(Response::json(200, &json!({})))
}

/// What one feedback call does to one account.
struct Change {
    attack: AttackType,
    result: &'static str,
    now: i64,
}

impl Change {
    /// The writes of the change to `a`'s incidents, and the index keys it leaves stale.
    fn writes(
        &self,
        keys: &Keys,
        a: &Id,
        state: &AccountState,
        nonce: &str,
    ) -> (Vec<(String, String, Put)>, Vec<String>) {
        if self.result.starts_with("manually_identified") {
            let incident = self.manual(state, nonce);
            let Ok(n) = Id::new(&incident.id) else {
                return Default::default();
            };
            let (mut writes, stale) = index::incident_writes(keys, a, &incident, None);
            writes.push(listed_write(keys.account_incident(a, &n), &incident, None));
            return (writes, stale);
        }
        let mut out = (Vec::new(), Vec::new());
        for old in
            state.history.incidents.iter().filter(|i| {
                i.attack_type == self.attack && i.status_at(self.now) == Status::Pending
            })
        {
            if let Some((w, stale)) = resolution(keys, a, old, self.result, self.now) {
                out.0.extend(w);
                out.1.extend(stale);
            }
        }
        out
    }

    fn manual(&self, state: &AccountState, nonce: &str) -> Incident {
        let h = &state.history;
        let latest = h.sessions.iter().max_by_key(|s| s.at);
        let evidence = Evidence {
            ip: latest.map(|s| s.ip.clone()).unwrap_or_default(),
            country: latest.map(|s| s.country.clone()).unwrap_or_default(),
            device_id: latest.map(|s| s.device_id.clone()).unwrap_or_default(),
            browser_id: latest.map(|s| s.browser_id.clone()).unwrap_or_default(),
            ..Evidence::default()
        };
        let email = state.profile.as_ref().map_or("", |p| p.info.email.as_str());
        let additional =
            evidence.additional(email, registered(h, state.profile.as_ref()), self.now);
        let mut i = Opening {
            id: format!("{}.m{:013}-{nonce}", self.attack.short(), self.now),
            attack_type: self.attack,
            event_type: EventType::Single,
            risk_score: 1.0,
            triggers: Vec::new(),
            reasons: Vec::new(),
        }
        .into_incident(self.now, additional);
        i.is_manually_created = true;
        i.result = self.result.to_string();
        if self.result == "manually_identified_and_resolved" {
            i.status = Status::Resolved;
        }
        i
    }
}
