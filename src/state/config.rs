//! Deployment settings: the projects, their keys and thresholds, read from the
//! `EDGEWARD_PROJECTS` JSON (a secret in production, a `[env.dev.vars]` entry for local runs).
//!
//! ```json
//! [{ "id": "demo", "name": "Demo",
//!    "secret_key_sha256": ["<hex sha-256 of the secret key>"],
//!    "public_keys": ["pk_…"],
//!    "allowed_origins": ["http://127.0.0.1:8787"],
//!    "thresholds": { "suspicious": 0.5, "fake": 0.85 },
//!    "webhook": { "url": "https://app.example/edgeward", "secret": "<16+ characters>" },
//!    "require_nonce": true,
//!    "rate_limits": { "public_per_minute": 60, "secret_per_minute": 300 } }]
//! ```
//! Secret keys are stored only as SHA-256 hashes; several per project allow rotation. The
//! webhook (optional) receives every incident the engine opens, signed with its secret.
//! `require_nonce` (default false) makes `POST /session` refuse payloads that carry no nonce
//! from `POST /session/nonce`, so no captured or hand-made payload is accepted.
//! `rate_limits` (optional, either field alone) caps requests a minute: `public_per_minute` per
//! client address on the public-key endpoints (default 60), `secret_per_minute` per secret key
//! on the others (default 300, Verisoul's figure); see `api::ratelimit`. A project that
//! sends more from one server, or runs load tests from one address, sets a high limit.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::engine::Config as Thresholds;

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub secret_hashes: Vec<[u8; 32]>,
    pub public_keys: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub thresholds: Thresholds,
    pub webhook: Option<Webhook>,
    /// `POST /session` refuses payloads without a nonce from `POST /session/nonce`.
    pub require_nonce: bool,
    pub rate_limits: RateLimits,
}

/// Requests a minute from one client address on the public endpoints, unless the project says.
pub const DEFAULT_PUBLIC_PER_MINUTE: u32 = 60;
/// Requests a minute with one secret key, unless the project says (Verisoul's limit).
pub const DEFAULT_SECRET_PER_MINUTE: u32 = 300;

/// Requests a minute a project accepts (see `api::ratelimit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Per client address, on `POST /session` and `POST /session/nonce` (public key).
    pub public_per_minute: u32,
    /// Per secret key, on every secret-key endpoint.
    pub secret_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> RateLimits {
        RateLimits {
            public_per_minute: DEFAULT_PUBLIC_PER_MINUTE,
            secret_per_minute: DEFAULT_SECRET_PER_MINUTE,
        }
    }
}

