//! `recent_fraud_ip`: addresses recently used by accounts decided Fake (blocked accounts are
//! decided Fake). One index key per (address, account), written when authenticate decides
//! Fake and expiring after [`RECENT`], so concurrent requests never write the same key.

use serde_json::json;

use super::error::ApiError;
use crate::schema::time::{Millis, DAY, SECOND};
use crate::store::keys::Id;
use crate::store::{Keys, Put, Store};

/// How long an address stays marked after a Fake decision on it.
pub const RECENT: Millis = 7 * DAY;
/// The index tag of fraud addresses (beside the link tags b, d, e, n).
pub const TAG: &str = "f";

/// The score of an address marked by `n` other accounts: half for one (an office or a carrier
/// address may carry one fraudster among many people), nearing 1 with more.
pub fn score_of(n: usize) -> f64 {
    1.0 - 0.5f64.powi(n.min(30) as i32)
}

/// The `recent_fraud_ip` score of `ip` for `account`: other accounts decided Fake on it within
/// [`RECENT`] (their keys expire after it).
pub async fn score<S: Store>(
    store: &S,
    keys: &Keys,
    ip: &str,
    account: &Id,
) -> Result<f64, ApiError> {
    let Ok(value) = Id::new(ip) else {
        return Ok(0.0);
    };
    let own = keys.index_account(TAG, &value, account);
    let others = store
        // One page: past a thousand marked accounts the score has long saturated.
        .list_first(&keys.index(TAG, &value))
        .await?
        .0
        .into_iter()
        .filter(|k| k.name != own)
        .count();
    Ok(score_of(others))
}

/// The write that marks `ip` for `account`, if the address is usable as a key.
pub fn mark(keys: &Keys, ip: &str, account: &Id, now: Millis) -> Option<(String, String, Put)> {
    Some((
        key(keys, ip, account)?,
        String::from("1"),
        Put {
            ttl_secs: Some((RECENT / SECOND) as u64),
            metadata: Some(json!({ "t": now })),
        },
    ))
}

/// The key [`mark`] writes (and deletion removes).
pub fn key(keys: &Keys, ip: &str, account: &Id) -> Option<String> {
    Some(keys.index_account(TAG, &Id::new(ip).ok()?, account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_marked_account_is_half_and_more_approach_one() {
        assert_eq!(score_of(0), 0.0);
        assert_eq!(score_of(1), 0.5);
        assert!(score_of(3) > 0.85 && score_of(100) <= 1.0);
    }
}
