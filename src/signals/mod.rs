//! Browser signals: the raw payload the page sends to `POST /session`, and its evaluation into
//! a [`Verdict`]. The same code runs in the page (npm package) and in the worker, which never
//! trusts the page's own verdict and re-evaluates the raw signals it receives.

pub mod payload;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use payload::Payload;

/// The evaluation of one payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub automated: bool,
    /// Probability of automation, 0..1.
    pub bot: f64,
    pub tampered: bool,
    /// Reason codes of every detector that fired (see `docs/reasons.md`).
    pub reasons: Vec<String>,
    /// Hash of the stable device components; empty when the page sent none.
    pub device_id: String,
    /// The page's first-party random id; empty when absent or malformed.
    pub browser_id: String,
}

impl Verdict {
    /// Adds one piece of evidence of automation. Independent pieces combine by noisy-OR: each
    /// leaves its own chance of a human.
    pub fn add_evidence(&mut self, code: &str) {
        self.bot = 1.0 - (1.0 - self.bot) * (1.0 - evidence_weight(code));
        self.automated = self.bot >= 0.5;
        self.reasons.push(code.to_string());
    }
}

/// Every piece of automation evidence: its reason code and the probability of automation it
/// implies alone. The one place these weights live; the engine reports them with the reasons.
pub const EVIDENCE: &[(&str, f64)] = &[
    ("BOT_WEBDRIVER", 0.9),
    ("BOT_HEADLESS_UA", 0.8),
    ("BOT_CRAWLER_UA", 0.95),
];

/// The weight of one piece of evidence (0 for an unknown code).
pub fn evidence_weight(code: &str) -> f64 {
    EVIDENCE
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(0.0, |(_, p)| *p)
}

/// Evaluates a payload. Missing or mistyped parts are unknown, never an error.
pub fn evaluate(p: &Payload) -> Verdict {
    let mut verdict = Verdict {
        device_id: device_id(p),
        browser_id: p.browser_id().unwrap_or_default().to_string(),
        ..Verdict::default()
    };
    if p.webdriver() == Some(true) {
        verdict.add_evidence("BOT_WEBDRIVER");
    }
    if p.user_agent()
        .is_some_and(|ua| crate::intel::user_agent::parse(ua).headless)
    {
        verdict.add_evidence("BOT_HEADLESS_UA");
    }
    verdict
}

/// A hex SHA-256 prefix over the components that do not change between loads of one browser
/// profile; empty if none is known.
pub fn device_id(p: &Payload) -> String {
    let parts = p.stable_components();
    if parts.iter().all(|(_, v)| v.is_empty()) {
        return String::new();
    }
    let mut h = Sha256::new();
    for (name, v) in parts {
        h.update(name.as_bytes());
        h.update(b"=");
        h.update(v.as_bytes());
        h.update(b"\n");
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The device id's components, each as a short hash: `index.hash` for every known component,
/// joined by commas. Two hex bytes per component are plenty to count how common a value is
/// (the population index) and keep a session's summary small.
pub fn fingerprint(p: &Payload) -> String {
    let mut out = Vec::new();
    for (i, (name, v)) in p.stable_components().iter().enumerate() {
        if v.is_empty() {
            continue;
        }
        let h = Sha256::new()
            .chain_update(name.as_bytes())
            .chain_update(b"=")
            .chain_update(v.as_bytes())
            .finalize();
        out.push(format!("{i}.{:02x}{:02x}", h[0], h[1]));
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(v: serde_json::Value) -> Payload {
        Payload::new(v)
    }

    #[test]
    fn webdriver_true_is_automation() {
        let v = evaluate(&payload(json!({"window": {"webdriver": true}})));
        assert!(v.automated);
        assert_eq!(v.reasons, ["BOT_WEBDRIVER"]);
    }

    #[test]
    fn headless_user_agent_is_automation() {
        let v = evaluate(&payload(json!({"window": {"userAgent":
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"}})));
        assert!(v.automated);
        assert_eq!(v.reasons, ["BOT_HEADLESS_UA"]);
    }

    #[test]
    fn an_empty_or_garbled_payload_is_unknown_not_an_error() {
        for p in [
            json!({}),
            json!({"window": 7}),
            json!({"window": {"webdriver": "yes"}}),
            json!([1, 2]),
        ] {
            let v = evaluate(&payload(p));
            assert!(!v.automated);
            assert_eq!(v.bot, 0.0);
            assert!(v.reasons.is_empty());
        }
    }

    #[test]
    fn device_id_is_stable_and_depends_on_the_device() {
        let a = json!({"window": {"screen": {"width": 1920, "height": 1080}, "timezone": "Europe/Paris", "languages": ["fr-FR"]}});
        let mut b = a.clone();
        b["window"]["screen"]["width"] = json!(1280);
        assert_eq!(
            device_id(&payload(a.clone())),
            device_id(&payload(a.clone()))
        );
        assert_ne!(device_id(&payload(a)), device_id(&payload(b)));
        assert_eq!(device_id(&payload(json!({}))), "");
    }

    #[test]
    fn a_travellers_device_keeps_its_id_on_local_time() {
        let home = json!({"window": {"screen": {"width": 1440, "height": 900}, "timezone": "Europe/Paris"}});
        let mut abroad = home.clone();
        abroad["window"]["timezone"] = json!("Asia/Tokyo");
        assert_eq!(device_id(&payload(home)), device_id(&payload(abroad)));
    }

    #[test]
    fn the_fingerprint_names_each_known_component_once() {
        let p = payload(
            json!({"window": {"screen": {"width": 1920, "height": 1080}, "languages": ["fr-FR"]}}),
        );
        let fp = fingerprint(&p);
        let parts: Vec<&str> = fp.split(',').collect();
        assert_eq!(parts.len(), 2, "{fp}");
        assert!(
            parts[0].starts_with("1.") && parts[1].starts_with("5."),
            "{fp}"
        );
        assert_eq!(fingerprint(&payload(json!({}))), "");
    }
}
