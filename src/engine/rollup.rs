//! Folding an account's old sessions into one rollup, so reading an account costs the same
//! whether it has ten sessions or ten years of them.
//!
//! Every model that reads sessions one by one reads recent ones: the takeover model the latest
//! [`MAX_HISTORY`], travel the last session, the device and network windows a week, incidents
//! a day. What the account's whole life contributes is a handful of sums: how many sessions,
//! since when, from which countries, the decayed averages, the days each anonymising network
//! was used, and which browsers and devices it ever showed (their index keys must be deleted
//! with the account, and a device link is re-scored from the device's fingerprint). So a
//! session that is neither among the latest [`KEEP_LATEST`] nor younger than [`KEEP_FOR`] is
//! folded into a [`Rollup`] and its own key deleted; `history::aggregate` adds the rollup to
//! what the kept sessions give, and the result is the same as over every session (tested
//! below).
//!
//! A rollup covers every session up to `(through, through_id)` in time order. The storage
//! side (`state::account`) files each rollup under its `through`, reads the latest, and ignores a
//! session key the rollup already covers (a fold deletes those after writing the rollup).

use serde::{Deserialize, Serialize};

use super::session::{Anonymising, SessionSummary, HALF_LIFE};
use super::takeover::{MAX_HISTORY, NOT_THE_OWNER};
use crate::schema::time::{Millis, DAY};

/// The latest sessions always kept whole: all the takeover model reads.
pub const KEEP_LATEST: usize = MAX_HISTORY;
/// Sessions this young are kept whole whatever their number: the week the device and network
/// windows count, and the day of life a session's bindings and journal entry have left.
pub const KEEP_FOR: Millis = 8 * DAY;
/// A fold waits until this many sessions can be folded: one rollup write and this many deletes
/// every this many logins, not one of each per login.
pub const FOLD_AT: usize = 64;
/// The most sessions one request folds (each is a delete): an account stored before rollups
/// existed is brought down over a few logins.
pub const MAX_FOLD: usize = 256;

/// One country of the folded sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Country {
    #[serde(rename = "c")]
    pub code: String,
    #[serde(rename = "n")]
    pub sessions: u32,
    #[serde(rename = "f")]
    pub first: Millis,
    #[serde(rename = "l")]
    pub last: Millis,
}

/// One anonymising network (ASN) of the folded sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    #[serde(rename = "a")]
    pub asn: u32,
    /// The sessions' datacenter, VPN and proxy signals, each times its decay weight as of the
    /// rollup's `through`.
    #[serde(rename = "s")]
    pub sums: [f64; 3],
    /// Distinct days (since the epoch) on which the owner's sessions used it, the first and the
    /// last of them; 0 days when only sessions judged not the owner's did.
    #[serde(rename = "d", default)]
    pub days: u32,
    #[serde(rename = "f", default)]
    pub first_day: i64,
    #[serde(rename = "l", default)]
    pub last_day: i64,
}

/// One browser profile (browser id and device) of the folded sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    #[serde(rename = "b", default)]
    pub browser_id: String,
    #[serde(rename = "d", default)]
    pub device_id: String,
    /// The device fingerprint's components, as the latest of its sessions showed them.
    #[serde(rename = "fp", default)]
    pub fingerprint: String,
    #[serde(rename = "f")]
    pub first: Millis,
    #[serde(rename = "l")]
    pub last: Millis,
}

impl Instance {
    /// The profile's id as the population index counts profiles: the browser id, or the device
    /// when the session had none.
    pub fn profile(&self) -> &str {
        if self.browser_id.is_empty() {
            &self.device_id
        } else {
            &self.browser_id
        }
    }
}

/// What an account's folded sessions leave behind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    /// The last folded session, by time and then id: every session at or before it is here.
    #[serde(rename = "t")]
    pub through: Millis,
    #[serde(rename = "ti")]
    pub through_id: String,
    #[serde(rename = "n")]
    pub sessions: u32,
    #[serde(rename = "f")]
    pub first_seen: Millis,
    #[serde(rename = "c", default)]
    pub countries: Vec<Country>,
    /// The decay weights summed as of `through` (the weight halves every [`HALF_LIFE`] before
    /// it), and the bot and risk scores each times its weight.
    #[serde(rename = "w")]
    pub decayed: f64,
    #[serde(rename = "b")]
    pub bot: f64,
    #[serde(rename = "r")]
    pub risk: [f64; 10],
    #[serde(rename = "an", default)]
    pub networks: Vec<Network>,
    #[serde(rename = "in", default)]
    pub instances: Vec<Instance>,
}

