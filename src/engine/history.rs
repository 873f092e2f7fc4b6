//! An account's history as the engine sees it, and the aggregates computed from it on read.
//!
//! Each session of an account is one KV key whose metadata is a [`SessionSummary`]; each linked
//! account one key whose metadata is a [`Link`]. Aggregates are never stored: they are computed
//! from one listing, so concurrent requests never overwrite each other's counts.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::schema::time::{Millis, DAY};
use crate::schema::{RiskSignalScores, Windows};

/// What one session contributes to its account; at most a few hundred bytes of JSON so it fits
/// KV's 1024-byte key metadata. Short field names keep it there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The session id lives in the key name, not in the metadata.
    #[serde(skip)]
    pub id: String,
    #[serde(rename = "t")]
    pub at: Millis,
    #[serde(rename = "i", default)]
    pub ip: String,
    #[serde(rename = "c", default)]
    pub country: String,
    #[serde(rename = "d", default)]
    pub device_id: String,
    #[serde(rename = "b", default)]
    pub browser_id: String,
    #[serde(rename = "bot", default)]
    pub bot: f64,
    #[serde(rename = "r", default)]
    pub risk: [f64; 10],
}

impl SessionSummary {
    pub fn risk_scores(&self) -> RiskSignalScores {
        RiskSignalScores(self.risk)
    }
}

/// How two accounts are linked (Verisoul's `match_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    /// The same first-party browser id: deterministic.
    Browser,
}

/// A link from this account to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    #[serde(skip)]
    pub account_id: String,
    #[serde(rename = "m")]
    pub match_types: Vec<MatchType>,
    /// Link confidence, 0..1.
    #[serde(rename = "s")]
    pub score: f64,
    #[serde(rename = "t")]
    pub at: Millis,
}

/// Everything stored about an account that the engine reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub sessions: Vec<SessionSummary>,
    pub links: Vec<Link>,
    pub lists: Vec<String>,
}

/// Counts and windows of an account, computed from its sessions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregates {
    pub num_sessions: u32,
    pub first_seen: Option<Millis>,
    pub last_seen: Option<Millis>,
    pub last_session: String,
    /// The most frequent country; on a tie, the most recent of them.
    pub country: String,
    /// Distinct countries in order of first appearance.
    pub countries: Vec<String>,
    pub unique_devices: Windows,
    pub unique_networks: Windows,
    pub risk_signal_average: RiskSignalScores,
    /// Time-decayed average of the sessions' bot scores.
    pub bot_average: f64,
}

/// Session scores lose half their weight in the average every week before `last_seen`.
pub const HALF_LIFE: Millis = 7 * DAY;

fn distinct_within<'a>(
    sessions: &'a [SessionSummary],
    end: Millis,
    window: Millis,
    key: impl Fn(&'a SessionSummary) -> &'a str,
) -> u32 {
    let set: BTreeSet<&str> = sessions
        .iter()
        .filter(|s| s.at > end - window && s.at <= end)
        .map(key)
        .filter(|k| !k.is_empty())
        .collect();
    set.len() as u32
}

