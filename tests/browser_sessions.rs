//! What the browser package sends to the API: single-use nonces that bind a payload to its
//! window, and the server's own evaluation of the raw signals it receives.

mod common;

use common::*;
use edgeward::schema::time::MINUTE;
use serde_json::{json, Value};

fn nonce(w: &World, public: &str) -> String {
    let (s, v) = w.call("POST", "/session/nonce", &[("x-public-key", public)], "");
    assert_eq!(s, 200, "{v}");
    assert!(v["expires_at"].is_string(), "{v}");
    v["nonce"].as_str().unwrap().to_string()
}

fn create(w: &World, public: &str, payload: &Value) -> (u16, Value) {
    w.call(
        "POST",
        "/session",
        &[("x-public-key", public)],
        &payload.to_string(),
    )
}

fn with_nonce(n: &str) -> Value {
    let mut p = signals("b-nonce");
    p["nonce"] = json!(n);
    p
}

#[test]
fn a_nonce_binds_one_payload_and_a_replay_is_refused() {
    let w = World::new();
    let payload = with_nonce(&nonce(&w, DEMO_PUBLIC));
    let (s, v) = create(&w, DEMO_PUBLIC, &payload);
    assert_eq!(s, 200, "{v}");
    let (s, v) = create(&w, DEMO_PUBLIC, &payload);
    assert_eq!(s, 409, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("already used"),
        "{v}"
    );
}

#[test]
fn an_expired_unknown_or_malformed_nonce_is_refused_with_its_reason() {
    let w = World::new();
    let n = nonce(&w, DEMO_PUBLIC);
    w.at(T0 + 5 * MINUTE + 1);
    let (s, v) = create(&w, DEMO_PUBLIC, &with_nonce(&n));
    assert_eq!(s, 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");
    let (s, _) = create(
        &w,
        DEMO_PUBLIC,
        &with_nonce("00000000-0000-4000-8000-000000000000"),
    );
    assert_eq!(s, 400);
    for bad in [
        json!(7),
        json!("../../p/other/n/x"),
        json!("x".repeat(10_000)),
    ] {
        let mut p = signals("b");
        p["nonce"] = bad;
        let (s, v) = create(&w, DEMO_PUBLIC, &p);
        assert_eq!(s, 400, "{v}");
        assert!(v["message"].as_str().unwrap().contains("nonce"), "{v}");
    }
}

#[test]
fn a_nonce_belongs_to_the_project_that_issued_it() {
    let w = World::new();
    let n = nonce(&w, DEMO_PUBLIC);
    let (s, _) = create(&w, OTHER_PUBLIC, &with_nonce(&n));
    assert_eq!(s, 400);
    // Refused elsewhere, still good at home.
    let (s, _) = create(&w, DEMO_PUBLIC, &with_nonce(&n));
    assert_eq!(s, 200);
}

#[test]
fn a_project_that_requires_a_nonce_refuses_payloads_without_one() {
    let w = World::with_projects(projects(json!({"require_nonce": true})));
    let (s, v) = create(&w, DEMO_PUBLIC, &signals("b"));
    assert_eq!(s, 400, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("requires a nonce"),
        "{v}"
    );
    let (s, _) = create(&w, DEMO_PUBLIC, &with_nonce(&nonce(&w, DEMO_PUBLIC)));
    assert_eq!(s, 200);
    // Projects that do not require one still accept payloads without.
    let (s, _) = create(&w, OTHER_PUBLIC, &signals("b"));
    assert_eq!(s, 200);
}

#[test]
fn nonces_are_issued_only_to_allowed_origins() {
    let w = World::new();
    let (s, _) = w.call(
        "POST",
        "/session/nonce",
        &[
            ("x-public-key", DEMO_PUBLIC),
            ("origin", "https://evil.example"),
        ],
        "",
    );
    assert_eq!(s, 403);
    let (s, _) = w.call("POST", "/session/nonce", &[], "");
    assert_eq!(s, 401);
}

#[test]
fn the_server_judges_the_raw_signals_not_the_pages_verdict() {
    let w = World::new();
    let mut p = signals("b-stealth");
    // A stealth tool hid webdriver and patched a getter, and claims a clean verdict.
    p["window"]["userAgent"] = json!("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36");
    p["window"]["webdriverPresent"] = json!(false);
    p["window"]["lies"] = json!(["Navigator.languages"]);
    p["verdict"] = json!({"automated": false, "bot": 0, "tampered": false, "reasons": []});
    let sid = w.session_from("192.0.2.10", p);
    let (s, a) = w.authenticate(&sid, json!({"id": "stealthy"}));
    assert_eq!(s, 200, "{a}");
    let codes = reason_codes(&a);
    assert!(codes.contains(&"BOT_WEBDRIVER_HIDDEN"), "{codes:?}");
    assert!(codes.contains(&"BOT_NATIVE_TAMPERED"), "{codes:?}");
    assert_eq!(a["session"]["risk_signals"]["device_risk"], true);
    assert!(a["bot"].as_f64().unwrap() >= 0.8, "{a}");
}
