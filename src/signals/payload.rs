//! The raw signal payload of `POST /session`: a JSON object of at most 64 KB. Every part is
//! optional and read leniently: a missing part, a wrong type, or a collection failure such as
//! `{"error": "unsupported"}` all read as "unknown".
//!
//! ```json
//! {
//!   "browser_id": "random first-party id kept in localStorage",
//!   "window": {
//!     "userAgent": "…", "platform": "Linux x86_64", "languages": ["en-US", "en"],
//!     "timezone": "Europe/Paris", "hardwareConcurrency": 8, "deviceMemory": 8,
//!     "webdriver": false, "webglRenderer": "ANGLE (…)",
//!     "screen": { "width": 1920, "height": 1080, "colorDepth": 24 }
//!   },
//!   "behavior": { "mouse": 12, "click": 2, "keyboard": 30, "touch": 0, "clipboard": 0 }
//! }
//! ```

use serde_json::Value;

/// The browser id must look like one the package made: short and printable.
const MAX_BROWSER_ID: usize = 64;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload(Value);

impl Payload {
    pub fn new(v: Value) -> Payload {
        Payload(v)
    }

    pub fn raw(&self) -> &Value {
        &self.0
    }

    fn at(&self, path: &str) -> Option<&Value> {
        self.0.pointer(path)
    }

    fn str_at(&self, path: &str) -> Option<&str> {
        self.at(path)?.as_str()
    }

    fn u32_at(&self, path: &str) -> Option<u32> {
        self.at(path)?.as_u64().and_then(|n| u32::try_from(n).ok())
    }

    pub fn browser_id(&self) -> Option<&str> {
        self.str_at("/browser_id").filter(|s| {
            !s.is_empty()
                && s.len() <= MAX_BROWSER_ID
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.str_at("/window/userAgent")
    }

    pub fn webdriver(&self) -> Option<bool> {
        self.at("/window/webdriver")?.as_bool()
    }

    pub fn timezone(&self) -> Option<&str> {
        self.str_at("/window/timezone")
    }

    pub fn languages(&self) -> Vec<&str> {
        match self.at("/window/languages") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn hardware_concurrency(&self) -> Option<u32> {
        self.u32_at("/window/hardwareConcurrency")
    }

    pub fn device_memory(&self) -> Option<f64> {
        self.at("/window/deviceMemory")?.as_f64()
    }

    pub fn webgl_renderer(&self) -> Option<&str> {
        self.str_at("/window/webglRenderer")
    }

    pub fn screen(&self) -> (Option<u32>, Option<u32>) {
        (
            self.u32_at("/window/screen/width"),
            self.u32_at("/window/screen/height"),
        )
    }

    /// Behavioural counts: mouse, click, keyboard, touch, clipboard.
    pub fn behavior(&self, kind: &str) -> u32 {
        self.u32_at(&format!("/behavior/{kind}")).unwrap_or(0)
    }

    /// The components of the device id, by name; empty strings for unknown parts.
    pub fn stable_components(&self) -> Vec<(&'static str, String)> {
        let (w, h) = self.screen();
        let show = |o: Option<u32>| o.map(|n| n.to_string()).unwrap_or_default();
        vec![
            (
                "platform",
                self.str_at("/window/platform").unwrap_or("").to_string(),
            ),
            (
                "screen",
                match (w, h) {
                    (Some(w), Some(h)) => format!("{w}x{h}"),
                    _ => String::new(),
                },
            ),
            (
                "color_depth",
                show(self.u32_at("/window/screen/colorDepth")),
            ),
            ("cores", show(self.hardware_concurrency())),
            (
                "memory",
                self.device_memory()
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            ),
            // Not the time zone: a traveller's laptop follows the local clock and is the same
            // device abroad.
            ("languages", self.languages().join(",")),
            ("webgl", self.webgl_renderer().unwrap_or("").to_string()),
        ]
    }
}