/// The decay weight of something at `at` as of `end`.
pub fn decay(end: Millis, at: Millis) -> f64 {
    (-((end - at) as f64) / HALF_LIFE as f64).exp2()
}

impl Rollup {
    /// Whether the rollup already holds session `s`.
    pub fn covers(&self, s: &SessionSummary) -> bool {
        (s.at, s.id.as_str()) <= (self.through, self.through_id.as_str())
    }

    /// Adds `sessions`, all after `through`, in time order.
    pub fn fold(mut self, sessions: &[&SessionSummary]) -> Rollup {
        let Some(last) = sessions.last() else {
            return self;
        };
        if self.sessions == 0 {
            self.first_seen = sessions[0].at;
        }
        // Re-reference the sums to the new `through`.
        let shift = decay(last.at, self.through);
        self.decayed *= shift;
        self.bot *= shift;
        self.risk.iter_mut().for_each(|r| *r *= shift);
        for n in self.networks.iter_mut() {
            n.sums.iter_mut().for_each(|x| *x *= shift);
        }
        for s in sessions {
            self.add(s, last.at);
        }
        self.through = last.at;
        self.through_id = last.id.clone();
        self
    }

    fn add(&mut self, s: &SessionSummary, end: Millis) {
        self.sessions += 1;
        self.first_seen = self.first_seen.min(s.at);
        if !s.country.is_empty() {
            match self.countries.iter_mut().find(|c| c.code == s.country) {
                Some(c) => {
                    c.sessions += 1;
                    c.last = c.last.max(s.at);
                }
                None => self.countries.push(Country {
                    code: s.country.clone(),
                    sessions: 1,
                    first: s.at,
                    last: s.at,
                }),
            }
        }
        let w = decay(end, s.at);
        self.decayed += w;
        self.bot += w * s.bot;
        for (acc, v) in self.risk.iter_mut().zip(s.risk) {
            *acc += w * v;
        }
        let signals = s.network_signals();
        if s.asn != 0 && signals != [0.0; 3] {
            let i = match self.networks.iter().position(|n| n.asn == s.asn) {
                Some(i) => i,
                None => {
                    self.networks.push(Network {
                        asn: s.asn,
                        ..Network::default()
                    });
                    self.networks.len() - 1
                }
            };
            let n = &mut self.networks[i];
            for (sum, v) in n.sums.iter_mut().zip(signals) {
                *sum += w * v;
            }
            if s.doubt() < NOT_THE_OWNER {
                let day = s.at.div_euclid(DAY);
                if n.days == 0 {
                    (n.days, n.first_day, n.last_day) = (1, day, day);
                } else if day > n.last_day {
                    n.days += 1;
                    n.last_day = day;
                }
            }
        }
        if s.browser_id.is_empty() && s.device_id.is_empty() {
            return;
        }
        match self
            .instances
            .iter_mut()
            .find(|i| i.browser_id == s.browser_id && i.device_id == s.device_id)
        {
            Some(i) => {
                i.last = i.last.max(s.at);
                if !s.fingerprint.is_empty() {
                    i.fingerprint = s.fingerprint.clone();
                }
            }
            None => self.instances.push(Instance {
                browser_id: s.browser_id.clone(),
                device_id: s.device_id.clone(),
                fingerprint: s.fingerprint.clone(),
                first: s.at,
                last: s.at,
            }),
        }
    }

    /// The folded anonymising networks as `aggregate` reports them as of `end`: each one
    /// entry carrying its weighted signals (`weight` 1) and its owner days.
    pub fn anonymising(&self, end: Millis) -> impl Iterator<Item = FoldedNetwork> + '_ {
        let scale = decay(end, self.through);
        self.networks.iter().map(move |n| FoldedNetwork {
            asn: n.asn,
            sums: n.sums.map(|x| x * scale),
            days: n.days,
            first_day: n.first_day,
            last_day: n.last_day,
        })
    }

    /// A session standing for the instance: what re-scoring a device link and deleting the
    /// population's marker of a profile read.
    pub fn instance_session(i: &Instance) -> SessionSummary {
        SessionSummary {
            id: String::new(),
            at: i.last,
            browser_id: i.browser_id.clone(),
            device_id: i.device_id.clone(),
            fingerprint: i.fingerprint.clone(),
            ..SessionSummary::default()
        }
    }
}

/// A folded anonymising network as of one `end`: its signals already weighed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldedNetwork {
    pub asn: u32,
    pub sums: [f64; 3],
    pub days: u32,
    pub first_day: i64,
    pub last_day: i64,
}

