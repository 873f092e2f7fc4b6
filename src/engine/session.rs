//! What one session leaves on its account: the [`SessionSummary`] every later request reads
//! (stored in its key's metadata), the network signals the familiar-network rule weighs, and
//! the decay and rounding every score shares. A leaf: it depends on no other engine module.

use serde::{Deserialize, Serialize};

use crate::schema::time::{Millis, DAY};
use crate::schema::{RiskSignal, RiskSignalScores};

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
    /// The network's autonomous system number; 0 when unknown.
    #[serde(rename = "a", default, skip_serializing_if = "is_zero")]
    pub asn: u32,
    /// Browser family and operating system from the user agent (no versions: they change with
    /// every update).
    #[serde(rename = "br", default, skip_serializing_if = "String::is_empty")]
    pub browser: String,
    #[serde(rename = "os", default, skip_serializing_if = "String::is_empty")]
    pub os: String,
    /// The device fingerprint's components as short hashes, `index.hash` joined by commas
    /// (`signals::fingerprint`): the population index counts them to tell how rare a device is.
    #[serde(rename = "fp", default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    #[serde(rename = "d", default)]
    pub device_id: String,
    #[serde(rename = "b", default)]
    pub browser_id: String,
    #[serde(rename = "bot", default)]
    pub bot: f64,
    /// Left out of the JSON when every signal is 0 (most sessions): an account's listing
    /// carries hundreds of summaries, and every byte of them is parsed on each read.
    #[serde(rename = "r", default, skip_serializing_if = "all_zero")]
    pub risk: [f64; 10],
    /// The takeover model's score of this session when it was authenticated.
    #[serde(rename = "to", default, skip_serializing_if = "is_zero_f64")]
    pub takeover: f64,
    /// The takeover features whose value was new to the account then (`Feature::bit`s): what
    /// HUMAN's trigger categories and a later takeover flow name.
    #[serde(rename = "nf", default, skip_serializing_if = "is_zero_u8")]
    pub new_features: u8,
    /// The session's device fingerprint was one the owner's earlier sessions showed (the
    /// takeover model compared it and found it); false when there was nothing to compare.
    #[serde(rename = "kd", default, skip_serializing_if = "is_false")]
    pub known_device: bool,
    /// The application reported that a second factor was passed on this session
    /// (`challenge_succeeded`): whatever the takeover model said, it was the owner.
    #[serde(rename = "v", default, skip_serializing_if = "is_false")]
    pub verified: bool,
    /// Where the session came from (Cloudflare's `request.cf`), two decimals (about 1 km).
    #[serde(rename = "la", default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(rename = "lo", default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

impl SessionSummary {
    pub fn risk_scores(&self) -> RiskSignalScores {
        RiskSignalScores(self.risk)
    }

    pub fn location(&self) -> Option<(f64, f64)> {
        Some((self.lat?, self.lon?))
    }

    /// The takeover score as the owner's history reads it: 0 once the owner passed a second
    /// factor on the session, so their new phone becomes one of their devices.
    pub fn doubt(&self) -> f64 {
        if self.verified {
            0.0
        } else {
            self.takeover
        }
    }

    /// The fingerprint's known components.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.fingerprint.split(',').filter(|c| !c.is_empty())
    }
}

/// A session that raised a datacenter, VPN or proxy signal, as `aggregate` found it: the few
/// sessions `familiar` reads, collected in the pass that already weighs every session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anonymising {
    pub asn: u32,
    pub at: Millis,
    /// Its decay weight in the averages.
    pub weight: f64,
    /// Its takeover score as the owner's history reads it ([`SessionSummary::doubt`]).
    pub takeover: f64,
    /// Its datacenter, VPN and proxy signals.
    pub signals: [f64; 3],
}

/// The signals that describe the route to the Internet, not the person, in the order
/// [`Anonymising::signals`] holds them.
pub const NETWORK_SIGNALS: [RiskSignal; 3] =
    [RiskSignal::Datacenter, RiskSignal::Vpn, RiskSignal::Proxy];

impl SessionSummary {
    /// The session's [`NETWORK_SIGNALS`].
    pub fn network_signals(&self) -> [f64; 3] {
        NETWORK_SIGNALS.map(|n| self.risk[n as usize])
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !b
}

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

fn all_zero(xs: &[f64; 10]) -> bool {
    xs.iter().all(|x| *x == 0.0)
}

/// Session scores lose half their weight in the average every week before `last_seen`.
pub const HALF_LIFE: Millis = 7 * DAY;

/// Rounds to four decimals, as the wire examples show scores.
pub fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_without_risk_leaves_the_signals_out_and_reads_back_the_same() {
        let quiet = SessionSummary {
            at: 1,
            ip: "192.0.2.1".into(),
            ..SessionSummary::default()
        };
        let text = serde_json::to_string(&quiet).unwrap();
        assert!(!text.contains("\"r\""), "{text}");
        assert_eq!(
            serde_json::from_str::<SessionSummary>(&text).unwrap(),
            quiet
        );
        let mut risky = quiet.clone();
        risky.risk[3] = 0.5;
        let text = serde_json::to_string(&risky).unwrap();
        assert_eq!(
            serde_json::from_str::<SessionSummary>(&text).unwrap(),
            risky
        );
        // As earlier versions stored it.
        let old =
            r#"{"t":1,"i":"192.0.2.1","c":"","d":"","b":"","bot":0.0,"r":[0,0,0,0,0,0,0,0,0,0]}"#;
        assert_eq!(serde_json::from_str::<SessionSummary>(old).unwrap(), quiet);
    }
}
