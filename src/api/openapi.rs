//! `GET /openapi.json`: the OpenAPI 3.1 description of every endpoint. A test checks that every
//! routed path is in it, and the end-to-end tests validate every response against it.

use super::Response;

pub const DOCUMENT: &str = include_str!("openapi.json");

pub fn response() -> Response {
    Response {
        status: 200,
        headers: vec![(
            "content-type".into(),
            "application/json; charset=utf-8".into(),
        )],
        body: DOCUMENT.to_string(),
        deferred: Vec::new(),
        log: Vec::new(),
        tallies: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::router::PATHS;
    use serde_json::Value;

    #[test]
    fn every_routed_path_and_method_is_documented_and_nothing_else() {
        let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(
            paths.len(),
            PATHS.len(),
            "documented paths differ from routed paths"
        );
        for (path, methods) in PATHS {
            let item = paths
                .get(*path)
                .unwrap_or_else(|| panic!("{path} is not in openapi.json"));
            let documented: Vec<String> = item
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .map(|k| k.to_uppercase())
                .collect();
            let mut want: Vec<String> = methods.iter().map(|m| m.to_string()).collect();
            let mut have = documented.clone();
            want.sort();
            have.sort();
            assert_eq!(have, want, "methods of {path}");
        }
    }

    #[test]
    fn every_keyed_operation_documents_429_with_retry_after() {
        let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let open = matches!(path.as_str(), "/health" | "/openapi.json");
                if open || method == "options" || method == "parameters" {
                    continue;
                }
                let r = &op["responses"]["429"];
                assert!(
                    r["headers"]["Retry-After"].is_object(),
                    "{method} {path} does not document 429 with Retry-After"
                );
            }
        }
    }

    #[test]
    fn every_schema_reference_resolves() {
        let doc: Value = serde_json::from_str(DOCUMENT).unwrap();
        fn walk(v: &Value, doc: &Value) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        let name = r.trim_start_matches("#/components/schemas/");
                        assert!(
                            doc["components"]["schemas"].get(name).is_some(),
                            "{r} does not resolve"
                        );
                    }
                    m.values().for_each(|x| walk(x, doc));
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, doc)),
                _ => {}
            }
        }
        walk(&doc, &doc);
    }
}
