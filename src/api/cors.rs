//! CORS for the one browser-facing endpoint, `POST /session`: a page may call it only from an
//! origin its project lists in `allowed_origins`.

use super::config::Settings;
use super::error::ApiError;
use super::{Request, Response};

const ALLOW_HEADERS: &str = "content-type, x-public-key";

fn allowed_anywhere(settings: &Settings, origin: &str) -> bool {
    settings.projects.iter().any(|p| p.allows_origin(origin))
}

/// Answers a preflight (`OPTIONS /session`). The key is not sent on preflights, so any
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
    })
}

/// Adds `Access-Control-Allow-Origin` to answers of `/session` for allowed origins, so the page
/// can read successes and errors alike.
pub fn decorate(settings: &Settings, req: &Request, resp: &mut Response) {
    if req.path.trim_end_matches('/') != "/session" {
        return;
    }
    if let Some(origin) = req.header("origin") {
        if allowed_anywhere(settings, origin) {
            resp.headers
                .push(("access-control-allow-origin".into(), origin.to_string()));
            resp.headers.push(("vary".into(), "Origin".into()));
        }
    }
}
