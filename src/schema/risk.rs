//! Decisions and the ten per-session risk signals, named as Verisoul names them.

use serde::{Deserialize, Serialize};

/// The verdict on an account, from `account_score` and the project's thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Real,
    Suspicious,
    Fake,
}

/// The per-session risk signals, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskSignal {
    DeviceRisk,
    Proxy,
    Vpn,
    Tor,
    SpoofedIp,
    Datacenter,
    RecentFraudIp,
    ImpossibleTravel,
    DeviceNetworkMismatch,
    LocationSpoofing,
}

impl RiskSignal {
    pub const ALL: [RiskSignal; 10] = [
        RiskSignal::DeviceRisk,
        RiskSignal::Proxy,
        RiskSignal::Vpn,
        RiskSignal::Tor,
        RiskSignal::SpoofedIp,
        RiskSignal::Datacenter,
        RiskSignal::RecentFraudIp,
        RiskSignal::ImpossibleTravel,
        RiskSignal::DeviceNetworkMismatch,
        RiskSignal::LocationSpoofing,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RiskSignal::DeviceRisk => "device_risk",
            RiskSignal::Proxy => "proxy",
            RiskSignal::Vpn => "vpn",
            RiskSignal::Tor => "tor",
            RiskSignal::SpoofedIp => "spoofed_ip",
            RiskSignal::Datacenter => "datacenter",
            RiskSignal::RecentFraudIp => "recent_fraud_ip",
            RiskSignal::ImpossibleTravel => "impossible_travel",
            RiskSignal::DeviceNetworkMismatch => "device_network_mismatch",
            RiskSignal::LocationSpoofing => "location_spoofing",
        }
    }
}

/// A 0..1 score per risk signal: a session's `risk_signal_scores`, or an account's
/// `risk_signal_average`. Stored compactly as an array in wire order, serialised as an object.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RiskSignalScores(pub [f64; 10]);

impl RiskSignalScores {
    pub fn get(&self, s: RiskSignal) -> f64 {
        self.0[s as usize]
    }

    pub fn set(&mut self, s: RiskSignal, v: f64) {
        self.0[s as usize] = v.clamp(0.0, 1.0);
    }

    /// A signal counts as raised (the boolean `risk_signals` of a session) at 0.5 and above.
    pub fn flags(&self) -> RiskSignalFlags {
        RiskSignalFlags(self.0.map(|v| v >= 0.5))
    }
}

/// The boolean form of [`RiskSignalScores`]: a session's `risk_signals`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RiskSignalFlags(pub [bool; 10]);

macro_rules! named_array_serde {
    ($ty:ident, $elem:ty) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(Some(10))?;
                for sig in RiskSignal::ALL {
                    m.serialize_entry(sig.name(), &self.0[sig as usize])?;
                }
                m.end()
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = std::collections::BTreeMap::<String, $elem>::deserialize(d)?;
                let mut out = $ty::default();
                for sig in RiskSignal::ALL {
                    if let Some(v) = map.get(sig.name()) {
                        out.0[sig as usize] = *v;
                    }
                }
                Ok(out)
            }
        }
    };
}

named_array_serde!(RiskSignalScores, f64);
named_array_serde!(RiskSignalFlags, bool);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_signals_serialise_with_verisoul_names() {
        let mut s = RiskSignalScores::default();
        s.set(RiskSignal::Vpn, 0.75);
        let v = serde_json::to_value(s).unwrap();
        assert_eq!(v["vpn"], 0.75);
        assert_eq!(v["device_network_mismatch"], 0.0);
        assert_eq!(v.as_object().unwrap().len(), 10);
        let back: RiskSignalScores = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
        assert_eq!(serde_json::to_value(s.flags()).unwrap()["vpn"], true);
    }

    #[test]
    fn scores_are_clamped_to_unit_interval() {
        let mut s = RiskSignalScores::default();
        s.set(RiskSignal::Tor, 3.0);
        s.set(RiskSignal::Proxy, -1.0);
        assert_eq!(s.get(RiskSignal::Tor), 1.0);
        assert_eq!(s.get(RiskSignal::Proxy), 0.0);
    }
}