/// Computes the aggregates. Windows are relative to `last_seen`, as Verisoul's are.
pub fn aggregate(history: &History) -> Aggregates {
    let mut sessions: Vec<&SessionSummary> = history.sessions.iter().collect();
    sessions.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    let Some(last) = sessions.last() else {
        return Aggregates::default();
    };
    let end = last.at;
    let mut countries = Vec::new();
    let mut counts: BTreeMap<&str, (u32, Millis)> = BTreeMap::new();
    for s in &sessions {
        if s.country.is_empty() {
            continue;
        }
        if !countries.contains(&s.country) {
            countries.push(s.country.clone());
        }
        let e = counts.entry(&s.country).or_default();
        e.0 += 1;
        e.1 = s.at;
    }
    let country = counts
        .iter()
        .max_by_key(|(_, (n, at))| (*n, *at))
        .map(|(c, _)| c.to_string())
        .unwrap_or_default();

    let mut risk = [0.0; 10];
    let (mut bot, mut total) = (0.0, 0.0);
    for s in &sessions {
        let w = 0.5f64.powf((end - s.at) as f64 / HALF_LIFE as f64);
        total += w;
        bot += w * s.bot;
        for (acc, v) in risk.iter_mut().zip(s.risk) {
            *acc += w * v;
        }
    }
    let avg = |x: f64| if total > 0.0 { round4(x / total) } else { 0.0 };

    let all = &history.sessions;
    Aggregates {
        num_sessions: sessions.len() as u32,
        first_seen: sessions.first().map(|s| s.at),
        last_seen: Some(end),
        last_session: last.id.clone(),
        country,
        countries,
        unique_devices: Windows {
            one_day: distinct_within(all, end, DAY, |s| &s.device_id),
            seven_day: distinct_within(all, end, 7 * DAY, |s| &s.device_id),
        },
        unique_networks: Windows {
            one_day: distinct_within(all, end, DAY, |s| &s.ip),
            seven_day: distinct_within(all, end, 7 * DAY, |s| &s.ip),
        },
        risk_signal_average: RiskSignalScores(risk.map(avg)),
        bot_average: avg(bot),
    }
}

/// Rounds to four decimals, as the wire examples show scores.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::time::HOUR;

    fn s(id: &str, at: Millis, ip: &str, country: &str, device: &str) -> SessionSummary {
        SessionSummary {
            id: id.into(),
            at,
            ip: ip.into(),
            country: country.into(),
            device_id: device.into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_account_without_sessions_has_empty_aggregates() {
        let a = aggregate(&History::default());
        assert_eq!(a.num_sessions, 0);
        assert_eq!(a.last_seen, None);
    }

    #[test]
    fn windows_count_distinct_devices_and_networks_before_last_seen() {
        let end = 100 * DAY;
        let h = History {
            sessions: vec![
                s("a", end - 8 * DAY, "1.1.1.1", "FR", "d1"),
                s("b", end - 2 * DAY, "2.2.2.2", "FR", "d2"),
                s("c", end - HOUR, "3.3.3.3", "US", "d2"),
                s("d", end, "3.3.3.3", "US", "d3"),
            ],
            ..Default::default()
        };
        let a = aggregate(&h);
        assert_eq!(a.num_sessions, 4);
        assert_eq!(a.first_seen, Some(end - 8 * DAY));
        assert_eq!(a.last_session, "d");
        assert_eq!(
            a.unique_devices,
            Windows {
                one_day: 2,
                seven_day: 2
            }
        );
        assert_eq!(
            a.unique_networks,
            Windows {
                one_day: 1,
                seven_day: 2
            }
        );
        assert_eq!(a.countries, ["FR", "US"]);
        // Two each: the most recent wins the tie.
        assert_eq!(a.country, "US");
    }

    #[test]
    fn the_window_edge_is_exclusive_at_exactly_one_day_back() {
        let end = 10 * DAY;
        let h = History {
            sessions: vec![
                s("a", end - DAY, "1.1.1.1", "", "d1"),
                s("b", end, "2.2.2.2", "", "d2"),
            ],
            ..Default::default()
        };
        assert_eq!(
            aggregate(&h).unique_devices,
            Windows {
                one_day: 1,
                seven_day: 2
            }
        );
    }

    #[test]
    fn recent_sessions_weigh_more_in_the_average() {
        let end = 30 * DAY;
        let mut old = s("old", end - 14 * DAY, "", "", "");
        old.risk[1] = 1.0;
        let new = s("new", end, "", "", "");
        let a = aggregate(&History {
            sessions: vec![old, new],
            ..Default::default()
        });
        // Weights 0.25 and 1: 0.25 / 1.25.
        assert_eq!(a.risk_signal_average.0[1], 0.2);
    }
}
