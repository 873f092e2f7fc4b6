//! The links between accounts, and the aggregates computed on read from an account's
//! [`History`]: its kept sessions plus the rollup of the folded ones.
//!
//! Each kept session of an account is one KV key whose metadata is a session summary; each
//! linked account one key whose metadata is a [`Link`]. Aggregates are never stored: they are
//! computed from one listing, so concurrent requests never overwrite each other's counts.

use serde::{Deserialize, Serialize};

use crate::schema::time::{Millis, DAY};
use crate::schema::{RiskSignalScores, Windows};

use super::rollup::{decay, FoldedNetwork};
use super::session::{round4, Anonymising};
use super::History;

/// How two accounts are linked (Verisoul's `match_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    /// The same first-party browser id: deterministic.
    Browser,
    /// The same device fingerprint: as strong as the fingerprint is rare.
    Device,
    /// The same mailbox once normalised (case, Gmail dots, `+tags`): deterministic, the
    /// provider delivers every one of those spellings to one inbox, and whoever reads it can
    /// reset every account registered with them.
    Email,
    /// The same IP address within the hour: weak, offices and carriers share addresses.
    Network,
}

impl MatchType {
    pub const ALL: [MatchType; 4] = [
        MatchType::Browser,
        MatchType::Device,
        MatchType::Email,
        MatchType::Network,
    ];

    /// How sure one shared identifier of this kind makes a link at most, 0..1. A browser id
    /// and a mailbox are one browser and one inbox (deterministic); a fingerprint can be a
    /// twin's.
    pub fn strength(self) -> f64 {
        match self {
            MatchType::Browser | MatchType::Email => 1.0,
            MatchType::Device => 0.9,
            MatchType::Network => 0.2,
        }
    }

    /// The reason code a link of this kind puts on `multiple_accounts`.
    pub fn reason(self) -> &'static str {
        match self {
            MatchType::Browser => "MULTI_SHARED_BROWSER",
            MatchType::Device => "MULTI_SHARED_DEVICE",
            MatchType::Email => "MULTI_SHARED_EMAIL",
            MatchType::Network => "MULTI_SHARED_NETWORK",
        }
    }

    /// The one-letter tag of this kind in KV keys.
    pub fn tag(self) -> &'static str {
        match self {
            MatchType::Browser => "b",
            MatchType::Device => "d",
            MatchType::Email => "e",
            MatchType::Network => "n",
        }
    }

    pub fn from_tag(tag: &str) -> Option<MatchType> {
        MatchType::ALL.into_iter().find(|m| m.tag() == tag)
    }

    pub fn name(self) -> &'static str {
        match self {
            MatchType::Browser => "browser",
            MatchType::Device => "device",
            MatchType::Email => "email",
            MatchType::Network => "network",
        }
    }
}

/// An account Edgeward has known this long has a history of its own: a farm's accounts are
/// new, a stranger who owns the farm's phone model has been logging in for weeks. Links made by
/// a burst of arrivals count only while the account is younger, and a cluster found later does
/// not reach it.
pub const OWN_HISTORY: Millis = 7 * DAY;

/// A device link at least this strong stands for one machine: the fingerprint is rare in the
/// population, or the accounts arrived on it together (`links::look_up`).
pub const STRONG_DEVICE: f64 = 0.5;

/// A link from this account to another, over every identifier they share.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub account_id: String,
    /// Each kind of shared identifier with its strength, 0..1; sorted, one entry per kind.
    pub shared: Vec<(MatchType, f64)>,
    /// Link confidence, 0..1: each shared identifier is independent evidence.
    pub score: f64,
    /// When the link was first seen.
    pub at: Millis,
    /// The device fingerprint id the two accounts share, when they share one and it was
    /// recorded: its strength is re-read from the current population (a fingerprint that was
    /// rare when the link was made may have become common since).
    pub device_id: String,
    /// The two accounts arrived on the shared device together, a burst against its usual rate
    /// (`arrivals::burst_mates`): while the account is young the link stands for one machine
    /// however common the fingerprint (a farm that clears storage on a popular phone).
    pub burst: bool,
}

impl Link {
    /// A link over `shared` identifiers; a kind given twice keeps its strongest strength.
    pub fn new(account_id: &str, mut shared: Vec<(MatchType, f64)>, at: Millis) -> Link {
        shared.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        shared.dedup_by_key(|k| k.0);
        let score = 1.0 - shared.iter().fold(1.0, |acc, (_, p)| acc * (1.0 - p));
        Link {
            account_id: account_id.to_string(),
            shared,
            score: round4(score),
            at,
            device_id: String::new(),
            burst: false,
        }
    }

    /// The same link marked as made by arrivals in a burst (or not).
    pub fn with_burst(mut self, burst: bool) -> Link {
        self.burst = burst;
        self
    }

