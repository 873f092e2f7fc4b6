//! The raw signal payload of `POST /session`: a JSON object of at most 64 KB, as the npm
//! package's `collect()` makes it (`js/collect.js`). Every part is optional and read leniently:
//! a missing part, a wrong type, or a collection failure such as `{"error": "timeout"}` all read
//! as "unknown". This comment is the contract between the two sides.
//!
//! ```json
//! {
//!   "v": 2,
//!   "nonce": "single-use value from POST /session/nonce (optional unless the project requires it)",
//!   "browser_id": "random first-party id kept in localStorage",
//!   "window": {
//!     "userAgent": "…", "platform": "Linux x86_64", "vendor": "Google Inc.",
//!     "languages": ["en-US", "en"], "timezone": "Europe/Paris",
//!     "hardwareConcurrency": 8, "deviceMemory": 8,
//!     "webdriver": false,            // navigator.webdriver
//!     "webdriverPresent": true,      // 'webdriver' in navigator (every current engine has it)
//!     "evalLength": 33,              // eval.toString().length: 33 in V8, 37 elsewhere
//!     "webglVendor": "Google Inc. (Intel)", "webglRenderer": "ANGLE (…)",
//!     "screen": { "width": 1920, "height": 1080, "colorDepth": 24,
//!                 "availWidth": 1920, "availHeight": 1050 },
//!     "viewport": { "width": 1280, "height": 913, "outerWidth": 1280, "outerHeight": 1050,
//!                   "displayMode": "browser" },   // innerWidth…, the (display-mode: …) that matches
//!     "uaData": { "brands": [{ "brand": "Chromium", "version": "156" }], "mobile": false,
//!                 "platform": "Linux" },           // navigator.userAgentData (Chromium only)
//!     "automation": ["__pwInitScripts"],           // automation-framework globals found
//!     "cdp": false,                                // a DevTools Protocol client serialised an Error
//!     "lies": ["Navigator.hardwareConcurrency"]    // native getters/functions that failed integrity
//!   },
//!   "iframe": { "userAgent": "…", "platform": "…", "languages": […], "hardwareConcurrency": 8,
//!               "timezone": "…", "webdriver": false },
//!   "worker": { "userAgent": "…", "platform": "…", "languages": […], "hardwareConcurrency": 8,
//!               "timezone": "…", "webglRenderer": "…" },
//!   "frame": {                       // a hidden data: iframe (opaque origin, so cross-site)
//!     "timers": "throttled",         // its chained setTimeout(0) held to a wake-up a second, or "free"
//!     "storage": "partitioned"       // localStorage of a frame of the page's origin inside it:
//!   },                               // its own partition, "shared" with the page, or "denied"
//!   "behavior": { "mouse": 12, "click": 2, "keyboard": 30, "touch": 0, "clipboard": 0 }
//! }
//! ```
//!
//! Any source or probe that could not be read is `{"error": "unsupported" | "threw" | "timeout"}`
//! instead of its value; "threw" also stands for a value no browser API returns (a function, a
//! cycle, a BigInt). The package cuts strings to 1,024 characters and lists to 64 items. `lies` names each checked getter or function as `Interface.member`
//! (`Navigator.webdriver`, `WebGLRenderingContext.getParameter`, `Function.toString`), or
//! `navigator.<name>` for a property defined on the `navigator` object itself.

use serde_json::Value;

/// The browser id must look like one the package made: short and printable.
const MAX_BROWSER_ID: usize = 64;

/// The three places the page reads the same facts from. A browser tells all three the same
/// thing; a patched page or a spoofing tool often forgets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Window,
    Iframe,
    Worker,
}

impl Context {
    pub const ALL: [Context; 3] = [Context::Window, Context::Iframe, Context::Worker];

