//! Browser signals: the raw payload the page sends to `POST /session`, and its evaluation into
//! a [`Verdict`]. The same code runs in the page (npm package) and in the worker, which never
//! trusts the page's own verdict and re-evaluates the raw signals it receives.

mod automation;
mod consistency;
pub mod identity;
mod launch;
pub mod payload;
mod tampering;

use serde::{Deserialize, Serialize};

use crate::intel::user_agent::{self, UserAgent};

pub use identity::{device_id, fingerprint};
pub use payload::Payload;

/// The bot probability from which a verdict says `automated`.
pub const AUTOMATED: f64 = 0.5;

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
        let Some(e) = find_evidence(code) else {
            return;
        };
        self.bot = 1.0 - (1.0 - self.bot) * (1.0 - e.weight);
        self.automated = self.bot >= AUTOMATED;
        self.tampered |= e.tampering;
        self.reasons.push(code.to_string());
    }
}

/// One piece of evidence: its reason code, the probability of automation it implies alone,
/// and whether it means the browser lies about itself (`tampered`, which feeds `device_risk`).
pub struct Evidence {
    pub code: &'static str,
    pub weight: f64,
    pub tampering: bool,
}

const fn evidence(code: &'static str, weight: f64, tampering: bool) -> Evidence {
    Evidence {
        code,
        weight,
        tampering,
    }
}

/// Every piece of evidence the evaluation can find. The one place these weights live; the
/// engine reports them with the reasons and `docs/reasons.md` explains each code. Brittle
/// checks, which real people also trip (privacy extensions, virtual machines), weigh little.
pub const EVIDENCE: &[Evidence] = &[
    evidence("BOT_WEBDRIVER", 0.9, false),
    evidence("BOT_HEADLESS_UA", 0.8, false),
    evidence("BOT_CRAWLER_UA", 0.95, false),
    evidence("BOT_AUTOMATION_GLOBALS", 0.95, false),
    evidence("BOT_CDP", 0.6, false),
    evidence("BOT_WEBDRIVER_HIDDEN", 0.8, true),
    evidence("BOT_NATIVE_TAMPERED", 0.35, true),
    evidence("BOT_PROBE_THREW", 0.35, true),
    evidence("BOT_CONTEXT_MISMATCH", 0.4, true),
    evidence("BOT_PLATFORM_MISMATCH", 0.4, true),
    evidence("BOT_ENGINE_MISMATCH", 0.4, true),
    evidence("BOT_IMPOSSIBLE_HARDWARE", 0.5, true),
    // An emulated phone: what device farms run; a developer testing a site is the rare person.
    evidence("BOT_EMULATOR", 0.5, false),
    // Real machines without a GPU draw in software too: it must not reach AUTOMATED alone or
    // with any one other piece that is itself below it (the strongest such weighs 0.4).
    evidence("BOT_SOFTWARE_RENDERER", 0.1, false),
    // What Playwright's way of launching Chromium leaves (patchright and rebrowser-playwright
    // keep it): each alone is a setting a real user rarely has, two together a launcher.
    evidence("BOT_TIMERS_UNTHROTTLED", 0.4, false),
    evidence("BOT_STORAGE_UNPARTITIONED", 0.4, false),
    // Default configurations only (`viewport: null` turns it off); developers' device emulation
    // trips it too.
    evidence("BOT_VIEWPORT_EMULATED", 0.3, false),
];

fn find_evidence(code: &str) -> Option<&'static Evidence> {
    EVIDENCE.iter().find(|e| e.code == code)
}

/// The weight of one piece of evidence (0 for an unknown code).
pub fn evidence_weight(code: &str) -> f64 {
    find_evidence(code).map_or(0.0, |e| e.weight)
}

/// Evaluates a payload. Missing or mistyped parts are unknown, never an error.
pub fn evaluate(p: &Payload) -> Verdict {
    let mut verdict = Verdict {
        device_id: device_id(p),
        browser_id: p.browser_id().unwrap_or_default().to_string(),
        ..Verdict::default()
    };
    let agent = p.user_agent().map(|raw| Agent {
        raw,
        parsed: user_agent::parse(raw),
    });
    automation::detect(p, &mut verdict);
    tampering::detect(p, agent.as_ref(), &mut verdict);
    consistency::detect(p, agent.as_ref(), &mut verdict);
    launch::detect(p, agent.as_ref(), &mut verdict);
    verdict
}