    /// The same link naming the shared device fingerprint.
    pub fn with_device(mut self, device_id: &str) -> Link {
        self.device_id = device_id.to_string();
        self
    }

    /// The same link with kind `m` at `strength` (added when it was not shared).
    pub fn restrengthened(&self, m: MatchType, strength: f64) -> Link {
        let mut shared: Vec<_> = self.shared.iter().filter(|k| k.0 != m).copied().collect();
        shared.push((m, strength));
        Link::new(&self.account_id, shared, self.at)
            .with_device(&self.device_id)
            .with_burst(self.burst)
    }

    /// A link of full-strength kinds.
    pub fn of_kinds(account_id: &str, kinds: &[MatchType], at: Millis) -> Link {
        Link::new(
            account_id,
            kinds.iter().map(|m| (*m, m.strength())).collect(),
            at,
        )
    }

    pub fn match_types(&self) -> impl Iterator<Item = MatchType> + '_ {
        self.shared.iter().map(|(m, _)| *m)
    }

    pub fn has(&self, m: MatchType) -> bool {
        self.shared.iter().any(|(k, _)| *k == m)
    }

    /// Whether this link says one person holds both accounts: a shared browser or mailbox, or
    /// a device fingerprint at [`STRONG_DEVICE`] or more. A fingerprint many strangers show (a
    /// popular phone, a company's laptop fleet) is context, not a link: a cluster never forms
    /// or spreads over it.
    pub fn binds(&self) -> bool {
        MatchType::ALL.into_iter().any(|m| self.binds_by(m))
    }

    /// Whether the identifier of kind `m` these accounts share says one person (see
    /// [`Link::binds`]); an address never does.
    pub fn binds_by(&self, m: MatchType) -> bool {
        match m {
            MatchType::Browser | MatchType::Email => self.has(m),
            MatchType::Device => self.strength(m) >= STRONG_DEVICE,
            MatchType::Network => false,
        }
    }

    /// The strength of kind `m` in this link (0 when not shared).
    pub fn strength(&self, m: MatchType) -> f64 {
        self.shared
            .iter()
            .find(|(k, _)| *k == m)
            .map_or(0.0, |(_, p)| *p)
    }
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
    /// The sum of the sessions' decay weights: the denominator of both averages.
    pub decayed_sessions: f64,
    /// The sessions on datacenter, VPN or proxy networks (usually none or a few).
    pub anonymising: Vec<Anonymising>,
    /// The same networks in the folded sessions (`rollup`), weighed as of `last_seen`.
    pub folded_networks: Vec<FoldedNetwork>,
}

/// Distinct non-empty keys among `(hash, at, key)` triples of the week before `end`, over the
/// last day and the whole week: one sort for both windows. The sort is by the key's hash
/// ([`key_hash`]), an integer compare, and a group of equal hashes is split by the keys
/// themselves only when they differ (a collision); sorting by the strings spent most of
/// `aggregate` in `memcmp` calls (benches/assess.rs's profile).
fn distinct_windows(recent: &mut [(u64, Millis, &str)], end: Millis) -> Windows {
    recent.sort_unstable_by_key(|e| e.0);
    let mut w = Windows::default();
    let mut count = |group: &[(u64, Millis, &str)]| {
        if group[0].2.is_empty() {
            return;
        }
        w.seven_day += 1;
        if group.iter().any(|(_, at, _)| *at > end - DAY) {
            w.one_day += 1;
        }
    };
    for group in recent.chunk_by_mut(|a, b| a.0 == b.0) {
        if group.iter().all(|e| e.2 == group[0].2) {
            count(group);
        } else {
            group.sort_unstable_by(|a, b| a.2.cmp(b.2));
            group.chunk_by(|a, b| a.2 == b.2).for_each(&mut count);
        }
    }
    w
}

/// A key's hash, eight bytes at a time (FxHash's step, seeded with the length): spreads device
/// ids and addresses well enough that equal hashes almost always mean equal keys, and
/// [`distinct_windows`] tells the rare collision apart.
fn key_hash(key: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut chunks = key.as_bytes().chunks_exact(8);
    let mut h = key.len() as u64;
    for c in &mut chunks {
        h = step(h, u64::from_le_bytes(c.try_into().unwrap_or_default()));
    }
    let rest = chunks.remainder();
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    step(h, u64::from_le_bytes(tail))
}