    fn key(self) -> &'static str {
        match self {
            Context::Window => "window",
            Context::Iframe => "iframe",
            Context::Worker => "worker",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload(Value);

/// One context's object (`window`, `iframe` or `worker`); nothing when it failed or is absent.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a>(Option<&'a serde_json::Map<String, Value>>);

impl<'a> Scope<'a> {
    pub fn str(&self, field: &str) -> Option<&'a str> {
        self.0?.get(field)?.as_str()
    }

    pub fn bool(&self, field: &str) -> Option<bool> {
        self.0?.get(field)?.as_bool()
    }

    pub fn u32(&self, field: &str) -> Option<u32> {
        self.0?
            .get(field)?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
    }

    pub fn f64(&self, field: &str) -> Option<f64> {
        self.0?.get(field)?.as_f64()
    }

    pub fn object(&self, field: &str) -> Scope<'a> {
        Scope(self.0.and_then(|m| m.get(field)?.as_object()))
    }

    /// The strings of an array field; names that are not strings are skipped.
    pub fn strings(&self, field: &str) -> Vec<&'a str> {
        match self.0.and_then(|m| m.get(field)) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// The objects of an array field (`uaData.brands`); other elements are skipped.
    pub fn objects(&self, field: &str) -> Vec<Scope<'a>> {
        match self.0.and_then(|m| m.get(field)) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_object)
                .map(|m| Scope(Some(m)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the field holds an array (an empty list is an answer, a failure is not).
    pub fn has_list(&self, field: &str) -> bool {
        matches!(self.0.and_then(|m| m.get(field)), Some(Value::Array(_)))
    }

    pub fn is_known(&self) -> bool {
        self.0.is_some_and(|m| !m.contains_key("error"))
    }
}

impl Payload {
    pub fn new(v: Value) -> Payload {
        Payload(v)
    }

    pub fn raw(&self) -> &Value {
        &self.0
    }

    /// A context's object, unless it is missing, mistyped or a collection failure.
    pub fn scope(&self, ctx: Context) -> Scope<'_> {
        let obj = self.0.get(ctx.key()).and_then(Value::as_object);
        Scope(obj.filter(|m| !m.contains_key("error")))
    }

    pub fn window(&self) -> Scope<'_> {
        self.scope(Context::Window)
    }

    /// The hidden cross-site frame's answers, unless it failed as a whole or is absent.
    pub fn frame(&self) -> Scope<'_> {
        let obj = self.0.get("frame").and_then(Value::as_object);
        Scope(obj.filter(|m| !m.contains_key("error")))
    }

    pub fn nonce(&self) -> Option<&str> {
        self.0.get("nonce")?.as_str()
    }

    pub fn browser_id(&self) -> Option<&str> {
        self.0.get("browser_id")?.as_str().filter(|s| {
            !s.is_empty()
                && s.len() <= MAX_BROWSER_ID
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.window().str("userAgent")
    }

    pub fn webdriver(&self) -> Option<bool> {
        self.window().bool("webdriver")
    }

    pub fn timezone(&self) -> Option<&str> {
        self.window().str("timezone")
    }

    pub fn languages(&self) -> Vec<&str> {
        self.window().strings("languages")
    }

    pub fn hardware_concurrency(&self) -> Option<u32> {
        self.window().u32("hardwareConcurrency")
    }

    pub fn device_memory(&self) -> Option<f64> {
        self.window().f64("deviceMemory")
    }

    pub fn webgl_renderer(&self) -> Option<&str> {
        self.window().str("webglRenderer")
    }

    pub fn screen(&self) -> (Option<u32>, Option<u32>) {
        let s = self.window().object("screen");
        (s.u32("width"), s.u32("height"))
    }

    /// The getters and functions the page found patched (`Interface.member`).
    pub fn lies(&self) -> Vec<&str> {
        self.window().strings("lies")
    }

    /// Behavioural counts: mouse, click, keyboard, touch, clipboard.
    pub fn behavior(&self, kind: &str) -> u32 {
        Scope(self.0.get("behavior").and_then(Value::as_object))
            .u32(kind)
            .unwrap_or(0)
    }
}
