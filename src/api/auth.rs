//! Authentication: which project a request's key belongs to.
//!
//! Secret keys (server to server) arrive in `x-api-key` or `Authorization: Bearer`; public keys
//! (browser) in `x-public-key`, and only `POST /session` takes them. Every comparison runs over
//! every project in constant time, so timing tells nothing about which bytes matched.

use super::Request;
use crate::state::config::{key_hash, Project, Settings};
use crate::state::error::ApiError;

/// Equality that looks at every byte whatever the inputs.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Hash-then-compare keeps the comparison length fixed.
fn matches_secret(p: &Project, hash: &[u8; 32]) -> bool {
    p.secret_hashes
        .iter()
        .fold(false, |acc, h| acc | ct_eq(h, hash))
}

fn matches_public(p: &Project, key: &str) -> bool {
    let hash = key_hash(key);
    p.public_keys
        .iter()
        .fold(false, |acc, k| acc | ct_eq(&key_hash(k), &hash))
}

fn find(settings: &Settings, pred: impl Fn(&Project) -> bool) -> Option<&Project> {
    // No early exit: every project is compared.
    settings
        .projects
        .iter()
        .fold(None, |found, p| if pred(p) { Some(p) } else { found })
}

/// The secret key a server request presents, checked or not.
fn presented_secret(req: &Request) -> Option<&str> {
    req.header("x-api-key")
        .or_else(|| {
            req.header("authorization").and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
                    .map(str::trim)
            })
        })
        .filter(|k| !k.is_empty())
}

/// The project of a server request's secret key, and the key's SHA-256 (what a per-key rate
/// limit counts by).
pub fn secret<'s>(
    settings: &'s Settings,
    req: &Request,
) -> Result<(&'s Project, [u8; 32]), ApiError> {
    let key = presented_secret(req).ok_or_else(|| {
        ApiError::unauthorized(
            "missing API key: send the project's secret key in x-api-key or Authorization: Bearer",
        )
    })?;
    let hash = key_hash(key);
    if let Some(p) = find(settings, |p| matches_secret(p, &hash)) {
        return Ok((p, hash));
    }
    if find(settings, |p| matches_public(p, key)).is_some() {
        return Err(ApiError::forbidden(
            "a public key cannot be used for this endpoint: use the project's secret key",
        ));
    }
    Err(ApiError::unauthorized("invalid API key"))
}

/// The project of a browser request's public key.
pub fn public<'s>(settings: &'s Settings, req: &Request) -> Result<&'s Project, ApiError> {
    let key = req
        .header("x-public-key")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "missing public key: send the project's public key in x-public-key",
            )
        })?;
    if let Some(p) = find(settings, |p| matches_public(p, key)) {
        return Ok(p);
    }
    if find(settings, |p| matches_secret(p, &key_hash(key))).is_some() {
        return Err(ApiError::forbidden(
            "a secret key must never reach a browser: send the project's public key in x-public-key",
        ));
    }
    Err(ApiError::unauthorized("invalid public key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality_is_equality() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
