//! Automation: what a driven browser shows of its driver. Each check is one piece of evidence
//! (see `EVIDENCE` in the parent module for its weight).

use super::payload::{Context, Payload};
use super::Verdict;
use crate::intel::user_agent;

pub fn detect(p: &Payload, v: &mut Verdict) {
    let scopes = Context::ALL.map(|c| p.scope(c));
    // WebDriver, Playwright and Puppeteer all set it; an iframe can tell when the window's
    // value was patched and the frame's was not.
    if scopes.iter().any(|s| s.bool("webdriver") == Some(true)) {
        v.add_evidence("BOT_WEBDRIVER");
    }
    // A worker keeps the real agent when only the window's was overridden.
    if scopes
        .iter()
        .filter_map(|s| s.str("userAgent"))
        .any(|ua| user_agent::parse(ua).headless)
    {
        v.add_evidence("BOT_HEADLESS_UA");
    }
    if !p.window().strings("automation").is_empty() {
        v.add_evidence("BOT_AUTOMATION_GLOBALS");
    }
    if p.window().bool("cdp") == Some(true) {
        v.add_evidence("BOT_CDP");
    }
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::*;
    use serde_json::json;

    fn reasons(v: serde_json::Value) -> Vec<String> {
        evaluate(&Payload::new(v)).reasons
    }

    const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36";
    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

    #[test]
    fn webdriver_true_is_automation() {
        let v = evaluate(&Payload::new(json!({"window": {"webdriver": true}})));
        assert!(v.automated);
        assert_eq!(v.reasons, ["BOT_WEBDRIVER"]);
    }

    #[test]
    fn webdriver_true_in_the_iframe_counts_when_the_window_lies() {
        let r = reasons(json!({"window": {"webdriver": false}, "iframe": {"webdriver": true}}));
        assert!(r.contains(&"BOT_WEBDRIVER".to_string()), "{r:?}");
    }

    #[test]
    fn headless_user_agent_is_automation() {
        let v = evaluate(&Payload::new(json!({"window": {"userAgent": HEADLESS}})));
        assert!(v.automated);
        assert_eq!(v.reasons, ["BOT_HEADLESS_UA"]);
    }

    #[test]
    fn a_headless_worker_agent_behind_an_overridden_window_agent_is_automation() {
        let r =
            reasons(json!({"window": {"userAgent": CHROME}, "worker": {"userAgent": HEADLESS}}));
        assert!(r.contains(&"BOT_HEADLESS_UA".to_string()), "{r:?}");
    }

    #[test]
    fn automation_framework_globals_are_automation() {
        let v = evaluate(&Payload::new(
            json!({"window": {"automation": ["__pwInitScripts"]}}),
        ));
        assert!(v.automated);
        assert_eq!(v.reasons, ["BOT_AUTOMATION_GLOBALS"]);
        assert!(reasons(json!({"window": {"automation": []}})).is_empty());
    }

    #[test]
    fn a_devtools_protocol_client_is_automation() {
        let v = evaluate(&Payload::new(json!({"window": {"cdp": true}})));
        assert_eq!(v.reasons, ["BOT_CDP"]);
        assert!(v.automated);
        assert!(reasons(json!({"window": {"cdp": {"error": "threw"}}})).is_empty());
    }
}