/// The sessions a request should fold now, oldest first: those neither among the latest
/// [`KEEP_LATEST`] nor younger than [`KEEP_FOR`] at `now`, once there are [`FOLD_AT`] of them,
/// at most [`MAX_FOLD`]. `sessions` are the account's kept sessions (none covered by its
/// rollup).
pub fn due(sessions: &[SessionSummary], now: Millis) -> Vec<&SessionSummary> {
    if sessions.len() < KEEP_LATEST + FOLD_AT {
        return Vec::new();
    }
    let mut ordered: Vec<&SessionSummary> = sessions.iter().collect();
    ordered.sort_unstable_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    ordered.truncate(ordered.len() - KEEP_LATEST);
    ordered.retain(|s| s.at < now - KEEP_FOR);
    if ordered.len() < FOLD_AT {
        return Vec::new();
    }
    ordered.truncate(MAX_FOLD);
    ordered
}

/// The anonymising sessions of `detail` (`aggregate`'s list) and the folded networks, as one
/// set of per-network day counts: `(asn, distinct owner days, first owner day)`.
pub fn owner_days(detail: &[Anonymising], folded: &[FoldedNetwork]) -> Vec<(u32, usize, i64)> {
    let mut days: Vec<(u32, i64)> = detail
        .iter()
        .filter(|s| s.asn != 0 && s.takeover < NOT_THE_OWNER)
        .map(|s| (s.asn, s.at.div_euclid(DAY)))
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut out: Vec<(u32, usize, i64)> = Vec::new();
    for g in days.chunk_by(|a, b| a.0 == b.0) {
        out.push((g[0].0, g.len(), g[0].1));
    }
    for f in folded.iter().filter(|f| f.days > 0) {
        match out.iter_mut().find(|o| o.0 == f.asn) {
            Some(o) => {
                // The kept sessions are all later than the folded ones; they share at most the
                // folded sessions' last day.
                let overlap = days.binary_search(&(f.asn, f.last_day)).is_ok();
                o.1 += f.days as usize - usize::from(overlap);
                o.2 = o.2.min(f.first_day);
            }
            None => out.push((f.asn, f.days as usize, f.first_day)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::familiar;
    use crate::engine::history::aggregate;
    use crate::engine::History;
    use crate::schema::time::HOUR;

    /// A year of one session every 8 hours: three countries, a cloud exit on weekdays for a
    /// stretch, an attacker's session now and then, three devices in turn.
    fn year() -> Vec<SessionSummary> {
        (0..1100i64)
            .map(|i| {
                let mut s = SessionSummary {
                    id: format!("s{i:05}"),
                    at: 1_000 * DAY + i * 8 * HOUR,
                    country: ["FR", "DE", "US"][(i % 7 % 3) as usize].into(),
                    device_id: format!("d{}", i / 400),
                    browser_id: format!("b{}", i / 400),
                    fingerprint: format!("0.a{},1.b", i / 400),
                    bot: (i % 5) as f64 / 10.0,
                    takeover: if i % 97 == 0 { 0.9 } else { 0.05 },
                    ..SessionSummary::default()
                };
                s.risk[3] = (i % 3) as f64 / 4.0;
                if (300..700).contains(&i) && i % 2 == 0 {
                    s.asn = 16509;
                    s.risk[crate::schema::RiskSignal::Datacenter as usize] = 1.0;
                }
                s
            })
            .collect()
    }

    /// Folds `all` the way requests would, `now` moving with the sessions.
    fn folded(all: &[SessionSummary]) -> History {
        let mut h = History::default();
        for s in all {
            h.sessions.push(s.clone());
            let due: Vec<SessionSummary> = due(&h.sessions, s.at).into_iter().cloned().collect();
            if due.is_empty() {
                continue;
            }
            let refs: Vec<&SessionSummary> = due.iter().collect();
            let r = h.rollup.take().unwrap_or_default().fold(&refs);
            h.sessions.retain(|s| !r.covers(s));
            h.rollup = Some(r);
        }
        h
    }

    #[test]
    fn the_aggregates_over_a_rollup_and_the_kept_sessions_are_those_over_every_session() {
        let all = year();
        let whole = aggregate(&History {
            sessions: all.clone(),
            ..History::default()
        });
        let h = folded(&all);
        let r = h.rollup.as_ref().unwrap();
        assert!(
            h.sessions.len() < KEEP_LATEST + FOLD_AT,
            "{}",
            h.sessions.len()
        );
        assert_eq!(r.sessions as usize + h.sessions.len(), all.len());
        let part = aggregate(&h);
        assert_eq!(part.num_sessions, whole.num_sessions);
        assert_eq!(part.first_seen, whole.first_seen);
        assert_eq!(part.last_seen, whole.last_seen);
        assert_eq!(part.country, whole.country);
        assert_eq!(part.countries, whole.countries);
        assert_eq!(part.unique_devices, whole.unique_devices);
        assert!((part.decayed_sessions - whole.decayed_sessions).abs() < 1e-9);
        assert!((part.bot_average - whole.bot_average).abs() <= 1e-4);
        for (a, b) in part
            .risk_signal_average
            .0
            .iter()
            .zip(whole.risk_signal_average.0)
        {
            assert!((a - b).abs() <= 1e-4, "{a} vs {b}");
        }
        // The cloud exit's weeks are folded and still make it familiar, with the same discount.
        let end = whole.last_seen.unwrap();
        let familiar_whole = familiar::networks(&whole.anonymising, &[], end);
        assert_eq!(familiar_whole, [16509]);
        assert_eq!(
            familiar::networks(&part.anonymising, &part.folded_networks, end),
            familiar_whole
        );
        let avg = |a: &crate::engine::Aggregates| {
            familiar::discounted_average(
                &a.anonymising,
                &a.folded_networks,
                &[16509],
                [1.0, 0.0, 0.0],
                a.decayed_sessions,
            )
        };
        assert!((avg(&part)[0] - avg(&whole)[0]).abs() < 1e-9);
        // Every browser profile is remembered with when it was first and last seen.
        let mut devices: Vec<&str> = all
            .iter()
            .filter(|s| r.covers(s))
            .map(|s| s.device_id.as_str())
            .collect();
        devices.dedup();
        assert_eq!(r.instances.len(), devices.len());
        assert_eq!(r.instances[0].first, all[0].at);
        assert_eq!(r.instances[0].last, all[399].at);
    }

    #[test]
    fn folding_in_steps_gives_what_folding_at_once_gives() {
        let all = year();
        let refs: Vec<&SessionSummary> = all[..600].iter().collect();
        let once = Rollup::default().fold(&refs);
        let steps = Rollup::default().fold(&refs[..250]).fold(&refs[250..]);
        assert_eq!(once.sessions, steps.sessions);
        assert_eq!(once.countries, steps.countries);
        assert_eq!(once.instances, steps.instances);
        assert_eq!(
            (once.through, &once.through_id),
            (steps.through, &steps.through_id)
        );
        assert!((once.decayed - steps.decayed).abs() < 1e-9);
        for (a, b) in once.networks.iter().zip(&steps.networks) {
            assert_eq!(
                (a.days, a.first_day, a.last_day),
                (b.days, b.first_day, b.last_day)
            );
            assert!((a.sums[0] - b.sums[0]).abs() < 1e-9);
        }
    }

    #[test]
    fn the_latest_sessions_and_the_last_eight_days_are_never_folded() {
        let now = 2_000 * DAY;
        let at = |i: i64| SessionSummary {
            id: format!("s{i:04}"),
            at: now - i * HOUR,
            ..SessionSummary::default()
        };
        // 500 sessions within the last 21 days: those older than 8 days and beyond the latest
        // 200 are due.
        let sessions: Vec<SessionSummary> = (0..500).map(at).collect();
        let due = due(&sessions, now);
        assert_eq!(due.len(), (500 - 8 * 24 - 1).min(MAX_FOLD));
        assert!(due.iter().all(|s| s.at < now - KEEP_FOR));
        assert!(due.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
        // All within the week: nothing is due however many there are.
        let busy: Vec<SessionSummary> = (0..1000)
            .map(|i| SessionSummary {
                at: now - i * 10 * 60 * 1000,
                ..at(i)
            })
            .collect();
        assert!(super::due(&busy, now).is_empty());
        // Fewer than FOLD_AT due: wait.
        let few: Vec<SessionSummary> = (0..(KEEP_LATEST + FOLD_AT - 1) as i64)
            .map(|i| SessionSummary {
                at: now - 9 * DAY - i,
                ..at(i)
            })
            .collect();
        assert!(super::due(&few, now).is_empty());
    }

    #[test]
    fn a_day_shared_by_folded_and_kept_sessions_counts_once() {
        let f = FoldedNetwork {
            asn: 1,
            sums: [0.0; 3],
            days: 3,
            first_day: 10,
            last_day: 12,
        };
        let kept = |day: i64| Anonymising {
            asn: 1,
            at: day * DAY + HOUR,
            weight: 1.0,
            takeover: 0.0,
            signals: [1.0, 0.0, 0.0],
        };
        assert_eq!(owner_days(&[kept(12), kept(13)], &[f]), [(1, 4, 10)]);
        assert_eq!(owner_days(&[kept(14)], &[f]), [(1, 4, 10)]);
    }
}
