//! `GET /calibration?days=N`: for each reason code, how often analysts' feedback overturned
//! the decision it drove. A session whose engine decision was not Real *flagged* its account
//! with the reasons it carried; an account whose latest verdict is `no_attack` was
//! *overturned*. Match types are reasons too (`MULTI_SHARED_BROWSER`, `MULTI_SHARED_DEVICE`,
//! `MULTI_DEVICE_BURST`, `MULTI_SHARED_EMAIL`, `MULTI_SHARED_NETWORK`), so they are counted
//! alike. Read from the replay records and verdicts, bounded as [`crate::state::replays`] reads them.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join;
use serde_json::{json, Value};

use super::body;
use super::{Ctx, Request, Response};
use crate::schema::time::{day, DAY};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::replays::{Replays, Verdicts};
use crate::store::{Keys, Store};

/// The most days looked back, and the most overturned accounts named per code.
pub const MAX_DAYS: i64 = 30;
const NAMED: usize = 10;

/// What one reason code drove: the accounts it flagged, per day and in all.
#[derive(Default)]
struct Code {
    score: String,
    flagged: BTreeSet<String>,
    by_day: BTreeMap<String, BTreeSet<String>>,
}

pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    let days = match body::query_values(&req.query, "days")?.pop() {
        None => 30,
        Some(raw) => raw.parse::<i64>().map_err(|_| {
            ApiError::bad_request(format!("days must be a whole number, not {raw:?}"))
        })?,
    };
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "days must be from 1 to {MAX_DAYS}, not {days}"
        )));
    }
    let keys = Keys::new(&project.id);
    let (history, verdicts) = join(
        Replays::read(ctx.store, &keys, ctx.now - days * DAY, ctx.now),
        Verdicts::read(ctx.store, &keys),
    )
    .await;
    let (history, verdicts) = (history?, verdicts?);

    let mut codes: BTreeMap<String, Code> = BTreeMap::new();
    for (record, at) in &history.records {
        if record["decision"].as_str().is_none_or(|d| d == "Real") {
            continue;
        }
        let Some(account) = record["account_id"].as_str() else {
            continue;
        };
        for reason in record["reasons"].as_array().into_iter().flatten() {
            let (Some(code), Some(score)) = (reason["code"].as_str(), reason["score"].as_str())
            else {
                continue;
            };
            let c = codes.entry(code.to_string()).or_default();
            c.score = score.to_string();
            c.flagged.insert(account.to_string());
            c.by_day
                .entry(day(*at))
                .or_default()
                .insert(account.to_string());
        }
    }
    let mut out: Vec<Value> = codes
        .into_iter()
        .map(|(code, c)| {
            let overturned: Vec<&String> =
                c.flagged.iter().filter(|a| verdicts.overturned(a)).collect();
            let confirmed = c.flagged.iter().filter(|a| verdicts.confirmed(a)).count();
            let by_day: Vec<Value> = c
                .by_day
                .iter()
                .map(|(d, accounts)| {
                    json!({"day": format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]),
                           "flagged": accounts.len(),
                           "overturned": accounts.iter().filter(|a| verdicts.overturned(a)).count()})
                })
                .collect();
            json!({
                "code": code,
                "score": c.score,
                "flagged_accounts": c.flagged.len(),
                "overturned": overturned.len(),
                "confirmed": confirmed,
                "overturn_rate": overturned.len() as f64 / c.flagged.len().max(1) as f64,
                "days": by_day,
                "overturned_accounts": overturned.into_iter().take(NAMED).collect::<Vec<_>>(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b["flagged_accounts"]
            .as_u64()
            .cmp(&a["flagged_accounts"].as_u64())
            .then_with(|| a["code"].as_str().cmp(&b["code"].as_str()))
    });
    Ok(Response::json(
        200,
        &json!({
            "request_id": ctx.random.uuid(),
            "days": days,
            "sessions": {"listed": history.listed, "replayed": history.records.len(),
                         "sampled": history.sampled},
            "verdicts_capped": verdicts.capped,
            "codes": out,
        }),
    ))
}
