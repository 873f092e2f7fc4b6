//! Launch: what the way an automation tool starts Chromium leaves in the page, even when the tool
//! hides its DevTools Protocol client (patchright never enables `Runtime`, so `BOT_CDP` stays
//! silent). Playwright launches every Chromium with a command line of its own, which patchright
//! and rebrowser-playwright keep: `--disable-background-timer-throttling` and
//! `--disable-features=…,ThirdPartyStoragePartitioning,…`; and it emulates a 1280x720 viewport
//! unless told `viewport: null`. The package's hidden cross-site frame (`frame` in the payload)
//! sees the first two; the window's geometry the third.

use super::consistency::major_after;
use super::payload::Payload;
use super::{Agent, Verdict};

/// Chromium has partitioned third-party storage for every user since version 115.
const PARTITIONED_SINCE: u32 = 115;

pub fn detect(p: &Payload, agent: Option<&Agent<'_>>, v: &mut Verdict) {
    // Both frame checks are Chromium's behaviour: judged only where the engine is V8 (the
    // engine's own invariant, not the agent's claim). Firefox runs such timers free.
    let v8 = p.window().u32("evalLength") == Some(33);
    let frame = p.frame();
    if v8 && frame.str("timers") == Some("free") {
        v.add_evidence("BOT_TIMERS_UNTHROTTLED");
    }
    let partitioning = chromium_major(p, agent).is_some_and(|m| m >= PARTITIONED_SINCE);
    if v8 && partitioning && matches!(frame.str("storage"), Some("shared" | "denied")) {
        v.add_evidence("BOT_STORAGE_UNPARTITIONED");
    }
    if viewport_emulated(p) {
        v.add_evidence("BOT_VIEWPORT_EMULATED");
    }
}

/// The Chromium version the client hints name, or else the agent's `Chrome/` token.
fn chromium_major(p: &Payload, agent: Option<&Agent<'_>>) -> Option<u32> {
    let hints = p.window().object("uaData");
    hints
        .objects("brands")
        .iter()
        .find(|b| b.str("brand") == Some("Chromium"))
        .and_then(|b| b.str("version")?.parse().ok())
        .or_else(|| major_after(agent?.raw, "Chrome/"))
}

