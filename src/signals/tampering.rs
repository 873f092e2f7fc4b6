//! Tampering: native getters and functions the page found patched, a `navigator.webdriver`
//! that was deleted or overridden, which hides automation and is itself a tell, and probes that
//! threw where no real browser throws.

use serde_json::Value;

use super::payload::Payload;
use super::{Agent, Verdict};

/// Window probes that read plain browser facts: a real engine answers each (or lacks it,
/// "unsupported"), and never throws. Left out on purpose: WebGL (drivers fail), the worker
/// (a Content-Security-Policy without `blob:` blocks it), the iframe (sandboxed pages), the
/// DevTools probe (a page that froze `Error` makes it throw) and client hints.
const NEVER_THROW: [&str; 11] = [
    "userAgent",
    "platform",
    "languages",
    "timezone",
    "hardwareConcurrency",
    "webdriver",
    "webdriverPresent",
    "evalLength",
    "screen",
    "automation",
    "lies",
];

fn threw(v: Option<&Value>) -> bool {
    v.and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .is_some_and(|e| e == "threw")
}

/// Whether one of the window's never-failing probes threw. A window source that failed as a
/// whole is unknown, like any garbled payload.
fn probe_threw(p: &Payload) -> bool {
    p.raw()
        .get("window")
        .and_then(Value::as_object)
        .is_some_and(|w| NEVER_THROW.iter().any(|k| threw(w.get(*k))))
}

fn hides_webdriver(lie: &str) -> bool {
    lie == "Navigator.webdriver" || lie == "navigator.webdriver"
}

pub fn detect(p: &Payload, agent: Option<&Agent<'_>>, v: &mut Verdict) {
    let lies = p.lies();
    // Every engine a user agent can name has had navigator.webdriver since 2019.
    let known_engine = agent.is_some_and(|a| !a.parsed.browser.is_empty());
    let missing = known_engine && p.window().bool("webdriverPresent") == Some(false);
    if missing || lies.iter().any(|l| hides_webdriver(l)) {
        v.add_evidence("BOT_WEBDRIVER_HIDDEN");
    }
    if lies.iter().any(|l| !hides_webdriver(l)) {
        v.add_evidence("BOT_NATIVE_TAMPERED");
    }
    if probe_threw(p) {
        v.add_evidence("BOT_PROBE_THREW");
    }
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::*;
    use serde_json::json;

    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    #[test]
    fn a_deleted_webdriver_property_is_hidden_automation() {
        let v = evaluate(&Payload::new(
            json!({"window": {"userAgent": CHROME, "webdriverPresent": false}}),
        ));
        assert_eq!(v.reasons, ["BOT_WEBDRIVER_HIDDEN"]);
        assert!(v.tampered && v.automated);
    }

    #[test]
    fn an_overridden_webdriver_getter_is_hidden_automation_not_general_tampering() {
        let v = evaluate(&Payload::new(
            json!({"window": {"userAgent": CHROME, "lies": ["navigator.webdriver"]}}),
        ));
        assert_eq!(v.reasons, ["BOT_WEBDRIVER_HIDDEN"]);
    }

    #[test]
    fn a_patched_native_function_is_tampering_but_not_automation_alone() {
        let v = evaluate(&Payload::new(
            json!({"window": {"lies": ["HTMLCanvasElement.toDataURL"]}}),
        ));
        assert_eq!(v.reasons, ["BOT_NATIVE_TAMPERED"]);
        assert!(v.tampered);
        assert!(!v.automated, "privacy extensions patch canvas too");
    }

    #[test]
    fn a_browser_fact_that_threw_is_tampering_but_not_automation_alone() {
        for p in [
            json!({"window": {"userAgent": {"error": "threw"}}}),
            json!({"window": {"languages": {"error": "threw"}, "lies": []}}),
        ] {
            let v = evaluate(&Payload::new(p));
            assert_eq!(v.reasons, ["BOT_PROBE_THREW"]);
            assert!(v.tampered && !v.automated);
        }
    }

    #[test]
    fn probes_real_browsers_can_fail_are_not_evidence() {
        let v = evaluate(&Payload::new(json!({
            "window": {"userAgent": CHROME, "webglRenderer": {"error": "threw"},
                "cdp": {"error": "threw"}, "uaData": {"error": "threw"},
                "deviceMemory": {"error": "unsupported"}},
            "iframe": {"error": "threw"},
            "worker": {"error": "threw"},
        })));
        assert!(v.reasons.is_empty(), "{:?}", v.reasons);
    }

    #[test]
    fn an_unknown_client_without_webdriver_is_not_judged() {
        let v = evaluate(&Payload::new(
            json!({"window": {"userAgent": "SomeEmbeddedView/1", "webdriverPresent": false}}),
        ));
        assert!(v.reasons.is_empty());
    }
}
