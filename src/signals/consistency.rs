//! Consistency: one browser tells the window, a same-origin iframe and a worker the same
//! things, its user agent agrees with `navigator.platform` and client hints, and its hardware
//! values are ones real hardware reports. Spoofing tools patch one place and forget another.

use super::payload::{Context, Payload, Scope};
use super::{Agent, Verdict};

/// The facts every context reports, compared between the window and each other context.
const SHARED_FACTS: [&str; 6] = [
    "userAgent",
    "platform",
    "languages",
    "hardwareConcurrency",
    "timezone",
    "webglRenderer",
];

pub fn detect(p: &Payload, agent: Option<&Agent<'_>>, v: &mut Verdict) {
    if contexts_disagree(p) {
        v.add_evidence("BOT_CONTEXT_MISMATCH");
    }
    if agent.is_some_and(|a| platform_disagrees(p, a)) {
        v.add_evidence("BOT_PLATFORM_MISMATCH");
    }
    if agent.is_some_and(|a| engine_disagrees(p, a)) {
        v.add_evidence("BOT_ENGINE_MISMATCH");
    }
    if impossible_hardware(p) {
        v.add_evidence("BOT_IMPOSSIBLE_HARDWARE");
    }
    if agent.is_some_and(|a| android_emulator(p, a)) {
        v.add_evidence("BOT_EMULATOR");
    }
    let renderers = [
        p.webgl_renderer(),
        p.scope(Context::Worker).str("webglRenderer"),
    ];
    if renderers.into_iter().flatten().any(is_software_renderer) {
        v.add_evidence("BOT_SOFTWARE_RENDERER");
    }
}

/// A fact as text, when the context reported it.
fn fact(s: &Scope<'_>, name: &str) -> Option<String> {
    match name {
        "languages" => s.has_list(name).then(|| s.strings(name).join(",")),
        "hardwareConcurrency" => s.u32(name).map(|n| n.to_string()),
        _ => s.str(name).map(str::to_string),
    }
}

fn contexts_disagree(p: &Payload) -> bool {
    let window = p.window();
    [Context::Iframe, Context::Worker].iter().any(|&c| {
        let other = p.scope(c);
        SHARED_FACTS
            .iter()
            .any(|f| match (fact(&window, f), fact(&other, f)) {
                (Some(a), Some(b)) => a != b,
                _ => false,
            })
    })
}

/// The operating system a `navigator.platform` or client-hint platform value names.
fn platform_os(platform: &str) -> Option<&'static str> {
    let p = platform.to_ascii_lowercase();
    Some(if p.starts_with("win") {
        "Windows"
    } else if p.starts_with("mac") {
        "macOS"
    } else if p.starts_with("iphone") || p.starts_with("ipad") || p.starts_with("ipod") {
        "iOS"
    } else if p.starts_with("android") {
        "Android"
    } else if p.contains("cros") || p.starts_with("chrome") {
        "ChromeOS"
    } else if p.starts_with("linux") {
        "Linux"
    } else {
        return None;
    })
}

/// Whether a browser on `ua_os` can report a platform naming `reported`: Android and
/// ChromeOS browsers say Linux in `navigator.platform`, an iPad in desktop mode says Mac.
fn os_compatible(ua_os: &str, reported: &str) -> bool {
    ua_os == reported
        || matches!(
            (ua_os, reported),
            ("Android" | "ChromeOS", "Linux") | ("iOS", "macOS")
        )
}

fn platform_disagrees(p: &Payload, agent: &Agent<'_>) -> bool {
    let ua_os = &agent.parsed.os;
    if ua_os.is_empty() {
        return false;
    }
    let w = p.window();
    [w.str("platform"), w.object("uaData").str("platform")]
        .into_iter()
        .flatten()
        .filter_map(platform_os)
        .any(|os| !os_compatible(ua_os, os))
}

