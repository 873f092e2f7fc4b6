//! The browser binding (feature `browser`): the npm package's WebAssembly exports. The signal
//! evaluation is the same Rust the worker runs on what the page sends.

use wasm_bindgen::prelude::*;

use crate::signals::{evaluate as evaluate_payload, Payload};

/// Evaluates raw signals (a JSON string, as `collect()` produces) into a verdict (JSON string).
#[wasm_bindgen(js_name = evaluateJson)]
pub fn evaluate_json(signals: &str) -> String {
    let value = serde_json::from_str(signals).unwrap_or(serde_json::Value::Null);
    serde_json::to_string(&evaluate_payload(&Payload::new(value))).unwrap_or_default()
}
