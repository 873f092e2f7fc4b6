//! The harness of the native API tests: the API over the in-memory store, with a clock and a
//! counter for randomness, as the edge binding would drive it.
#![allow(dead_code)]

use std::cell::Cell;

use edgeward::api::{handle, Caches, Ctx, Random, Request, Response, Settings};
use edgeward::state::counters::{Counters, MemoryCounters};
use edgeward::store::MemoryStore;
use futures::executor::block_on;
use serde_json::{json, Value};

pub const DEMO_SECRET: &str = "sk_test_demo";
pub const DEMO_PUBLIC: &str = "pk_test_demo";
pub const OTHER_SECRET: &str = "sk_test_other";
pub const OTHER_PUBLIC: &str = "pk_test_other";
pub const T0: i64 = 1_780_000_000_000;

pub fn sha(k: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(k.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A request as the edge binding would hand it over: the query apart from the path.
pub fn request(
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> Request {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    Request {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
        ..Request::default()
    }
}

pub struct Counter(pub Cell<u64>);

impl Random for Counter {
    fn bytes16(&self) -> [u8; 16] {
        self.0.set(self.0.get() + 1);
        let mut b = [0u8; 16];
        b[8..].copy_from_slice(&self.0.get().to_be_bytes());
        b
    }
}

pub struct World {
    pub store: MemoryStore,
    pub settings: Result<Settings, String>,
    pub now: Cell<i64>,
    pub random: Counter,
    pub caches: Caches,
    /// The console's counters (a Durable Object in the worker).
    pub counters: MemoryCounters,
}

/// Limits high enough for scenario tests that send thousands of requests in one minute of
/// their clock, as the development projects of wrangler.toml set them.
pub fn high_limits() -> Value {
    json!({"public_per_minute": 1_000_000, "secret_per_minute": 1_000_000})
}

/// The test projects: `demo` (with `demo_extra` merged into it) and `other`, both with
/// [`high_limits`].
pub fn projects(demo_extra: Value) -> Value {
    let mut demo = json!({"id": "demo", "secret_key_sha256": [sha(DEMO_SECRET)],
                          "public_keys": [DEMO_PUBLIC], "allowed_origins": ["https://app.example"],
                          "rate_limits": high_limits()});
    if let (Some(d), Value::Object(extra)) = (demo.as_object_mut(), demo_extra) {
        d.extend(extra);
    }
    json!([demo, {"id": "other", "secret_key_sha256": [sha(OTHER_SECRET)], "public_keys": [OTHER_PUBLIC],
                  "rate_limits": high_limits()}])
}

impl World {
    pub fn new() -> World {
        World::with_projects(projects(Value::Null))
    }

    pub fn with_projects(projects: Value) -> World {
        let store = MemoryStore::new();
        store.set_now(T0);
        World {
            store,
            settings: Settings::parse(Some(&projects.to_string()), true),
            now: Cell::new(T0),
            random: Counter(Cell::new(0)),
            caches: Caches::default(),
            counters: MemoryCounters::default(),
        }
    }

    pub fn at(&self, t: i64) {
        self.now.set(t);
        self.store.set_now(t);
    }

    pub async fn send(&self, req: Request) -> Response {
        let ctx = Ctx {
            store: &self.store,
            settings: &self.settings,
            now: self.now.get(),
            random: &self.random,
            caches: &self.caches,
            limiter: &self.caches.rate_window,
            counters: &self.counters,
            pause: &edgeward::state::isolate::NoPause,
        };
        let resp = handle(&ctx, &req).await;
        // The worker records tallies after the response (`waitUntil`); here, at once.
        for (project, tally) in &resp.tallies {
            let _ = self
                .counters
                .record(project, std::slice::from_ref(tally))
                .await;
        }
        resp
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, Value) {
        let r = self.call_raw(method, path, headers, body);
        (
            r.status,
            serde_json::from_str(&r.body).unwrap_or(Value::Null),
        )
    }

    pub fn call_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        block_on(self.send(request(method, path, headers, body)))
    }

    pub fn secret(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let b = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.call(method, path, &[("x-api-key", DEMO_SECRET)], &b)
    }

    pub fn session_from(&self, ip: &str, signals: Value) -> String {
        self.post_session(ip, signals, None)
    }

    /// A browser session from `ip` as Cloudflare would place it (`request.cf`).
    pub fn session_located(&self, ip: &str, signals: Value, geo: edgeward::api::Geo) -> String {
        self.post_session(ip, signals, Some(geo))
    }

    fn post_session(&self, ip: &str, signals: Value, geo: Option<edgeward::api::Geo>) -> String {
        let req = edgeward::api::Request {
            geo,
            ..request(
                "POST",
                "/session",
                &[("x-public-key", DEMO_PUBLIC), ("x-forwarded-for", ip)],
                signals.to_string(),
            )
        };
        let r = block_on(self.send(req));
        assert_eq!(r.status, 200, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        v["session_id"].as_str().unwrap().to_string()
    }

    pub fn authenticate(&self, sid: &str, account: Value) -> (u16, Value) {
        self.secret(
            "POST",
            "/session/authenticate",
            json!({"session_id": sid, "account": account}),
        )
    }
}

/// The reason codes of a scored answer, in order.
pub fn reason_codes(answer: &Value) -> Vec<&str> {
    answer["reasons"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["code"].as_str()).collect())
        .unwrap_or_default()
}

/// Signals of one browser; each browser id is on a device of its own (the platform differs).
pub fn signals(browser_id: &str) -> Value {
    json!({"browser_id": browser_id, "window": {"userAgent": "Mozilla/5.0", "screen": {"width": 1920, "height": 1080},
           "platform": format!("test-{browser_id}"), "timezone": "Europe/Paris", "languages": ["fr-FR"]}})
}
