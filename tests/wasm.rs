//! The npm package's WebAssembly export, compiled to wasm32 and run by wasm-bindgen-test in
//! Node: what `evaluate()` in the page returns is what the worker computes.
//!
//! `make wasm-test` (CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! cargo test --target wasm32-unknown-unknown --features browser --test wasm)
#![cfg(all(target_arch = "wasm32", feature = "browser"))]

use edgeward::browser::evaluate_json;
use serde_json::{json, Value};
use wasm_bindgen_test::wasm_bindgen_test;

fn evaluate(signals: Value) -> Value {
    serde_json::from_str(&evaluate_json(&signals.to_string())).expect("the verdict is JSON")
}

#[wasm_bindgen_test]
fn the_verdict_has_the_documented_shape() {
    let v = evaluate(json!({"browser_id": "abc_DEF-123", "window": {"platform": "Linux x86_64"}}));
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "automated",
            "bot",
            "browser_id",
            "device_id",
            "reasons",
            "tampered"
        ]
    );
    assert_eq!(v["browser_id"], "abc_DEF-123");
    assert_eq!(v["device_id"].as_str().unwrap().len(), 32);
}

#[wasm_bindgen_test]
fn a_driven_browser_is_automated_with_its_reasons() {
    let v = evaluate(json!({"window": {"webdriver": true, "cdp": true,
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"}}));
    assert_eq!(v["automated"], true);
    assert_eq!(
        v["reasons"],
        json!(["BOT_WEBDRIVER", "BOT_HEADLESS_UA", "BOT_CDP"])
    );
    assert!(v["bot"].as_f64().unwrap() > 0.99);
}

#[wasm_bindgen_test]
fn a_stealth_browser_is_tampered() {
    let v = evaluate(
        json!({"window": {"webdriverPresent": false, "lies": ["Navigator.plugins"],
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"}}),
    );
    assert_eq!(v["tampered"], true);
    assert_eq!(
        v["reasons"],
        json!(["BOT_WEBDRIVER_HIDDEN", "BOT_NATIVE_TAMPERED"])
    );
}

#[wasm_bindgen_test]
fn device_id_matches_the_native_evaluation() {
    let signals = json!({"window": {"screen": {"width": 1280, "height": 800}, "languages": ["de-DE"],
        "hardwareConcurrency": 4, "deviceMemory": 0.5}});
    let native =
        edgeward::signals::evaluate(&edgeward::signals::Payload::new(signals.clone())).device_id;
    assert_eq!(evaluate(signals)["device_id"], native.as_str());
}

#[wasm_bindgen_test]
fn garbage_is_unknown_not_a_crash() {
    for input in ["", "not json", "[1,2]", "{\"window\": 7}", "null"] {
        let v: Value = serde_json::from_str(&evaluate_json(input)).unwrap();
        assert_eq!(v["automated"], false, "{input}");
        assert_eq!(v["reasons"], json!([]), "{input}");
    }
}