/// The major version after `token` in a user agent.
pub(super) fn major_after(ua: &str, token: &str) -> Option<u32> {
    let rest = &ua[ua.find(token)? + token.len()..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// The JavaScript engine is the one the agent names (V8 for Chromium browsers), client hints
/// exist only in Chromium browsers, and they name the agent's Chromium version and mobility.
fn engine_disagrees(p: &Payload, agent: &Agent<'_>) -> bool {
    let (ua, browser) = (agent.raw, &agent.parsed.browser);
    // Chrome on iOS is WebKit underneath, as its agent (CriOS) says.
    let v8 = matches!(browser.as_str(), "Chrome" | "Edge" | "Opera") && !ua.contains("CriOS");
    let js_engine_differs = match p.window().u32("evalLength") {
        Some(33) => !v8 && !browser.is_empty(),
        Some(37) => v8,
        _ => false,
    };
    if js_engine_differs {
        return true;
    }
    let hints = p.window().object("uaData");
    if !hints.has_list("brands") {
        return false;
    }
    if browser == "Firefox" || browser == "Safari" {
        return true;
    }
    let chromium = hints
        .objects("brands")
        .iter()
        .find(|b| b.str("brand") == Some("Chromium"))
        .and_then(|b| b.str("version")?.parse::<u32>().ok());
    let version_differs = matches!(
        (chromium, major_after(ua, "Chrome/")),
        (Some(a), Some(b)) if a != b
    );
    let mobile_differs = hints
        .bool("mobile")
        .is_some_and(|m| m != ua.contains("Mobile"));
    version_differs || mobile_differs
}

fn impossible_hardware(p: &Payload) -> bool {
    let cores = p.hardware_concurrency().is_some_and(|n| n == 0 || n > 256);
    // Browsers round deviceMemory to a power of two between 0.25 and 32 GiB.
    let memory = p
        .device_memory()
        .is_some_and(|m| !(0.25..=32.0).contains(&m) || (m.log2().fract() != 0.0));
    let s = p.window().object("screen");
    let side = |n: Option<u32>| n.is_some_and(|n| n == 0 || n > 16_384);
    let larger = |avail: Option<u32>, full: Option<u32>| matches!((avail, full), (Some(a), Some(f)) if a > f);
    let screen = side(s.u32("width"))
        || side(s.u32("height"))
        || larger(s.u32("availWidth"), s.u32("width"))
        || larger(s.u32("availHeight"), s.u32("height"));
    cores || memory || screen
}

/// An Android agent on an emulator: the emulator's own model names in the agent
/// (`sdk_gphone64_x86_64`, `Android SDK built for x86`), its GPU translator ("Android Emulator
/// OpenGL ES Translator"), or x86 hardware in `navigator.platform`. Phones are ARM: no x86
/// Android phone has been sold since Intel left the phone market in 2016, while the Android
/// Emulator, Genymotion, BlueStacks and Waydroid, which device farms run by the hundred, are
/// x86. A developer testing a site in the emulator trips it too.
fn android_emulator(p: &Payload, agent: &Agent<'_>) -> bool {
    if agent.parsed.os != "Android" {
        return false;
    }
    let ua = agent.raw.to_ascii_lowercase();
    let sdk_model = ua.contains("sdk_gphone") || ua.contains("android sdk built for");
    let x86 = p.window().str("platform").is_some_and(|pl| {
        let pl = pl.to_ascii_lowercase();
        pl.contains("x86") || pl.contains("i686")
    });
    let translator = [
        p.webgl_renderer(),
        p.scope(Context::Worker).str("webglRenderer"),
    ]
    .into_iter()
    .flatten()
    .any(|r| r.to_ascii_lowercase().contains("android emulator"));
    sdk_model || x86 || translator
}

/// CPU rasterisers: what headless browsers, virtual machines and servers without a GPU use.
fn is_software_renderer(renderer: &str) -> bool {
    let r = renderer.to_ascii_lowercase();
    [
        "swiftshader",
        "llvmpipe",
        "softpipe",
        "software",
        "mesa offscreen",
    ]
    .iter()
    .any(|s| r.contains(s))
}

#[cfg(test)]
mod tests {
    use super::super::evaluate;
    use super::*;
    use serde_json::{json, Value};

    const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    const FIREFOX_WINDOWS: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0";

    /// A consistent desktop Chromium on Linux, as the package collects it.
    fn honest() -> Value {
        let scope = json!({"userAgent": CHROME_LINUX, "platform": "Linux x86_64",
            "languages": ["en-US", "en"], "hardwareConcurrency": 8, "timezone": "Europe/Paris"});
        let mut window = scope.clone();
        window["deviceMemory"] = json!(8);
        window["webdriver"] = json!(false);
        window["webdriverPresent"] = json!(true);
        window["webglRenderer"] =
            json!("ANGLE (Intel, Mesa Intel(R) UHD Graphics 620, OpenGL 4.6)");
        window["screen"] = json!({"width": 1920, "height": 1080, "colorDepth": 24, "availWidth": 1920, "availHeight": 1050});
        window["uaData"] = json!({"brands": [{"brand": "Chromium", "version": "156"}, {"brand": "Not.A/Brand", "version": "99"}], "mobile": false, "platform": "Linux"});
        window["automation"] = json!([]);
        window["cdp"] = json!(false);
        window["lies"] = json!([]);
        let mut worker = scope.clone();
        worker["webglRenderer"] = window["webglRenderer"].clone();
        json!({"v": 2, "window": window, "iframe": scope, "worker": worker})
    }

    fn reasons(v: Value) -> Vec<String> {
        evaluate(&Payload::new(v)).reasons
    }

    #[test]
    fn a_consistent_browser_raises_nothing() {
        let v = evaluate(&Payload::new(honest()));
        assert!(v.reasons.is_empty(), "{:?}", v.reasons);
        assert!(!v.tampered && !v.automated);
    }

    #[test]
    fn a_worker_that_disagrees_with_the_window_is_a_context_mismatch() {
        for (field, value) in [
            ("hardwareConcurrency", json!(4)),
            ("languages", json!(["de-DE"])),
            ("timezone", json!("UTC")),
            ("platform", json!("Win32")),
        ] {
            let mut p = honest();
            p["worker"][field] = value;
            assert_eq!(reasons(p), ["BOT_CONTEXT_MISMATCH"], "{field}");
        }
    }

    #[test]
    fn an_iframe_that_disagrees_with_the_window_is_a_context_mismatch() {
        let mut p = honest();
        p["iframe"]["userAgent"] = json!(FIREFOX_WINDOWS);
        assert_eq!(reasons(p), ["BOT_CONTEXT_MISMATCH"]);
    }

    #[test]
    fn a_context_that_failed_is_not_compared() {
        let mut p = honest();
        p["worker"] = json!({"error": "timeout"});
        p["iframe"] = json!({"error": "unsupported"});
        assert!(reasons(p).is_empty());
    }

    #[test]
    fn a_user_agent_naming_another_os_than_the_platform_is_a_platform_mismatch() {
        let mut p = honest();
        let spoofed = CHROME_LINUX.replace("X11; Linux x86_64", "Windows NT 10.0; Win64; x64");
        for ctx in ["window", "iframe", "worker"] {
            p[ctx]["userAgent"] = json!(spoofed);
        }
        assert_eq!(reasons(p), ["BOT_PLATFORM_MISMATCH"]);
    }

    #[test]
    fn an_android_emulator_is_named_and_an_arm_phone_is_not() {
        let emulator_ua = "Mozilla/5.0 (Linux; Android 14; sdk_gphone64_x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        let phone_ua = "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
        let check = |ua: &str, platform: &str, renderer: &str| {
            let p = Payload::new(json!({"window": {
                "userAgent": ua, "platform": platform, "webglRenderer": renderer}}));
            let agent = Agent {
                raw: ua,
                parsed: crate::intel::user_agent::parse(ua),
            };
            android_emulator(&p, &agent)
        };
        assert!(check(emulator_ua, "Linux aarch64", "Adreno (TM) 740"));
        assert!(check(phone_ua, "Linux x86_64", "Mali-G68"));
        assert!(check(
            phone_ua,
            "Linux armv81",
            "Android Emulator OpenGL ES Translator (Google SwiftShader)"
        ));
        assert!(!check(phone_ua, "Linux armv81", "Mali-G68"));
        // A desktop Linux browser on x86 is no phone.
        let desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert!(!check(
            desktop,
            "Linux x86_64",
            "Mesa Intel(R) UHD Graphics"
        ));
    }

    #[test]
    fn android_and_chromeos_report_a_linux_platform_honestly() {
        assert!(os_compatible("Android", "Linux"));
        assert!(os_compatible("ChromeOS", "Linux"));
        assert!(!os_compatible("Windows", "Linux"));
        assert_eq!(platform_os("Linux armv8l"), Some("Linux"));
        assert_eq!(platform_os("MacIntel"), Some("macOS"));
        assert_eq!(platform_os("Chrome OS"), Some("ChromeOS"));
        assert_eq!(platform_os("FreeBSD amd64"), None);
    }

    #[test]
    fn client_hints_with_a_firefox_agent_are_an_engine_mismatch() {
        let mut p = honest();
        for ctx in ["window", "iframe", "worker"] {
            p[ctx]["userAgent"] =
                json!(FIREFOX_WINDOWS.replace("Windows NT 10.0; Win64; x64", "X11; Linux x86_64"));
        }
        assert_eq!(reasons(p), ["BOT_ENGINE_MISMATCH"]);
    }

    #[test]
    fn client_hints_of_another_chromium_version_or_mobility_are_an_engine_mismatch() {
        let mut p = honest();
        p["window"]["uaData"]["brands"][0]["version"] = json!("120");
        assert_eq!(reasons(p), ["BOT_ENGINE_MISMATCH"]);
        let mut p = honest();
        p["window"]["uaData"]["mobile"] = json!(true);
        assert_eq!(reasons(p), ["BOT_ENGINE_MISMATCH"]);
    }

    #[test]
    fn a_javascript_engine_other_than_the_agents_is_an_engine_mismatch() {
        let mut p = honest();
        p["window"]["evalLength"] = json!(37);
        assert_eq!(
            reasons(p),
            ["BOT_ENGINE_MISMATCH"],
            "Chrome agent, non-V8 engine"
        );
        let mut p = honest();
        p["window"]["evalLength"] = json!(33);
        assert!(reasons(p).is_empty(), "Chrome agent, V8");
        let firefox = json!({"window": {"userAgent": FIREFOX_WINDOWS, "platform": "Win32", "evalLength": 33}});
        assert_eq!(
            reasons(firefox),
            ["BOT_ENGINE_MISMATCH"],
            "Firefox agent, V8"
        );
        let firefox = json!({"window": {"userAgent": FIREFOX_WINDOWS, "platform": "Win32", "evalLength": 37}});
        assert!(reasons(firefox).is_empty(), "Firefox agent, its own engine");
    }

    #[test]
    fn hardware_no_device_reports_is_impossible() {
        for (path, value) in [
            ("hardwareConcurrency", json!(0)),
            ("deviceMemory", json!(3)),
            ("deviceMemory", json!(64)),
        ] {
            let mut p = honest();
            p["window"][path] = value;
            for ctx in ["iframe", "worker"] {
                p[ctx][path] = p["window"][path].clone();
            }
            let r = reasons(p);
            assert_eq!(r, ["BOT_IMPOSSIBLE_HARDWARE"], "{path}");
        }
        let mut p = honest();
        p["window"]["screen"]["availWidth"] = json!(4000);
        assert_eq!(reasons(p), ["BOT_IMPOSSIBLE_HARDWARE"]);
        let mut p = honest();
        p["window"]["deviceMemory"] = json!(0.5);
        assert!(reasons(p).is_empty(), "0.5 GB is a real low-end phone");
    }

    #[test]
    fn a_software_renderer_is_weak_evidence() {
        let mut p = honest();
        p["window"]["webglRenderer"] = json!("ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)");
        p["worker"]["webglRenderer"] = p["window"]["webglRenderer"].clone();
        let v = evaluate(&Payload::new(p));
        assert_eq!(v.reasons, ["BOT_SOFTWARE_RENDERER"]);
        assert!(!v.automated && !v.tampered);
    }
}
