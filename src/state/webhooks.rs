//! Webhooks (HUMAN's client actions): every incident the engine opens is posted to the
//! project's URL, signed with HMAC-SHA256 over the exact body. The API only prepares each
//! delivery; the edge sends it after the response (`waitUntil`), retrying with backoff, so a
//! slow or failing receiver never delays or fails the request that opened the incident.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::config::Project;
use crate::engine::incidents::{AttackType, Incident};
use crate::schema::time::{rfc3339, Millis, SECOND};
use crate::schema::{WebhookAdditional, WebhookBody};

/// The header carrying `sha256=<hex HMAC-SHA256 of the body under the webhook secret>`.
pub const SIGNATURE_HEADER: &str = "x-edgeward-signature";
/// Attempts per delivery, and the wait before each retry (1 s, then 4 s: all within the
/// 30 seconds a worker may keep running after its response).
pub const ATTEMPTS: usize = 3;
pub const BACKOFF: [Millis; ATTEMPTS - 1] = [SECOND, 4 * SECOND];

/// One POST to make after the response.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub url: String,
    pub body: String,
    /// The value of [`SIGNATURE_HEADER`].
    pub signature: String,
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &str, body: &str) -> String {
    // HMAC accepts keys of any length; this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// The delivery announcing `incident` on `account`, when the project has a webhook.
pub fn delivery(project: &Project, account: &str, incident: &Incident) -> Option<Delivery> {
    let hook = project.webhook.as_ref()?;
    let a = &incident.additional;
    let body = WebhookBody {
        user_id: account.to_string(),
        score: incident.risk_score,
        attack_type: match incident.attack_type {
            AttackType::AccountTakeover => "ato",
            AttackType::FakeAccount => "fake_account",
        }
        .to_string(),
        attack_patterns: incident.reasons.clone(),
        timestamp: rfc3339(incident.created),
        event_type: incident.event_type.name().to_string(),
        additional: WebhookAdditional {
            city: a.city.clone(),
            country: a.country.clone(),
            ip: a.ip.clone(),
            user_agent: a.user_agent.clone(),
        },
    };
    let body = serde_json::to_string(&body).ok()?;
    Some(Delivery {
        url: hook.url.clone(),
        signature: sign(&hook.secret, &body),
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