/// The window's user agent, parsed once for the checks that compare it with other signals.
struct Agent<'a> {
    raw: &'a str,
    parsed: UserAgent,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_empty_or_garbled_payload_is_unknown_not_an_error() {
        for p in [
            json!({}),
            json!({"window": 7}),
            json!({"window": {"webdriver": "yes", "lies": "all", "automation": {}}}),
            json!({"window": {"error": "threw"}, "worker": {"error": "timeout"}}),
            json!([1, 2]),
        ] {
            let v = evaluate(&Payload::new(p));
            assert!(!v.automated && !v.tampered);
            assert_eq!(v.bot, 0.0);
            assert!(v.reasons.is_empty());
        }
    }

    #[test]
    fn independent_evidence_combines_by_noisy_or() {
        let mut v = Verdict::default();
        v.add_evidence("BOT_SOFTWARE_RENDERER");
        assert!((v.bot - 0.1).abs() < 1e-9 && !v.automated);
        v.add_evidence("BOT_NATIVE_TAMPERED");
        assert!((v.bot - (1.0 - 0.9 * 0.65)).abs() < 1e-9);
        assert!(v.tampered && !v.automated);
        v.add_evidence("BOT_WEBDRIVER");
        assert!(v.automated);
    }

    #[test]
    fn a_software_renderer_with_one_other_weak_check_is_not_automation() {
        for other in EVIDENCE.iter().filter(|e| e.weight < AUTOMATED) {
            let mut v = Verdict::default();
            v.add_evidence("BOT_SOFTWARE_RENDERER");
            v.add_evidence(other.code);
            assert!(
                !v.automated,
                "BOT_SOFTWARE_RENDERER + {}: {}",
                other.code, v.bot
            );
        }
    }

    /// What the package collected on Debian's Firefox ESR 153, headful under Xvfb, a fresh
    /// profile and no automation: Gecko's native text, no client hints or device memory, and
    /// the software renderer Firefox names "llvmpipe, or similar".
    fn plain_firefox() -> serde_json::Value {
        let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";
        let scope = json!({"userAgent": ua, "platform": "Linux x86_64", "languages": ["en-US", "en"],
            "hardwareConcurrency": 2, "timezone": "UTC"});
        let mut window = scope.clone();
        for (k, v) in [
            ("vendor", json!("")),
            ("deviceMemory", json!({"error": "unsupported"})),
            ("webdriver", json!(false)),
            ("webdriverPresent", json!(true)),
            ("evalLength", json!(37)),
            ("webglVendor", json!("Mesa/X.org")),
            ("webglRenderer", json!("llvmpipe, or similar")),
            (
                "screen",
                json!({"width": 1920, "height": 1080, "colorDepth": 24,
                "availWidth": 1920, "availHeight": 1080}),
            ),
            ("uaData", json!({"error": "unsupported"})),
            ("automation", json!([])),
            ("cdp", json!(false)),
            ("lies", json!([])),
        ] {
            window[k] = v;
        }
        let mut iframe = scope.clone();
        iframe["webdriver"] = json!(false);
        let mut worker = scope;
        worker["webglRenderer"] = json!("llvmpipe, or similar");
        json!({"v": 2, "window": window, "iframe": iframe, "worker": worker})
    }

    #[test]
    fn plain_firefox_is_not_automated() {
        let v = evaluate(&Payload::new(plain_firefox()));
        assert_eq!(v.reasons, ["BOT_SOFTWARE_RENDERER"]);
        assert!(!v.automated && !v.tampered, "{v:?}");
    }

    #[test]
    fn firefox_under_marionette_is_automated() {
        let mut p = plain_firefox();
        p["window"]["webdriver"] = json!(true);
        p["iframe"]["webdriver"] = json!(true);
        let v = evaluate(&Payload::new(p));
        assert!(v.automated && v.reasons.contains(&"BOT_WEBDRIVER".to_string()));
    }

    #[test]
    fn an_unknown_code_is_not_evidence() {
        let mut v = Verdict::default();
        v.add_evidence("NOT_A_CODE");
        assert_eq!(v, Verdict::default());
    }

    #[test]
    fn every_piece_of_evidence_is_in_the_reason_catalogue_with_its_weight_class() {
        use crate::engine::reasons::{lookup, Component, WeightClass};
        for e in EVIDENCE {
            let info = lookup(e.code).unwrap_or_else(|| panic!("{} is not catalogued", e.code));
            assert_eq!(info.component, Component::Bot, "{}", e.code);
            let class = match e.weight {
                w if w >= 0.9 => WeightClass::Extreme,
                w if w >= 0.6 => WeightClass::High,
                w if w >= 0.3 => WeightClass::Medium,
                _ => WeightClass::Low,
            };
            assert_eq!(info.class, class, "{}", e.code);
        }
    }

    #[test]
    fn device_risk_names_every_reason_that_marks_tampering() {
        let meaning = crate::engine::reasons::lookup("RISK_DEVICE_RISK")
            .unwrap()
            .meaning;
        let named = |code: &str| {
            meaning
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .any(|w| w == code)
        };
        for e in EVIDENCE {
            assert_eq!(named(e.code), e.tampering, "{}", e.code);
        }
    }
}
