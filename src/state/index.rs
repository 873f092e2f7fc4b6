//! The console's indexes, kept as the data arrives so that no console request scans the
//! project (`api::console` reads them).
//!
//! - **Accounts**: each authenticate writes the account's *card* (decision, score, sessions,
//!   e-mail, last seen) under a marker `a/{account}/r/{age}/{decision}` and into the recency
//!   index `ra/{decision|all}/{age}/{account}` (age = 9999999999999 − last seen: the latest
//!   sort first), and deletes the entries of the cards it supersedes (it lists them with the
//!   account anyway). Two concurrent authenticates of one account can both leave a card; the
//!   next one removes both, a page shows an account once, and deletion finds every marker.
//! - **Incidents**: every write of an incident also writes its entries in
//!   `in/{p|c|a}/{ato|fa|all}/{rank}/{account}/{incident}` (pending or closed, and all; by
//!   attack type and all), ranked by risk then recency, and removes the entries a change of
//!   state or score makes stale.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::counters::Tally;
use crate::engine::incidents::{Incident, Status};
use crate::engine::SessionSummary;
use crate::schema::time::{Millis, HOUR};
use crate::schema::{Decision, Scores};
use crate::store::keys::Id;
use crate::store::listed_write;
use crate::store::{Keys, Put};

pub type Write = (String, String, Put);

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

/// What an incident index entry holds: the account, the incident's id and the incident.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub a: String,
    pub n: String,
    pub i: Incident,
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

// What an authenticate adds.

fn decision_name(d: Decision) -> String {
    serde_json::to_value(d)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// How long an account's card stands while its decision stays the same. The console's list is
/// ordered by the hour, and its row's score and session count may be that old: a login that
/// changes neither the decision nor the hour writes nothing here (six KV operations fewer on
/// most logins; BENCHMARKS.md counts them).
pub const CARD_REFRESH: Millis = HOUR;

/// The writes of an authenticate's card (the account's `/accounts` row), and the keys of the
/// cards it supersedes; none while the one card it has is younger than [`CARD_REFRESH`] and
/// shows the same decision.
pub fn on_authenticate(
    keys: &Keys,
    a: &Id,
    markers: &[Marker],
    email: &str,
    scores: &Scores,
    sessions: usize,
    now: Millis,
) -> (Vec<Write>, Vec<String>) {
    let decision = decision_name(scores.decision);
    if let [only] = markers {
        let recent = now >= only.at && now - only.at < CARD_REFRESH;
        if recent && only.decision == decision_tag(&decision) {
            return (Vec::new(), Vec::new());
        }
    }
    let card = Card {
        email: email.to_string(),
        decision,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(decision: Decision) -> Scores {
        Scores {
            decision,
            account_score: 0.1,
            bot: 0.0,
            account_takeover: 0.0,
            multiple_accounts: 0.0,
            risk_signals: 0.0,
            accounts_linked: 0,
            lists: Vec::new(),
            reasons: Vec::new(),
        }
    }

    #[test]
    fn a_login_within_the_hour_with_the_same_decision_leaves_the_card_alone() {
        let keys = Keys::new("demo");
        let a = Id::new("ann").unwrap();
        let t = 1_000 * HOUR;
        let (first, _) = on_authenticate(&keys, &a, &[], "", &scores(Decision::Real), 1, t);
        assert_eq!(first.len(), 3, "the card and its two recency entries");
        let marker = parse_marker(&keys.account(&a), &first[0].0).unwrap();
        let mine = std::slice::from_ref(&marker);
        let again = |decision, now| on_authenticate(&keys, &a, mine, "", &scores(decision), 2, now);
        // Same decision, 59 minutes later: nothing written, nothing deleted.
        assert_eq!(again(Decision::Real, t + 59 * 60_000), (vec![], vec![]));
        // A new decision is written at once, and so is the same one an hour on.
        for (decision, now) in [
            (Decision::Suspicious, t + 60_000),
            (Decision::Real, t + HOUR),
        ] {
            let (writes, stale) = again(decision, now);
            assert_eq!((writes.len(), stale.len()), (3, 3));
        }
        // Two cards (concurrent logins left both): rewritten, so the older one goes.
        let (writes, stale) = on_authenticate(
            &keys,
            &a,
            &[marker.clone(), marker],
            "",
            &scores(Decision::Real),
            2,
            t + 60_000,
        );
        assert_eq!(writes.len(), 3);
        assert!(!stale.is_empty());
    }
}
