//! The reason catalogue: every code a score can carry, what it means and what to do about it.
//! `docs/reasons.md` is generated from this table and a test keeps the two equal.

/// Which score a reason feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Bot,
    MultipleAccounts,
    RiskSignals,
    Takeover,
    Decision,
}

impl Component {
    pub fn name(self) -> &'static str {
        match self {
            Component::Bot => "bot",
            Component::MultipleAccounts => "multiple_accounts",
            Component::RiskSignals => "risk_signals",
            Component::Takeover => "account_takeover",
            Component::Decision => "decision",
        }
    }
}

/// How heavily one reason moves its score (tirreno's weight classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightClass {
    Override,
    Extreme,
    High,
    Medium,
    Low,
}

impl WeightClass {
    pub fn name(self) -> &'static str {
        match self {
            WeightClass::Override => "override",
            WeightClass::Extreme => "extreme",
            WeightClass::High => "high",
            WeightClass::Medium => "medium",
            WeightClass::Low => "low",
        }
    }
}

pub struct ReasonInfo {
    pub code: &'static str,
    pub component: Component,
    pub class: WeightClass,
    pub meaning: &'static str,
    pub action: &'static str,
}

use Component::*;
use WeightClass::*;

pub const CATALOGUE: &[ReasonInfo] = &[
    ReasonInfo {
        code: "BOT_WEBDRIVER",
        component: Bot,
        class: Extreme,
        meaning: "The browser reported navigator.webdriver = true: it is driven by WebDriver, Playwright or Puppeteer.",
        action: "Block sign-up or require a challenge; legitimate users never browse this way.",
    },
    ReasonInfo {
        code: "BOT_HEADLESS_UA",
        component: Bot,
        class: High,
        meaning: "The browser's user agent names a headless browser (HeadlessChrome).",
        action: "Treat as automation unless the client is a known, allowed integration.",
    },
    ReasonInfo {
        code: "BOT_CRAWLER_UA",
        component: Bot,
        class: Extreme,
        meaning: "The request's User-Agent header is on the crawler-user-agents list: a crawler, scanner or HTTP library (curl, python-requests …) declaring itself.",
        action: "Refuse account actions from it; a real browser never sends these agents.",
    },
    ReasonInfo {
        code: "BOT_AUTOMATION_GLOBALS",
        component: Bot,
        class: Extreme,
        meaning: "The page found globals an automation framework leaves behind: Playwright's init scripts or binding, ChromeDriver's cdc_ keys, Selenium, PhantomJS or Nightmare objects.",
        action: "Block sign-up or require a challenge.",
    },
    ReasonInfo {
        code: "BOT_CDP",
        component: Bot,
        class: High,
        meaning: "A Chrome DevTools Protocol client with the Runtime domain enabled serialised an error the page logged: how Puppeteer, Playwright and CDP-only drivers (nodriver) work. An open DevTools window does the same.",
        action: "Require a challenge; a developer testing the page shows it too.",
    },
    ReasonInfo {
        code: "BOT_WEBDRIVER_HIDDEN",
        component: Bot,
        class: High,
        meaning: "navigator.webdriver was deleted or its getter overridden: every current engine has the property, and only stealth tooling hides it. The getter is judged by its own engine's native shape (V8 prints `function get webdriver() { [native code] }` on one line, SpiderMonkey the same on three lines and without `get `), so plain Chromium and Firefox pass. A real user trips it only with an extension that redefines navigator.webdriver. Also marks the session tampered (device_risk).",
        action: "Treat as automation hiding itself: block or challenge.",
    },
    ReasonInfo {
        code: "BOT_NATIVE_TAMPERED",
        component: Bot,
        class: Medium,
        meaning: "Native getters or functions (navigator, screen, WebGL, canvas, Function.toString) were replaced by script or proxies, or navigator carries properties of its own. Stealth plugins do this. A real user trips it with an anti-fingerprinting or user-agent-switcher extension that rewrites these getters (canvas and WebGL blockers, spoofed platform or core count); plain browsers do not, each judged by its own engine's native function text. Marks the session tampered (device_risk).",
        action: "Nothing alone; with other evidence, challenge.",
    },
    ReasonInfo {
        code: "BOT_PROBE_THREW",
        component: Bot,
        class: Medium,
        meaning: "Reading a plain browser fact in the page threw (navigator's agent, platform, languages, core count or webdriver, the time zone, the screen, eval's text, the globals or integrity checks): real engines answer these or lack them, and never throw; a page whose APIs were replaced by injected code does. The package still posted the session, with {\"error\": \"threw\"} where it happened. Probes real browsers can fail (WebGL, the worker under a Content-Security-Policy, the iframe, the DevTools probe, client hints) are not counted. A real user trips it only with an extension that replaces these getters with ones that throw. Marks the session tampered (device_risk).",
        action: "Nothing alone; with other evidence, challenge.",
    },
    ReasonInfo {
        code: "BOT_CONTEXT_MISMATCH",
        component: Bot,
        class: Medium,
        meaning: "The window, a same-origin iframe and a worker disagree on the user agent, platform, languages, core count or time zone: one of them was patched. Marks the session tampered (device_risk).",
        action: "Nothing alone (user-agent switcher extensions do it); weighs with other evidence.",
    },
    ReasonInfo {
        code: "BOT_PLATFORM_MISMATCH",
        component: Bot,
        class: Medium,
        meaning: "The user agent's operating system is not the one navigator.platform or the client hints name: the agent string was spoofed. Marks the session tampered (device_risk).",
        action: "Nothing alone; weighs with other evidence.",
    },
    ReasonInfo {
        code: "BOT_ENGINE_MISMATCH",
        component: Bot,
        class: Medium,
        meaning: "Client hints contradict the user agent: a Firefox or Safari agent with Chromium's hints, another Chromium version, or another mobility. Marks the session tampered (device_risk).",
        action: "Nothing alone; weighs with other evidence.",
    },
    ReasonInfo {
        code: "BOT_IMPOSSIBLE_HARDWARE",
        component: Bot,
        class: Medium,
        meaning: "Hardware values no real device reports: no cores or more than 256, a memory size that is not a power of two from 0.25 to 32 GB, a screen side of 0 or over 16,384 pixels, or an available area larger than the screen. Marks the session tampered (device_risk).",
        action: "Challenge before sign-up.",
    },
    ReasonInfo {
        code: "BOT_EMULATOR",
        component: Bot,
        class: Medium,
        meaning: "An Android browser running on an emulator: the emulator's model name in the user agent (sdk_gphone…, Android SDK built for x86), its GPU translator (\"Android Emulator OpenGL ES Translator\") or x86 hardware in navigator.platform. Phones are ARM; the Android Emulator, Genymotion, BlueStacks and Waydroid that device farms run are x86. A developer testing a site in the emulator, or someone playing a phone game in BlueStacks, trips it.",
        action: "Challenge before sign-up; review accounts that share the emulator's address or arrived with it.",
    },
    ReasonInfo {
        code: "BOT_SOFTWARE_RENDERER",
        component: Bot,
        class: Low,
        meaning: "WebGL is drawn by a CPU rasteriser (SwiftShader, llvmpipe; Firefox reports \"llvmpipe, or similar\"): headless browsers and servers without a GPU, but real users trip it too, in virtual machines, remote desktops, and on Linux desktops without GPU drivers. Weak evidence: never automation alone nor with any one other check weaker than automation.",
        action: "Nothing alone.",
    },
    ReasonInfo {
        code: "BOT_TIMERS_UNTHROTTLED",
        component: Bot,
        class: Medium,
        meaning: "In Chromium (a V8 engine), the package's hidden cross-site frame ran chained timers freely: every Chromium holds a hidden cross-origin frame's timers to one wake-up a second, unless it was started with --disable-background-timer-throttling, which Playwright passes and patchright and rebrowser-playwright keep, headful or headless. Judged after the page has rendered (until then Chromium runs them free too). A real user trips it when the page plays audio, in a Chromium started with that switch (some kiosks and launchers), or in an app embedding Chromium with background throttling off (Electron's backgroundThrottling: false). Firefox runs such timers free and is not judged.",
        action: "Nothing alone; with another launch or automation reason, treat as automation.",
    },
    ReasonInfo {
        code: "BOT_STORAGE_UNPARTITIONED",
        component: Bot,
        class: Medium,
        meaning: "In Chromium 115 or later (a V8 engine), a frame of the page's own origin under the package's hidden cross-site frame was given the page's own storage, or refused any: Chromium gives such a frame a storage partition of its own for every user since version 115, unless it was started with --disable-features=ThirdPartyStoragePartitioning, which Playwright passes and patchright and rebrowser-playwright keep. A real user trips it only where an administrator turned partitioning off (the DefaultThirdPartyStoragePartitioningSetting or ThirdPartyStoragePartitioningBlockedForOrigins policies, versions 115 to 145) or Chromium was started with that feature disabled. Older Chromium and Firefox (which partitions too) are not judged; cookies blocked altogether leave nothing to compare.",
        action: "Nothing alone; with another launch or automation reason, treat as automation.",
    },
    ReasonInfo {
        code: "BOT_VIEWPORT_EMULATED",
        component: Bot,
        class: Medium,
        meaning: "The page's viewport is exactly the size of the screen while the window has a frame around it and the browser is not fullscreen: the screen was emulated to the viewport's size, as Playwright does by default (1280x720, patchright and rebrowser-playwright included, headful too; `viewport: null` turns it off). Fullscreen and kiosk windows say so (display-mode: fullscreen); Firefox's resistFingerprinting and Brave report the window's size as the screen with no frame around the viewport, and do not trip it. A developer with the browser's device emulation on does.",
        action: "Nothing alone; weighs with other evidence.",
    },
    ReasonInfo {
        code: "MULTI_SHARED_BROWSER",
        component: MultipleAccounts,
        class: High,
        meaning: "Another account of the project has used the same browser (same first-party browser id).",
        action: "Review the linked accounts (GET /account/{id}/accounts-linked); put the legitimate one in main_account.",
    },
    ReasonInfo {
        code: "MULTI_SHARED_EMAIL",
        component: MultipleAccounts,
        class: High,
        meaning: "Another account of the project uses the same mailbox once normalised (case, Gmail dots, +tags): as deterministic as a shared browser, since the provider delivers every such spelling to one inbox and whoever reads it can reset every account on it. Two or three accounts on one mailbox (a family) stay Real; four or more are Suspicious on it alone (an alias ring).",
        action: "Review the linked accounts: one mailbox behind several accounts is one person; put the legitimate one in main_account.",
    },
    ReasonInfo {
        code: "MULTI_SHARED_DEVICE",
        component: MultipleAccounts,
        class: Medium,
        meaning: "Another account of the project has used a device with the same fingerprint; the link is as strong as the fingerprint is rare in the project's population, counted whole and by its components (a popular phone model or a company's identical laptops link weakly, and never carry a cluster incident).",
        action: "Review the linked accounts; many accounts on one rare device is a device farm.",
    },
    ReasonInfo {
        code: "MULTI_DEVICE_BURST",
        component: MultipleAccounts,
        class: High,
        meaning: "Other accounts first appeared on this device fingerprint within six hours of this one, more than the fingerprint's own past arrival rate explains (a Poisson tail under 1 in 1,000; src/engine/arrivals.rs): a farm that clears storage between accounts, even on a popular phone model. Counts while the account is younger than a week; judged once the project's population index spans a week (before, a device fingerprint is only as rare as the accounts already showing it). A team handed identical laptops on the same morning can trip it.",
        action: "Review the accounts that arrived together; hold sensitive actions of new accounts in the burst.",
    },
    ReasonInfo {
        code: "MULTI_SHARED_NETWORK",
        component: MultipleAccounts,
        class: Low,
        meaning: "Another account used the same IP address within the hour. Weak and capped: offices and mobile carriers put many people behind one address.",
        action: "Nothing alone; weighs with the other links.",
    },
    ReasonInfo {
        code: "RISK_DEVICE_RISK",
        component: RiskSignals,
        class: High,
        meaning: "The session's browser lies about itself (device_risk): one of the bot reasons that mark tampering fired (BOT_WEBDRIVER_HIDDEN, BOT_NATIVE_TAMPERED, BOT_PROBE_THREW, BOT_CONTEXT_MISMATCH, BOT_PLATFORM_MISMATCH, BOT_ENGINE_MISMATCH, BOT_IMPOSSIBLE_HARDWARE). Automation alone is the bot score's evidence and is not counted here again.",
        action: "Add friction (second factor, challenge) before sensitive actions.",
    },
    ReasonInfo {
        code: "RISK_IMPOSSIBLE_TRAVEL",
        component: RiskSignals,
        class: High,
        meaning: "The session is over 500 km from the account's previous one, reached faster than 1,000 km/h (src/engine/travel.rs).",
        action: "Treat as a possible takeover: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "RISK_TOR",
        component: RiskSignals,
        class: High,
        meaning: "The session came from a Tor exit node.",
        action: "Add friction; block sensitive actions from Tor if your users do not need it.",
    },
    ReasonInfo {
        code: "RISK_DATACENTER",
        component: RiskSignals,
        class: Medium,
        meaning: "The session's IP belongs to a cloud or hosting provider's published ranges: people browse from homes and phones, scripts from servers.",
        action: "Add friction at sign-up; allow known integrations by account.",
    },
    ReasonInfo {
        code: "RISK_FAMILIAR_NETWORK",
        component: RiskSignals,
        class: Low,
        meaning: "The account's datacenter, VPN or proxy signals count at a fifth on a network it has used on seven or more days, first two weeks ago or more (a corporate VPN on cloud egress): carries no weight itself, it says why those signals weigh less (src/engine/familiar.rs).",
        action: "Nothing; a new account or a network used only lately gets no such discount.",
    },
    ReasonInfo {
        code: "RISK_VPN",
        component: RiskSignals,
        class: Low,
        meaning: "The session's IP belongs to a commercial VPN provider's ranges.",
        action: "Nothing alone: many careful people use VPNs.",
    },
    ReasonInfo {
        code: "RISK_PROXY",
        component: RiskSignals,
        class: Low,
        meaning: "The session's IP is a privacy relay's or a CDN's egress (Apple iCloud Private Relay, Cloudflare WARP): one step removed from the user.",
        action: "Nothing alone: the relay is on by default for many Apple users.",
    },
    ReasonInfo {
        code: "RISK_DEVICE_NETWORK_MISMATCH",
        component: RiskSignals,
        class: Low,
        meaning: "The browser's time zone is not used in the IP's country (strong when no zone there has its UTC offset), or none of its languages is spoken there (src/engine/network.rs).",
        action: "Nothing alone: VPN users and expats show it; weighs with a takeover or a new device.",
    },
    ReasonInfo {
        code: "RISK_RECENT_FRAUD_IP",
        component: RiskSignals,
        class: High,
        meaning: "Within the last 7 days another account of the project on this IP was decided Fake (or blocked).",
        action: "Review the session; a shared office or carrier address can carry one fraudster among many people.",
    },
    ReasonInfo {
        code: "RISK_EMAIL_DISPOSABLE",
        component: RiskSignals,
        class: High,
        meaning: "The account's e-mail domain is a disposable-mail service (disposable-email-domains list).",
        action: "Ask for a permanent address before granting anything of value.",
    },
    ReasonInfo {
        code: "RISK_EMAIL_INVALID",
        component: RiskSignals,
        class: Medium,
        meaning: "The account's e-mail is not a deliverable address by its syntax.",
        action: "Verify the address.",
    },
    ReasonInfo {
        code: "RISK_EMAIL_MANY_DIGITS",
        component: RiskSignals,
        class: Low,
        meaning: "The address's local part has five or more digits, common in generated addresses.",
        action: "Nothing alone; weighs with other signals.",
    },
    ReasonInfo {
        code: "RISK_EMAIL_ALIAS",
        component: RiskSignals,
        class: Low,
        meaning: "The address carries a +tag sub-address.",
        action: "Nothing alone; aliases of one mailbox also link accounts (MULTI_SHARED_EMAIL).",
    },
    ReasonInfo {
        code: "ATO_NEW_COUNTRY",
        component: Takeover,
        class: High,
        meaning: "The session shows a country the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_NEW_NETWORK",
        component: Takeover,
        class: Medium,
        meaning: "The session shows a network (autonomous system) the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_NEW_IP",
        component: Takeover,
        class: Low,
        meaning: "The session shows an IP address the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_NEW_DEVICE",
        component: Takeover,
        class: High,
        meaning: "The session shows a device fingerprint the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_NEW_BROWSER",
        component: Takeover,
        class: Medium,
        meaning: "The session shows a browser family the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_NEW_OS",
        component: Takeover,
        class: Medium,
        meaning: "The session shows an operating system the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_UNUSUAL_HOUR",
        component: Takeover,
        class: Low,
        meaning: "The session shows a time of day (six-hour block, UTC) the account never showed before; its weight is what this novelty alone puts on account_takeover (src/engine/takeover.rs: likelihood ratio against the account's history and the project's population).",
        action: "Several together on an established account: step-up authentication before sensitive actions.",
    },
    ReasonInfo {
        code: "ATO_NEW_DEVICE_AND_IP",
        component: Takeover,
        class: High,
        meaning: "The device and the address were both new to the account (its network, country, browser and hour are what an attacker copies at will): nothing the owner has shown was present, so the takeover score is at least 0.5, a step-up. An attacker on the victim's own provider shows this, and so does the owner's new phone away from home.",
        action: "Ask for a second factor and report the outcome (POST /event challenge_succeeded or challenge_failed with the session id): a pass makes the device the owner's.",
    },
    ReasonInfo {
        code: "ATO_VELOCITY",
        component: Takeover,
        class: High,
        meaning: "More than three other accounts were seen, or failed to log in, within the hour on the session's IP or newly on its device, or the account itself failed more than five logins within the hour: credential stuffing and guessing multiply the takeover likelihood.",
        action: "Rate-limit logins from the address or device; require a second factor.",
    },
    ReasonInfo {
        code: "ATO_LATEST_SESSION",
        component: Takeover,
        class: High,
        meaning: "The account view (GET /account/{id}) without a session being authenticated: account_takeover is the score the account's latest session got when it was authenticated, since whoever logged in last holds the account now. Its weight is that score; the session's own ATO_* reasons were on its authenticate response.",
        action: "Look at the latest session (GET /account/{id}/sessions, GET /session/{id}) and the account's pending incidents; end that session or ask for a second factor if it was not the owner.",
    },
    ReasonInfo {
        code: "ATO_CREDENTIAL_CHANGE",
        component: Takeover,
        class: High,
        meaning: "A password change, e-mail change or disabled second factor (POST /event) followed within a day a login that scored ≥ 0.25 as someone else's: the takeover flow. Weighs on the account for seven days after the change.",
        action: "Confirm the change through the account's previous e-mail or phone; send feedback (update_status) if it was the owner.",
    },
    ReasonInfo {
        code: "ATO_CHALLENGE_FAILED",
        component: Takeover,
        class: High,
        meaning: "The application reported a failed second factor (POST /event challenge_failed) on a login that scored ≥ 0.25 as someone else's, or came from a device and an address both new to the account: whoever logged in holds the password. Named on the takeover incident it opens; a later challenge_succeeded on the same login closes it.",
        action: "Have the owner change the password through the account's e-mail or phone; the second factor held.",
    },
    ReasonInfo {
        code: "ATO_STEP_UP",
        component: Decision,
        class: Override,
        meaning: "The account score reached the Fake threshold on the takeover alone (no velocity, and bot, multiple accounts and risk signals together under the Suspicious threshold): a real account that may be in someone else's hands, or its owner on a new device and network, is decided Suspicious, not Fake.",
        action: "Ask for a second factor before letting the session in or doing anything sensitive; the owner passes it, an attacker with only the password does not.",
    },
    ReasonInfo {
        code: "LIST_ALLOW",
        component: Decision,
        class: Override,
        meaning: "The account is in the allow list, which forces the decision to Real.",
        action: "Nothing; remove it from the list to let the scores decide again.",
    },
    ReasonInfo {
        code: "LIST_BLOCK",
        component: Decision,
        class: Override,
        meaning: "The account is in the block list, which forces the decision to Fake.",
        action: "Nothing; remove it from the list to let the scores decide again.",
    },
    ReasonInfo {
        code: "LIST_MAIN_ACCOUNT",
        component: MultipleAccounts,
        class: Override,
        meaning: "The account is in the main_account list, which sets multiple_accounts to 0.",
        action: "Nothing; its linked accounts still see the link.",
    },
    ReasonInfo {
        code: "RULE",
        component: Decision,
        class: Override,
        meaning: "One of the project's own rules (PUT /rules/{name}) matched and acted; the reason names it in `rule`. Its `score` is the score it moved (`weight` the amount added, -1..1) or `decision` (weight 1 when it set the decision, 0 when it only added lists or opened an incident). `rules.engine_decision` in the same answer is what the engine alone decided.",
        action: "Read the rule (GET /rules/{name}); backtest it against analysts' feedback (POST /rules/{name}/backtest) before trusting it further.",
    },
];

/// The catalogue entry of `code`.
pub fn lookup(code: &str) -> Option<&'static ReasonInfo> {
    CATALOGUE.iter().find(|r| r.code == code)
}

/// `docs/reasons.md`, rendered from [`CATALOGUE`].
pub fn markdown() -> String {
    let mut s = String::from(
        "# Reason codes\n\nGenerated from `src/engine/reasons.rs` by `cargo test` (set `UPDATE_DOCS=1` to rewrite).\n\
         Every non-zero contribution to a score carries one of these codes in `reasons[]`.\n\n\
         | code | score | weight class | meaning | what to do |\n|---|---|---|---|---|\n",
    );
    for r in CATALOGUE {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.code,
            r.component.name(),
            r.class.name(),
            r.meaning,
            r.action
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        for (i, r) in CATALOGUE.iter().enumerate() {
            assert!(
                CATALOGUE[i + 1..].iter().all(|o| o.code != r.code),
                "{}",
                r.code
            );
        }
    }

    #[test]
    fn docs_reasons_md_matches_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/reasons.md");
        let want = markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/reasons.md is stale: run `UPDATE_DOCS=1 cargo test`"
        );
    }
}
