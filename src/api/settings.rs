//! The project as the console's settings page shows it, read-only: `GET /project` (never a
//! secret: neither the key hashes nor the webhook's secret), and `POST /webhooks/test`, which
//! sends a signed test delivery to the project's webhook the way incidents are sent.

use serde_json::json;

use super::{Ctx, Response};
use crate::schema::time::rfc3339;
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::webhooks::{sign, Delivery};
use crate::store::Store;

/// `GET /project`.
pub fn get<S: Store>(ctx: &Ctx<'_, S>, project: &Project) -> Response {
    Response::json(
        200,
        &json!({
            "request_id": ctx.random.uuid(),
            "project_id": project.id,
            "name": project.name,
            "thresholds": {"suspicious": project.thresholds.suspicious,
                           "fake": project.thresholds.fake},
            "allowed_origins": project.allowed_origins,
            "public_keys": project.public_keys,
            "require_nonce": project.require_nonce,
            "rate_limits": {"public_per_minute": project.rate_limits.public_per_minute,
                            "secret_per_minute": project.rate_limits.secret_per_minute},
            "webhook": project.webhook.as_ref().map(|w| json!({"url": w.url})),
        }),
    )
}

/// `POST /webhooks/test`: a delivery of `{"test": true, test_id, project_id, timestamp}`,
/// signed like every delivery, sent after the response (with the same retries).
pub fn test<S: Store>(ctx: &Ctx<'_, S>, project: &Project) -> Result<Response, ApiError> {
    let hook = project.webhook.as_ref().ok_or_else(|| {
        ApiError::bad_request(format!(
            "project {} has no webhook: set `webhook` in its configuration",
            project.id
        ))
    })?;
    let test_id = ctx.random.uuid();
    let body = json!({"test": true, "test_id": test_id, "project_id": project.id,
                      "timestamp": rfc3339(ctx.now)})
    .to_string();
    let mut resp = Response::json(
        200,
        &json!({"request_id": ctx.random.uuid(), "test_id": test_id, "url": hook.url}),
    );
    resp.deferred.push(Delivery {
        url: hook.url.clone(),
        signature: sign(&hook.secret, &body),
        body,
    });
    Ok(resp)
}
