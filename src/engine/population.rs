//! The population index: how common each value of a session feature is across a project, and
//! how common each device-fingerprint component is across its devices.
//!
//! The takeover model needs the first (Freeman et al. 2016: an attacker is modelled as a random
//! member of the population), device links the second (a fingerprint shared by thousands of
//! identical phones links nobody). The index holds counts only, never an account or device id,
//! so it stays small whatever the traffic: its size is bounded by how many distinct countries,
//! networks, browsers and component values exist. It is kept off the request path (the
//! scheduled handler folds each arrival in once: `state::population`) and read as one snapshot.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::session::SessionSummary;
use crate::schema::time::{Millis, DAY};

/// A session feature the takeover model compares against the account's own history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    Country,
    Asn,
    Browser,
    Os,
    Device,
    /// The IP address itself (under the network and country: a new address on a known
    /// network is weak evidence).
    Ip,
    /// The UTC hour of the session in four six-hour blocks.
    Hour,
}

impl Feature {
    pub const ALL: [Feature; 7] = [
        Feature::Country,
        Feature::Asn,
        Feature::Browser,
        Feature::Os,
        Feature::Device,
        Feature::Ip,
        Feature::Hour,
    ];

    /// The value of this feature in a session, borrowed (the takeover model compares thousands
    /// per request); `None` when unknown (never evidence either way).
    pub fn value(self, s: &SessionSummary) -> Option<Value<'_>> {
        fn text(v: &str) -> Option<Value<'_>> {
            (!v.is_empty()).then_some(Value::Text(v))
        }
        match self {
            Feature::Country => text(&s.country),
            Feature::Asn => (s.asn != 0).then_some(Value::Num(u64::from(s.asn))),
            Feature::Browser => text(&s.browser),
            Feature::Os => text(&s.os),
            Feature::Device => text(&s.device_id),
            Feature::Ip => text(&s.ip),
            Feature::Hour => {
                let hour = s.at.rem_euclid(crate::schema::time::DAY) / crate::schema::time::HOUR;
                Some(Value::Num((hour / 6) as u64))
            }
        }
    }

    /// The value as the population index keys it.
    pub fn of(self, s: &SessionSummary) -> Option<String> {
        self.value(s).map(|v| v.to_string())
    }

    /// How many values this feature can plausibly take: the smoothing denominator before any
    /// population is known.
    fn cardinality(self) -> f64 {
        match self {
            Feature::Country => 250.0,
            Feature::Asn => 80_000.0,
            Feature::Browser => 30.0,
            Feature::Os => 12.0,
            Feature::Device => 1_000_000.0,
            Feature::Ip => 10_000_000.0,
            Feature::Hour => 4.0,
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The feature's bit in a set of features (`SessionSummary::new_features`).
    pub fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Device ids and addresses are near-unique: the index does not count them (a device's
    /// rarity comes from its components instead).
    fn counted(self) -> bool {
        !matches!(self, Feature::Device | Feature::Ip)
    }
}

/// A feature's value in one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Text(&'a str),
    Num(u64),
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(t) => f.write_str(t),
            Value::Num(n) => write!(f, "{n}"),
        }
    }
}

/// Nominal distinct values per fingerprint component (screen sizes, GPU strings, time zones …):
/// the smoothing of a component never seen.
const COMPONENT_CARDINALITY: f64 = 200.0;

/// Counts of feature values over sessions, and of fingerprint components over distinct devices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Sessions counted.
    pub sessions: u64,
    /// Devices counted: one per browser profile, so identical devices each count.
    pub devices: u64,
    /// Per [`Feature`] in `Feature::ALL` order (devices and addresses left empty), value →
    /// sessions.
    pub features: Vec<HashMap<String, u64>>,
    /// Fingerprint component hash (as in [`SessionSummary::components`]) → devices.
    pub components: HashMap<String, u64>,
    /// Whole fingerprints (device ids) → devices showing exactly it, for the fingerprints at
    /// least [`SHARED_FINGERPRINT`] devices show, the [`MAX_FINGERPRINTS`] most shared kept
    /// ([`Population::keep_shared`]): a fleet of identical laptops or a popular phone model
    /// is counted as it is, where components alone would guess.
    #[serde(default)]
    pub fingerprints: HashMap<String, u64>,
    /// The earliest and latest session counted (0 when none).
    #[serde(default)]
    pub first_at: Millis,
    #[serde(default)]
    pub last_at: Millis,
}

