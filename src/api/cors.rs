//! CORS for the browser-facing endpoints, `POST /session` and `POST /session/nonce`: a page may
//! call them only from an origin its project lists in `allowed_origins`.

use super::{Request, Response};
use crate::state::config::{Project, Settings};
use crate::state::error::ApiError;

const ALLOW_HEADERS: &str = "content-type, x-public-key";

fn allowed_anywhere(settings: &Settings, origin: &str) -> bool {
    settings.projects.iter().any(|p| p.allows_origin(origin))
}

/// Refuses a browser request from an origin the key's project does not list. Requests without
/// an Origin header come from servers, where CORS means nothing.
pub fn check_origin(project: &Project, req: &Request) -> Result<(), ApiError> {
    match req.header("origin") {
        Some(origin) if !project.allows_origin(origin) => Err(ApiError::forbidden(format!(
            "origin {origin} is not allowed for project {}",
            project.id
        ))),
        _ => Ok(()),
    }
}

/// Answers a preflight (`OPTIONS /session`, `OPTIONS /session/nonce`). The key is not sent on preflights, so any
/// project's allowance lets it through; `POST /session` then checks the key's own project.
pub fn preflight(settings: &Settings, req: &Request) -> Result<Response, ApiError> {
    let origin = req
        .header("origin")
        .ok_or_else(|| ApiError::bad_request("a preflight request needs an Origin header"))?;
    if !allowed_anywhere(settings, origin) {
        return Err(ApiError::forbidden(format!(
            "origin {origin} is not allowed by any project"
        )));
    }
    Ok(Response {
        status: 204,
        headers: vec![
            (
                "access-control-allow-methods".into(),
                "POST, OPTIONS".into(),
            ),
            ("access-control-allow-headers".into(), ALLOW_HEADERS.into()),
            ("access-control-max-age".into(), "600".into()),
        ],
        body: String::new(),
        deferred: Vec::new(),
        log: Vec::new(),
        tallies: Vec::new(),
    })
}

/// Adds `Access-Control-Allow-Origin` to answers of the browser endpoints for allowed origins,
/// so the page can read successes and errors alike.
pub fn decorate(settings: &Settings, req: &Request, resp: &mut Response) {
    if !matches!(
        req.path.trim_end_matches('/'),
        "/session" | "/session/nonce"
    ) {
        return;
    }
    if let Some(origin) = req.header("origin") {
        if allowed_anywhere(settings, origin) {
            resp.headers
                .push(("access-control-allow-origin".into(), origin.to_string()));
            resp.headers.push(("vary".into(), "Origin".into()));
            // A 429's Retry-After is not a CORS-safelisted header: the page may read it.
            resp.headers
                .push(("access-control-expose-headers".into(), "Retry-After".into()));
        }
    }
}