/// Whether two short strings (country codes) are equal, compared in line: the library's
/// comparison calls `memcmp`, whose call cost more than the comparison itself.
fn same_short(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Computes the aggregates in a few linear passes over the kept sessions (no full sort), plus
/// what the folded ones left in the rollup: the same figures as over every session. Windows are
/// relative to `last_seen`, as Verisoul's are; folded sessions are older than any window.
pub fn aggregate(history: &History) -> Aggregates {
    let sessions = &history.sessions;
    // The latest session; on equal times the greatest id, so the choice is stable.
    let Some(last) = sessions
        .iter()
        .max_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)))
    else {
        return Aggregates::default();
    };
    let end = last.at;
    let rollup = history.rollup.as_ref().filter(|r| r.sessions > 0);
    let first_seen = sessions
        .iter()
        .map(|s| s.at)
        .chain(rollup.map(|r| r.first_seen))
        .min();

    // Per country: sessions, first and last appearance. An account sees few countries, so a
    // short vector searched linearly beats a map.
    let mut by_country: Vec<(&str, u32, Millis, Millis)> = Vec::new();
    let mut risk = [0.0; 10];
    let (mut bot, mut total) = (0.0, 0.0);
    let mut devices = Vec::with_capacity(sessions.len());
    let mut networks = Vec::with_capacity(sessions.len());
    let mut anonymising = Vec::new();
    for s in sessions {
        if !s.country.is_empty() {
            match by_country.iter_mut().find(|e| same_short(e.0, &s.country)) {
                Some(e) => {
                    e.1 += 1;
                    e.2 = e.2.min(s.at);
                    e.3 = e.3.max(s.at);
                }
                None => by_country.push((&s.country, 1, s.at, s.at)),
            }
        }
        // Decay: the weight halves every HALF_LIFE before last_seen.
        let w = decay(end, s.at);
        total += w;
        bot += w * s.bot;
        // Indexed, not zipped: the zip over arrays by value is not unrolled, and this loop runs
        // once per kept session (benches/assess.rs's profile).
        for (i, acc) in risk.iter_mut().enumerate() {
            *acc += w * s.risk[i];
        }
        let network = s.network_signals();
        if network != [0.0; 3] {
            anonymising.push(Anonymising {
                asn: s.asn,
                at: s.at,
                weight: w,
                takeover: s.doubt(),
                signals: network,
            });
        }
        if s.at > end - 7 * DAY && s.at <= end {
            devices.push((key_hash(&s.device_id), s.at, s.device_id.as_str()));
            networks.push((key_hash(&s.ip), s.at, s.ip.as_str()));
        }
    }
    let mut folded_networks = Vec::new();
    if let Some(r) = rollup {
        for c in &r.countries {
            match by_country.iter_mut().find(|e| e.0 == c.code) {
                Some(e) => {
                    e.1 += c.sessions;
                    e.2 = e.2.min(c.first);
                    e.3 = e.3.max(c.last);
                }
                None => by_country.push((&c.code, c.sessions, c.first, c.last)),
            }
        }
        let w = decay(end, r.through);
        total += w * r.decayed;
        bot += w * r.bot;
        for (acc, v) in risk.iter_mut().zip(r.risk) {
            *acc += w * v;
        }
        folded_networks.extend(r.anonymising(end));
    }
    let country = by_country
        .iter()
        .max_by_key(|(c, n, _, last)| (*n, *last, std::cmp::Reverse(*c)))
        .map(|e| e.0.to_string())
        .unwrap_or_default();
    by_country.sort_by_key(|(c, _, first, _)| (*first, *c));
    let avg = |x: f64| if total > 0.0 { round4(x / total) } else { 0.0 };

    Aggregates {
        num_sessions: sessions.len() as u32 + rollup.map_or(0, |r| r.sessions),
        first_seen,
        last_seen: Some(end),
        last_session: last.id.clone(),
        country,
        countries: by_country.iter().map(|e| e.0.to_string()).collect(),
        unique_devices: distinct_windows(&mut devices, end),
        unique_networks: distinct_windows(&mut networks, end),
        risk_signal_average: RiskSignalScores(risk.map(avg)),
        bot_average: avg(bot),
        decayed_sessions: total,
        anonymising,
        folded_networks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SessionSummary;
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
    fn keys_whose_hashes_collide_still_count_apart() {
        let end = 100 * DAY;
        // Three keys forced onto one hash, one of them twice, and an empty key.
        let mut recent = vec![
            (7, end - 2 * DAY, "b"),
            (7, end - HOUR, "a"),
            (7, end - 3 * DAY, "c"),
            (7, end - 4 * DAY, "a"),
            (9, end, ""),
        ];
        let w = distinct_windows(&mut recent, end);
        assert_eq!((w.seven_day, w.one_day), (3, 1));
        let mut hashed: Vec<(u64, Millis, &str)> = ["a", "b", "c", "a", ""]
            .iter()
            .enumerate()
            .map(|(i, k)| (key_hash(k), end - i as i64 * DAY, *k))
            .collect();
        let w = distinct_windows(&mut hashed, end);
        assert_eq!((w.seven_day, w.one_day), (3, 1));
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
