//! Session nonces: the page asks for one (`POST /session/nonce`, public key) right before it
//! collects its signals and sends it inside the payload; `POST /session` accepts each nonce once
//! and only within [`NONCE_TTL`]. A captured payload cannot be replayed after its first use or
//! outside its window. A project with `require_nonce` refuses payloads without one.
//!
//! Each nonce is one KV key. KV has no compare-and-swap, so two replays racing within the same
//! instant could both pass; once the first use is written, every later one is refused.

use serde_json::{json, Value};

use super::cors;
use super::{Ctx, Request, Response};
use crate::schema::time::{rfc3339, Millis, MINUTE, SECOND};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::store::keys::Id;
use crate::store::{Keys, Put, Store};

/// How long a nonce waits for its payload: collecting takes well under a second, a slow phone
/// on a bad network a few.
pub const NONCE_TTL: Millis = 5 * MINUTE;

/// What the key holds once its nonce was used, until its TTL ends.
const USED: &str = "used";

/// `POST /session/nonce`: a fresh nonce and when it expires.
pub async fn issue<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    req: &Request,
) -> Result<Response, ApiError> {
    cors::check_origin(project, req)?;
    let nonce = ctx.random.uuid();
    let expires_at = ctx.now + NONCE_TTL;
    let id = Id::new(&nonce).map_err(|e| ApiError::bad_request(e.message("nonce")))?;
    ctx.store
        .put(
            &Keys::new(&project.id).nonce(&id),
            &expires_at.to_string(),
            Put {
                ttl_secs: Some((NONCE_TTL / SECOND) as u64),
                metadata: None,
            },
        )
        .await?;
    Ok(Response::json(
        200,
        &json!({"nonce": nonce, "expires_at": rfc3339(expires_at)}),
    ))
}

/// The shape of the nonces [`issue`] makes: a UUID.
fn well_formed(n: &str) -> bool {
    n.len() == 36 && n.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Checks and spends the payload's nonce (none is fine unless the project requires one).
pub async fn consume<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    signals: &Value,
) -> Result<(), ApiError> {
    let nonce = match signals.get("nonce") {
        None | Some(Value::Null) if project.require_nonce => {
            return Err(ApiError::bad_request(
                "project requires a nonce: get one from POST /session/nonce and send it as `nonce` in the payload",
            ))
        }
        None | Some(Value::Null) => return Ok(()),
        Some(Value::String(n)) if well_formed(n) => n,
        Some(_) => {
            return Err(ApiError::bad_request(
                "nonce must be the string POST /session/nonce returned",
            ))
        }
    };
    let id = Id::new(nonce).map_err(|e| ApiError::bad_request(e.message("nonce")))?;
    let key = Keys::new(&project.id).nonce(&id);
    let stored = ctx.store.get(&key).await?;
    let expires_at = match stored.as_deref() {
        Some(USED) => {
            return Err(ApiError::conflict(format!(
                "nonce {nonce} was already used: a payload is accepted once"
            )))
        }
        Some(v) => v.parse::<Millis>().unwrap_or(0),
        None => 0,
    };
    // KV lets expired keys linger up to a minute; the stored time is exact.
    if expires_at < ctx.now {
        return Err(ApiError::bad_request(format!(
            "nonce {nonce} is unknown or expired: get a new one from POST /session/nonce"
        )));
    }
    ctx.store
        .put(
            &key,
            USED,
            Put {
                ttl_secs: Some((NONCE_TTL / SECOND) as u64),
                metadata: None,
            },
        )
        .await?;
    Ok(())
}