/// A layout viewport exactly the size of the screen, in a window that has a frame around it
/// (outer larger than inner) and a browser that says it is not fullscreen: the screen was
/// emulated to the viewport's size. Real fullscreen and kiosk windows say `fullscreen`;
/// Firefox's resistFingerprinting and Brave report the window's own size as the screen, with
/// no frame around the viewport, so neither trips it.
fn viewport_emulated(p: &Payload) -> bool {
    let w = p.window();
    let (view, screen) = (w.object("viewport"), w.object("screen"));
    if view.str("displayMode") != Some("browser") {
        return false;
    }
    let [width, height, outer_width, outer_height] =
        ["width", "height", "outerWidth", "outerHeight"].map(|k| view.u32(k));
    let (Some(width), Some(height)) = (width, height) else {
        return false;
    };
    let framed = outer_width.is_some_and(|o| o > width) || outer_height.is_some_and(|o| o > height);
    width > 0
        && screen.u32("width") == Some(width)
        && screen.u32("height") == Some(height)
        && framed
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::*;
    use serde_json::{json, Value};

    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";

    /// What the package collected in plain Chromium 156 under Xvfb, a fresh profile.
    fn plain_chromium() -> Value {
        json!({
            "v": 2,
            "window": {
                "userAgent": CHROME, "evalLength": 33,
                "uaData": {"brands": [{"brand": "Not:A-Brand", "version": "8"},
                    {"brand": "Chromium", "version": "156"}], "mobile": false, "platform": "Linux"},
                "screen": {"width": 1920, "height": 1080, "colorDepth": 24,
                    "availWidth": 1920, "availHeight": 1080},
                "viewport": {"width": 945, "height": 917, "outerWidth": 945, "outerHeight": 1060,
                    "displayMode": "browser"},
            },
            "frame": {"timers": "throttled", "storage": "partitioned"},
        })
    }

    fn reasons(p: Value) -> Vec<String> {
        evaluate(&Payload::new(p)).reasons
    }

    #[test]
    fn plain_chromium_shows_nothing_of_a_launcher() {
        assert!(reasons(plain_chromium()).is_empty());
    }

    /// Patchright 1.63 headful under Xvfb, launched as its documentation shows
    /// (`chromium.launch({headless: false})`, a new page): the default viewport, storage refused
    /// to the frame, timers free. No webdriver, no DevTools Protocol tell.
    fn patchright_headful() -> Value {
        let mut p = plain_chromium();
        p["window"]["screen"] = json!({"width": 1280, "height": 720, "colorDepth": 24,
            "availWidth": 1280, "availHeight": 720});
        p["window"]["viewport"] = json!({"width": 1280, "height": 720, "outerWidth": 1288,
            "outerHeight": 805, "displayMode": "browser"});
        p["frame"] = json!({"timers": "free", "storage": "denied"});
        p
    }

    #[test]
    fn patchright_headful_is_automated_by_its_launch_alone() {
        let v = evaluate(&Payload::new(patchright_headful()));
        assert_eq!(
            v.reasons,
            [
                "BOT_TIMERS_UNTHROTTLED",
                "BOT_STORAGE_UNPARTITIONED",
                "BOT_VIEWPORT_EMULATED"
            ]
        );
        assert!(v.automated && !v.tampered, "{v:?}");
    }

    #[test]
    fn patchright_without_viewport_emulation_is_automated_by_its_switches() {
        let mut p = plain_chromium();
        p["frame"] = json!({"timers": "free", "storage": "denied"});
        let v = evaluate(&Payload::new(p));
        assert_eq!(
            v.reasons,
            ["BOT_TIMERS_UNTHROTTLED", "BOT_STORAGE_UNPARTITIONED"]
        );
        assert!(v.automated);
    }

    #[test]
    fn each_launch_check_alone_is_not_automation() {
        let mut timers = plain_chromium();
        timers["frame"]["timers"] = json!("free");
        let mut shared = plain_chromium();
        shared["frame"]["storage"] = json!("shared");
        let mut viewport = patchright_headful();
        viewport["frame"] = json!({"timers": "throttled", "storage": "partitioned"});
        for (p, code) in [
            (timers, "BOT_TIMERS_UNTHROTTLED"),
            (shared, "BOT_STORAGE_UNPARTITIONED"),
            (viewport, "BOT_VIEWPORT_EMULATED"),
        ] {
            let v = evaluate(&Payload::new(p));
            assert_eq!(v.reasons, [code]);
            assert!(!v.automated, "{code}: {}", v.bot);
        }
    }

    #[test]
    fn firefox_runs_hidden_frame_timers_free_and_that_is_not_evidence() {
        let p = json!({"window": {"userAgent": FIREFOX, "evalLength": 37},
            "frame": {"timers": "free", "storage": "partitioned"}});
        assert!(reasons(p).is_empty());
    }

    #[test]
    fn storage_is_judged_only_on_a_chromium_that_partitions_it() {
        let mut old = plain_chromium();
        old["window"]["uaData"]["brands"][1]["version"] = json!("109");
        old["window"]["userAgent"] = json!(CHROME.replace("156.0", "109.0"));
        old["frame"]["storage"] = json!("shared");
        assert!(reasons(old).is_empty(), "Chromium 109 had no partitioning");
        let mut no_version = plain_chromium();
        no_version["window"]["uaData"] = json!({"error": "unsupported"});
        no_version["window"]["userAgent"] = json!("SomeBrowser/1");
        no_version["frame"]["storage"] = json!("denied");
        assert!(reasons(no_version).is_empty());
        let mut from_agent = plain_chromium();
        from_agent["window"]["uaData"] = json!({"error": "unsupported"});
        from_agent["frame"]["storage"] = json!("denied");
        assert_eq!(reasons(from_agent), ["BOT_STORAGE_UNPARTITIONED"]);
    }

    #[test]
    fn a_frame_that_failed_or_timed_out_is_no_evidence() {
        for frame in [
            json!({"error": "threw"}),
            json!({"timers": {"error": "timeout"}, "storage": {"error": "unsupported"}}),
        ] {
            let mut p = plain_chromium();
            p["frame"] = frame;
            assert!(reasons(p).is_empty());
        }
    }

    #[test]
    fn fullscreen_kiosk_and_anti_fingerprinting_screens_are_not_emulation() {
        let viewport = |w: u32, h: u32, ow: u32, oh: u32, mode: &str| json!({"width": w, "height": h, "outerWidth": ow, "outerHeight": oh, "displayMode": mode});
        let screen = |w: u32, h: u32| json!({"width": w, "height": h, "colorDepth": 24, "availWidth": w, "availHeight": h});
        for (view, scr) in [
            // Chromium --kiosk and F11: the viewport fills the screen, in fullscreen mode.
            (
                viewport(1920, 1080, 1920, 1080, "fullscreen"),
                screen(1920, 1080),
            ),
            // Firefox resistFingerprinting: the screen is the viewport, and so is the window.
            (viewport(1400, 900, 1400, 900, "browser"), screen(1400, 900)),
            // Brave: the screen is the (farbled) window, larger than the viewport.
            (viewport(1400, 900, 1404, 987, "browser"), screen(1404, 987)),
            // An installed web app on a phone, standalone.
            (viewport(390, 844, 390, 844, "standalone"), screen(390, 844)),
        ] {
            let mut p = plain_chromium();
            p["window"]["viewport"] = view;
            p["window"]["screen"] = scr;
            assert!(reasons(p).is_empty());
        }
    }
}
