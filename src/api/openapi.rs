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
    }
}
