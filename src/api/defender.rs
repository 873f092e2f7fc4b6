//! HUMAN's account info: `GET /api/v2/account_defender/account/{id}` (also at
//! `/v2/account_defender/account/{id}`) and `GET /api/v1/account_defender/account/{id}`.
//! The seed's presence rules hold: only `account_id` and `exists` for an unknown account,
//! `active_incidents` only while under attack, `aggregative_data` only when the window holds
//! something of the account.

use super::body;
use super::{Ctx, Request, Response};
use crate::engine::incidents::{aggregative, AttackType, Incident, Status};
use crate::schema::time::{rfc3339, DAY};
use crate::schema::{AccountInfoV1, AccountInfoV2, AggregativeData};
use crate::state::account::{event_days, load_account};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::incidents::{out, registered};
use crate::store::{Keys, Store};

/// `days_range`: an integer from 1 to 365, 30 when absent.
fn days_range(query: &str) -> Result<i64, ApiError> {
    let values = body::query_values(query, "days_range")?;
    let Some(v) = values.first() else {
        return Ok(30);
    };
    match v.parse::<i64>() {
        Ok(d) if (1..=365).contains(&d) => Ok(d),
        _ => Err(ApiError::bad_request(format!(
            "days_range must be an integer from 1 to 365, not {v:?}"
        ))),
    }
}

/// `GET /api/v2/account_defender/account/{id}?days_range=30`.
pub async fn v2<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let days = days_range(&req.query)?;
    let state = load_account(ctx.store, &Keys::new(&project.id), &a).await?;
    let mut info = AccountInfoV2 {
        account_id: a.raw().to_string(),
        exists: state.exists(),
        ..AccountInfoV2::default()
    };
    if !info.exists {
        return Ok(Response::json(200, &info));
    }
    let h = &state.history;
    let now = ctx.now;
    let mut active: Vec<&Incident> = h
        .incidents
        .iter()
        .filter(|i| i.status_at(now) == Status::Pending)
        .collect();
    active.sort_by(|x, y| x.created.cmp(&y.created).then_with(|| x.id.cmp(&y.id)));
    let times = || {
        h.sessions
            .iter()
            .map(|s| s.at)
            .chain(h.events.iter().map(|e| e.at))
            .chain(h.event_rollup.iter().flat_map(|r| [r.first, r.last]))
            .chain(h.rollup.iter().map(|r| r.first_seen))
    };
    let profile = state.profile.as_ref();
    let first = times().min().or(profile.map(|p| p.created_at));
    let last = times().max().or(profile.map(|p| p.updated_at));
    info.is_under_attack = Some(!active.is_empty());
    info.first_seen = first.map(rfc3339);
    info.last_seen = last.map(rfc3339);
    info.email = Some(profile.map(|p| p.info.email.clone()).unwrap_or_default());
    info.registration_date = registered(h, profile).map(rfc3339);
    if !active.is_empty() {
        info.active_incidents = Some(active.into_iter().map(out).collect());
    }
    // The folded events' days are read only when the window reaches back to them.
    let from = now - days * DAY;
    let folded = match &h.event_rollup {
        Some(r) if r.last >= from - DAY => event_days(ctx.store, &state).await?,
        _ => None,
    };
    info.aggregative_data =
        aggregative(h, folded.as_ref(), from, now).map(|(categories, transactions)| {
            AggregativeData {
                trigger_categories: categories.iter().map(|c| c.name().to_string()).collect(),
                sensitive_transactions: transactions,
            }
        });
    Ok(Response::json(200, &info))
}

/// `attack_types`: `ato`/`account_takeover` and `fa`/`fake_account`, given as repeated
/// parameters, comma-separated, or as a bracketed list; none means both.
fn attack_types(query: &str) -> Result<Vec<AttackType>, ApiError> {
    let mut out = Vec::new();
    for value in body::query_values(query, "attack_types")? {
        for word in value.split(',') {
            let w = word.trim_matches(|c: char| c.is_whitespace() || "[]'\"".contains(c));
            let t = match w {
                "" => continue,
                "ato" | "account_takeover" => AttackType::AccountTakeover,
                "fa" | "fake_account" => AttackType::FakeAccount,
                other => {
                    return Err(ApiError::bad_request(format!(
                        "attack_types: {other:?} is not ato or fake_account"
                    )))
                }
            };
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    if out.is_empty() {
        out = vec![AttackType::AccountTakeover, AttackType::FakeAccount];
    }
    Ok(out)
}

/// `GET /api/v1/account_defender/account/{id}?attack_types=…`: the one attack HUMAN's rule
/// selects — a pending one (the highest score among several), else the highest-scored
/// resolved or archived one.
pub async fn v1<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let types = attack_types(&req.query)?;
    let state = load_account(ctx.store, &Keys::new(&project.id), &a).await?;
    let now = ctx.now;
    let best = |pending: bool| {
        state
            .history
            .incidents
            .iter()
            .filter(|i| types.contains(&i.attack_type))
            .filter(|i| (i.status_at(now) == Status::Pending) == pending)
            .max_by(|x, y| x.risk_score.total_cmp(&y.risk_score))
    };
    let pending = best(true);
    let chosen = pending.or_else(|| best(false));
    Ok(Response::json(
        200,
        &AccountInfoV1 {
            account_id: a.raw().to_string(),
            is_under_attack: pending.is_some(),
            is_manually_created: chosen.filter(|i| i.is_manually_created).map(|_| true),
            risk_score: chosen.map_or(0, |i| {
                (i.risk_score * 100.0).round().clamp(0.0, 100.0) as u32
            }),
            exists: state.exists(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_range_is_an_integer_from_1_to_365() {
        assert_eq!(days_range(""), Ok(30));
        assert_eq!(days_range("days_range=1"), Ok(1));
        assert_eq!(days_range("days_range=365"), Ok(365));
        for bad in ["0", "366", "7.5", "-1", "seven", ""] {
            let e = days_range(&format!("days_range={bad}")).unwrap_err();
            assert_eq!(e.status, 400, "{bad}");
            assert!(e.message.contains("days_range"), "{}", e.message);
        }
    }

    #[test]
    fn attack_types_take_every_spelling_and_refuse_others() {
        use AttackType::*;
        assert_eq!(attack_types("").unwrap(), [AccountTakeover, FakeAccount]);
        assert_eq!(attack_types("attack_types=ato").unwrap(), [AccountTakeover]);
        assert_eq!(
            attack_types("attack_types=%5B%27fake_account%27%5D").unwrap(),
            [FakeAccount]
        );
        assert_eq!(
            attack_types("attack_types=fa,ato").unwrap(),
            [FakeAccount, AccountTakeover]
        );
        assert_eq!(attack_types("attack_types=bot").unwrap_err().status, 400);
    }
}