/// A whole fingerprint is kept in the index from this many devices on.
pub const SHARED_FINGERPRINT: u64 = 3;
/// At most this many whole fingerprints are kept, so the snapshot stays small however many
/// devices a project sees.
pub const MAX_FINGERPRINTS: usize = 5_000;
/// The index must span this long before a device's rarity is read from it and arrivals are
/// judged against it. A new deployment sees its existing users arrive over their first week
/// (weekly users within seven days), a company's staff all on its first Monday morning: only a
/// whole weekly cycle of arrivals tells a Monday-morning rush from a burst.
pub const BASELINE: Millis = 7 * DAY;

impl Population {
    /// Adds one session; `new_device` when its device has not been counted before.
    pub fn add(&mut self, s: &SessionSummary, new_device: bool) {
        self.features.resize_with(Feature::ALL.len(), HashMap::new);
        if self.sessions == 0 || s.at < self.first_at {
            self.first_at = s.at;
        }
        self.last_at = self.last_at.max(s.at);
        self.sessions += 1;
        for f in Feature::ALL {
            if !f.counted() {
                continue;
            }
            if let Some(v) = f.of(s) {
                *self.features[f.index()].entry(v).or_default() += 1;
            }
        }
        if new_device && !s.device_id.is_empty() {
            self.devices += 1;
            for c in s.components() {
                *self.components.entry(c.to_string()).or_default() += 1;
            }
            *self.fingerprints.entry(s.device_id.clone()).or_default() += 1;
        }
    }

    /// Drops the whole fingerprints fewer than [`SHARED_FINGERPRINT`] devices show and keeps
    /// the [`MAX_FINGERPRINTS`] most shared: called once every session is added.
    pub fn keep_shared(&mut self) {
        self.fingerprints.retain(|_, n| *n >= SHARED_FINGERPRINT);
        if self.fingerprints.len() > MAX_FINGERPRINTS {
            let mut counts: Vec<u64> = self.fingerprints.values().copied().collect();
            counts.sort_unstable_by(|a, b| b.cmp(a));
            let floor = counts[MAX_FINGERPRINTS - 1];
            self.fingerprints.retain(|_, n| *n > floor);
        }
    }

    /// Whether the index spans [`BASELINE`]: enough past to tell a burst from a rate.
    pub fn has_baseline(&self) -> bool {
        self.sessions > 0 && self.last_at - self.first_at >= BASELINE
    }

    /// The share of sessions showing `value` of `feature`, add-one smoothed over the feature's
    /// nominal cardinality, so an empty index gives every value the same small share.
    pub fn share(&self, feature: Feature, value: &str) -> f64 {
        let count = self
            .features
            .get(feature.index())
            .and_then(|m| m.get(value))
            .copied()
            .unwrap_or(0);
        (count as f64 + 1.0) / (self.sessions as f64 + feature.cardinality())
    }

    /// How many other devices of the population are expected to show exactly this
    /// fingerprint: as many as were counted showing it, and at least the device count times the
    /// shares of its two rarest components. The components of one device model are strongly
    /// correlated (a phone's screen, GPU and memory come together), so multiplying all of them
    /// would call every popular phone unique; the two rarest bound the share from above and
    /// still single out a rare device, but a fleet's components are as correlated as all of
    /// them, hence the count.
    pub fn expected_twins(&self, s: &SessionSummary) -> f64 {
        // Counted twins: the devices showing exactly this fingerprint, less this one.
        let counted = self
            .fingerprints
            .get(&s.device_id)
            .map_or(0.0, |n| n.saturating_sub(1) as f64);
        counted.max(self.estimated_twins(s))
    }