/// Where incidents are posted, and the key their HMAC-SHA256 signature is made with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub url: String,
    pub secret: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub projects: Vec<Project>,
    /// Local development: `X-Forwarded-For` is honoured so tests can play many networks.
    pub development: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProject {
    id: String,
    #[serde(default)]
    name: String,
    secret_key_sha256: Vec<String>,
    #[serde(default)]
    public_keys: Vec<String>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    thresholds: Option<RawThresholds>,
    #[serde(default)]
    webhook: Option<Webhook>,
    #[serde(default)]
    require_nonce: bool,
    #[serde(default)]
    rate_limits: Option<RawRateLimits>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimits {
    #[serde(default)]
    public_per_minute: Option<u32>,
    #[serde(default)]
    secret_per_minute: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    suspicious: f64,
    fake: f64,
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// SHA-256 of a key, as stored in the settings.
pub fn key_hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

impl Settings {
    /// Parses the projects JSON. An empty or missing value is an error: a worker with no keys
    /// must refuse to serve rather than serve everyone.
    pub fn parse(projects_json: Option<&str>, development: bool) -> Result<Settings, String> {
        let json = projects_json.map(str::trim).unwrap_or("");
        if json.is_empty() {
            return Err("no projects are configured (set EDGEWARD_PROJECTS)".into());
        }
        let raw: Vec<RawProject> = serde_json::from_str(json)
            .map_err(|e| format!("EDGEWARD_PROJECTS is not valid: {e}"))?;
        if raw.is_empty() {
            return Err("EDGEWARD_PROJECTS lists no project".into());
        }
        let mut projects: Vec<Project> = Vec::new();
        for p in raw {
            let valid_id = !p.id.is_empty()
                && p.id.len() <= 32
                && p.id.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !valid_id {
                return Err(format!("project id {:?} must be 1-32 of [a-z0-9_-]", p.id));
            }
            if projects.iter().any(|q| q.id == p.id) {
                return Err(format!("project id {:?} appears twice", p.id));
            }
            let secret_hashes = p
                .secret_key_sha256
                .iter()
                .map(|h| {
                    hex32(h).ok_or_else(|| {
                        format!(
                            "project {}: secret_key_sha256 entries must be 64 hex digits",
                            p.id
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if secret_hashes.is_empty() {
                return Err(format!("project {} has no secret key", p.id));
            }
            let thresholds = match p.thresholds {
                None => Thresholds::default(),
                Some(t) if 0.0 < t.suspicious && t.suspicious <= t.fake && t.fake <= 1.0 => {
                    Thresholds {
                        suspicious: t.suspicious,
                        fake: t.fake,
                    }
                }
                Some(_) => {
                    return Err(format!(
                        "project {}: thresholds need 0 < suspicious <= fake <= 1",
                        p.id
                    ))
                }
            };
            if let Some(w) = &p.webhook {
                let scheme_ok = w.url.starts_with("https://") || w.url.starts_with("http://");
                if !scheme_ok || w.secret.len() < 16 {
                    return Err(format!(
                        "project {}: webhook needs an http(s) url and a secret of at least 16 characters",
                        p.id
                    ));
                }
            }
            let defaults = RateLimits::default();
            let rate_limits = match p.rate_limits {
                None => defaults,
                Some(r) => RateLimits {
                    public_per_minute: r.public_per_minute.unwrap_or(defaults.public_per_minute),
                    secret_per_minute: r.secret_per_minute.unwrap_or(defaults.secret_per_minute),
                },
            };
            if rate_limits.public_per_minute == 0 || rate_limits.secret_per_minute == 0 {
                return Err(format!(
                    "project {}: rate_limits are requests a minute and must be at least 1",
                    p.id
                ));
            }
            projects.push(Project {
                name: if p.name.is_empty() {
                    p.id.clone()
                } else {
                    p.name
                },
                id: p.id,
                secret_hashes,
                public_keys: p.public_keys,
                allowed_origins: p.allowed_origins,
                thresholds,
                webhook: p.webhook,
                require_nonce: p.require_nonce,
                rate_limits,
            });
        }
        Ok(Settings {
            projects,
            development,
        })
    }
}

impl Project {
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == "*" || o == origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_hex(k: &str) -> String {
        key_hash(k).iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_worker_without_projects_fails_closed() {
        assert!(Settings::parse(None, false).is_err());
        assert!(Settings::parse(Some("  "), false).is_err());
        assert!(Settings::parse(Some("[]"), false).is_err());
    }

    #[test]
    fn projects_parse_with_hashed_keys() {
        let json = format!(
            r#"[{{"id":"demo","secret_key_sha256":["{}"],"public_keys":["pk"]}}]"#,
            hash_hex("sk")
        );
        let s = Settings::parse(Some(&json), true).unwrap();
        assert_eq!(s.projects[0].secret_hashes[0], key_hash("sk"));
        assert_eq!(s.projects[0].thresholds, Thresholds::default());
        assert_eq!(s.projects[0].rate_limits, RateLimits::default());
    }

    #[test]
    fn rate_limits_default_field_by_field() {
        let json = format!(
            r#"[{{"id":"demo","secret_key_sha256":["{}"],"rate_limits":{{"public_per_minute":5}}}}]"#,
            hash_hex("sk")
        );
        let s = Settings::parse(Some(&json), false).unwrap();
        assert_eq!(
            s.projects[0].rate_limits,
            RateLimits {
                public_per_minute: 5,
                secret_per_minute: DEFAULT_SECRET_PER_MINUTE
            }
        );
    }

    #[test]
    fn bad_project_settings_are_named() {
        let h = hash_hex("sk");
        for (json, word) in [
            (
                format!(r#"[{{"id":"Demo!","secret_key_sha256":["{h}"]}}]"#),
                "project id",
            ),
            (
                r#"[{"id":"demo","secret_key_sha256":["abc"]}]"#.to_string(),
                "64 hex",
            ),
            (
                format!(
                    r#"[{{"id":"a","secret_key_sha256":["{h}"]}},{{"id":"a","secret_key_sha256":["{h}"]}}]"#
                ),
                "twice",
            ),
            (
                format!(
                    r#"[{{"id":"a","secret_key_sha256":["{h}"],"thresholds":{{"suspicious":0.9,"fake":0.5}}}}]"#
                ),
                "thresholds",
            ),
            (
                format!(
                    r#"[{{"id":"a","secret_key_sha256":["{h}"],"webhook":{{"url":"ftp://x","secret":"0123456789abcdef"}}}}]"#
                ),
                "webhook",
            ),
            (
                format!(
                    r#"[{{"id":"a","secret_key_sha256":["{h}"],"rate_limits":{{"secret_per_minute":0}}}}]"#
                ),
                "rate_limits",
            ),
            (
                format!(
                    r#"[{{"id":"a","secret_key_sha256":["{h}"],"rate_limits":{{"per_hour":5}}}}]"#
                ),
                "per_hour",
            ),
        ] {
            let e = Settings::parse(Some(&json), false).unwrap_err();
            assert!(e.contains(word), "{e}");
        }
    }
}