    /// [`Population::expected_twins`] from the components alone.
    fn estimated_twins(&self, s: &SessionSummary) -> f64 {
        let n = self.devices as f64;
        let mut shares: Vec<f64> = s
            .components()
            .map(|c| {
                let count = self.components.get(c).copied().unwrap_or(0) as f64;
                (count + 1.0) / (n + COMPONENT_CARDINALITY)
            })
            .collect();
        if shares.is_empty() {
            return 0.0;
        }
        shares.sort_by(f64::total_cmp);
        n * shares.iter().take(2).product::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, components: &str) -> SessionSummary {
        SessionSummary {
            device_id: id.into(),
            fingerprint: components.into(),
            country: "FR".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_index_gives_every_value_the_same_small_share() {
        let p = Population::default();
        assert_eq!(
            p.share(Feature::Country, "FR"),
            p.share(Feature::Country, "NZ")
        );
        assert!(p.share(Feature::Country, "FR") < 0.01);
    }

    #[test]
    fn counted_values_get_their_share() {
        let mut p = Population::default();
        for i in 0..1000 {
            p.add(&device(&format!("d{i}"), ""), true);
        }
        assert!(p.share(Feature::Country, "FR") > 0.8);
        assert!(p.share(Feature::Country, "NZ") < 0.001);
    }

    #[test]
    fn a_common_fingerprint_has_many_twins_and_a_rare_one_none() {
        let mut p = Population::default();
        for i in 0..10_000 {
            // 40 % of devices are the same popular phone; the rest vary in every component.
            let fp = if i % 10 < 4 {
                "0.a1,1.b2,2.c3,3.d4".to_string()
            } else {
                format!("0.{i},1.{i},2.{i},3.{i}")
            };
            p.add(&device(&format!("d{i}"), &fp), true);
        }
        let popular = p.expected_twins(&device("x", "0.a1,1.b2,2.c3,3.d4"));
        let rare = p.expected_twins(&device("y", "0.zz,1.zz,2.zz,3.zz"));
        assert!(popular > 100.0, "{popular}");
        assert!(rare < 0.01, "{rare}");
    }

    #[test]
    fn a_laptop_fleet_is_counted_as_common_where_its_components_would_guess_rare() {
        let mut p = Population::default();
        // 1,000 devices, 40 of them one company's identically imaged laptops whose every
        // component is otherwise unseen.
        for i in 0..1000 {
            let (id, fp) = if i < 40 {
                ("fleet".to_string(), "0.f1,1.f2,2.f3,3.f4".to_string())
            } else {
                (format!("d{i}"), format!("0.{i},1.{i},2.{i},3.{i}"))
            };
            p.add(&device(&id, &fp), true);
        }
        let laptop = device("fleet", "0.f1,1.f2,2.f3,3.f4");
        assert!(p.estimated_twins(&laptop) < 3.0);
        p.keep_shared();
        assert_eq!(p.expected_twins(&laptop), 39.0);
        // Fingerprints fewer than three devices show are not kept.
        assert_eq!(p.fingerprints.len(), 1);
    }

    #[test]
    fn the_index_has_a_baseline_once_it_spans_a_week() {
        let mut p = Population::default();
        let mut s = device("d", "");
        s.at = 5 * DAY;
        p.add(&s, true);
        s.at = 11 * DAY;
        p.add(&s, false);
        assert!(!p.has_baseline());
        s.at = 12 * DAY;
        p.add(&s, false);
        assert!(p.has_baseline());
        assert_eq!((p.first_at, p.last_at), (5 * DAY, 12 * DAY));
    }

    #[test]
    fn a_device_counts_once_however_many_sessions_it_has() {
        let mut p = Population::default();
        let s = device("d", "0.a,1.b");
        p.add(&s, true);
        p.add(&s, false);
        assert_eq!(p.devices, 1);
        assert_eq!(p.sessions, 2);
        assert_eq!(p.components["0.a"], 1);
    }
}
