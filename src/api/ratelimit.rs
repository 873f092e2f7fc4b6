//! Rate limits: how many requests a minute a project accepts from one client address on the
//! public-key endpoints (`POST /session`, `POST /session/nonce`) and from one secret key on the
//! others. Past the limit the answer is `429` with `Retry-After` and the usual
//! `{statusCode, message}` body.
//!
//! # Design
//!
//! The API asks a [`RateLimit`] to admit one request of a [`Bucket`] (a key naming project and
//! client, and the project's limit a minute) and never knows what counts. Two counters exist:
//!
//! - [`Window`], a fixed one-minute window per key held in memory, read against the API's clock.
//!   Natively it is the whole limiter (tests); in the worker it is the first layer, per isolate.
//! - Cloudflare's Rate Limiting binding (`src/edge/ratelimit.rs`), the second layer in the
//!   worker. It counts across every isolate of a Cloudflare location, costs no storage
//!   operation, and `wrangler dev` runs it (miniflare keeps its counts in memory, in fixed
//!   windows of the wall clock).
//!
//! The binding's limit and period are fixed per binding in `wrangler.toml`, while limits here
//! are per project. So `wrangler.toml` declares a ladder of bindings, [`TIERS`] requests per 60 s
//! (`RATE_LIMIT_10` … `RATE_LIMIT_100000`), and a bucket is counted by the smallest tier at or
//! above its limit ([`tier`]), under a key that names the project, so projects never share a
//! count. The isolate's window enforces the exact limit and gives an exact `Retry-After`; the
//! binding caps what a client spreading its requests over many isolates gets, at no more than
//! 3⅓ times the limit (the ladder's widest step). A limit above the top tier is counted by the
//! isolate alone. When the binding fails or is missing the request is admitted (logged): a
//! limiter outage must not take the API down with it.
//!
//! What was rejected: a KV counter is a read-modify-write per request on a shared key, which
//! the state principles forbid (and KV would lose counts anyway). A Durable Object per
//! (project, client) counts exactly across the world, but adds a round trip and a billed
//! request to every call, including the unauthenticated-visitor traffic a limit exists to
//! absorb. The binding is Cloudflare's own tool for this, with Cloudflare's caveat: its counts
//! are per location and eventually consistent, a brake on abuse rather than an invoice.
//!
//! Windows are fixed, as the binding's are: a client can pass up to twice its limit across a
//! window's edge, and the next window always passes. IPv6 clients are counted per /64, the
//! block one subscriber gets. Requests are counted after authentication: a bad key is refused
//! without touching storage, so only a project's own keys spend its budget.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use crate::schema::time::{Millis, MINUTE, SECOND};
use crate::state::config::Project;
use crate::state::error::ApiError;

/// The limits (requests per 60 s) of the Rate Limiting bindings in `wrangler.toml`, one binding
/// `RATE_LIMIT_<n>` each.
pub const TIERS: &[u32] = &[10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000];

/// The binding tier that counts a limit: the smallest at or above it, none above the top.
pub fn tier(limit: u32) -> Option<u32> {
    TIERS.iter().copied().find(|&t| t >= limit)
}

/// The name of a tier's binding in `wrangler.toml`.
pub fn binding_name(tier: u32) -> String {
    format!("RATE_LIMIT_{tier}")
}

/// One thing counted: whose requests (the key) and how many a minute they may make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// `pub:<project>:<address>` or `key:<project>:<key digest>`.
    pub key: String,
    pub limit: u32,
}

impl Bucket {
    /// A client address on a project's public endpoints. IPv6 addresses count per /64; a
    /// request without an address (only possible off Cloudflare) counts as `unknown`.
    pub fn public(project: &Project, client: Option<IpAddr>) -> Bucket {
        let client = match client {
            Some(IpAddr::V4(a)) => a.to_string(),
            Some(IpAddr::V6(a)) => {
                let s = a.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            None => "unknown".into(),
        };
        Bucket {
            key: format!("pub:{}:{client}", project.id),
            limit: project.rate_limits.public_per_minute,
        }
    }

    /// One secret key of a project, named by the first bytes of its SHA-256 (never the key).
    pub fn secret(project: &Project, key_hash: &[u8; 32]) -> Bucket {
        let digest: String = key_hash[..12].iter().map(|b| format!("{b:02x}")).collect();
        Bucket {
            key: format!("key:{}:{digest}", project.id),
            limit: project.rate_limits.secret_per_minute,
        }
    }
}

/// Whether a request may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Admitted,
    /// Over the limit; whole seconds until the next window.
    Limited {
        retry_after_secs: u64,
    },
}

/// What counts requests. Boxed futures keep it usable as `&dyn RateLimit` in [`super::Ctx`].
pub trait RateLimit {
    fn admit<'a>(
        &'a self,
        bucket: &'a Bucket,
        now: Millis,
    ) -> Pin<Box<dyn Future<Output = Outcome> + 'a>>;
}

/// Keys a [`Window`] holds before it forgets the past windows' (and, if still full, all).
const WINDOW_KEYS: usize = 50_000;

/// Fixed one-minute windows, aligned to the minute of the clock it is given, per key, in
/// memory. Only the current window's keys are kept, at most [`WINDOW_KEYS`] of them.
#[derive(Default)]
pub struct Window {
    counts: RefCell<HashMap<String, (Millis, u32)>>,
}

impl Window {
    /// Counts one request of `bucket` at `now`, unless its window is full.
    pub fn count(&self, bucket: &Bucket, now: Millis) -> Outcome {
        let window = now.div_euclid(MINUTE);
        let mut counts = self.counts.borrow_mut();
        if counts.len() >= WINDOW_KEYS && !counts.contains_key(&bucket.key) {
            counts.retain(|_, (w, _)| *w == window);
            if counts.len() >= WINDOW_KEYS {
                // A flood of distinct clients in one minute: forget them rather than grow; the
                // binding still counts across the location.
                counts.clear();
            }
        }
        let entry = counts.entry(bucket.key.clone()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= bucket.limit {
            let next = (window + 1) * MINUTE;
            let wait = (next - now + SECOND - 1) / SECOND;
            return Outcome::Limited {
                retry_after_secs: wait.max(1) as u64,
            };
        }
        entry.1 += 1;
        Outcome::Admitted
    }
}

impl RateLimit for Window {
    fn admit<'a>(
        &'a self,
        bucket: &'a Bucket,
        now: Millis,
    ) -> Pin<Box<dyn Future<Output = Outcome> + 'a>> {
        let outcome = self.count(bucket, now);
        Box::pin(std::future::ready(outcome))
    }
}

/// Admits one request of `bucket`, or the 429 that says which limit it passed.
pub async fn enforce(
    limiter: &dyn RateLimit,
    bucket: &Bucket,
    now: Millis,
) -> Result<(), ApiError> {
    match limiter.admit(bucket, now).await {
        Outcome::Admitted => Ok(()),
        Outcome::Limited { retry_after_secs } => {
            let whose = if bucket.key.starts_with("pub:") {
                "one client address on the public endpoints"
            } else {
                "one secret key"
            };
            Err(ApiError::too_many_requests(
                format!(
                    "rate limit exceeded: this project accepts {} requests a minute from {whose}; retry after {retry_after_secs} s",
                    bucket.limit
                ),
                retry_after_secs,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::config::DEFAULT_PUBLIC_PER_MINUTE;

    fn bucket(key: &str, limit: u32) -> Bucket {
        Bucket {
            key: key.into(),
            limit,
        }
    }

    const T: Millis = 1_780_000_040_000; // 20 s into a minute

    #[test]
    fn a_window_admits_its_limit_then_says_when_the_next_opens() {
        let w = Window::default();
        let b = bucket("pub:demo:192.0.2.1", 3);
        for _ in 0..3 {
            assert_eq!(w.count(&b, T), Outcome::Admitted);
        }
        assert_eq!(
            w.count(&b, T + 500),
            Outcome::Limited {
                retry_after_secs: 40
            }
        );
        assert_eq!(w.count(&b, T + 40_000), Outcome::Admitted);
    }

    #[test]
    fn keys_count_apart() {
        let w = Window::default();
        let a = bucket("pub:demo:192.0.2.1", 1);
        assert_eq!(w.count(&a, T), Outcome::Admitted);
        assert!(matches!(w.count(&a, T), Outcome::Limited { .. }));
        assert_eq!(
            w.count(&bucket("pub:demo:192.0.2.2", 1), T),
            Outcome::Admitted
        );
        assert_eq!(
            w.count(&bucket("pub:other:192.0.2.1", 1), T),
            Outcome::Admitted
        );
    }

    #[test]
    fn a_window_never_holds_more_than_its_keys() {
        let w = Window::default();
        for i in 0..WINDOW_KEYS + 10 {
            w.count(&bucket(&format!("pub:demo:{i}"), 5), T);
        }
        assert!(w.counts.borrow().len() <= WINDOW_KEYS);
        // Keys of a past window are what goes first.
        w.count(&bucket("pub:demo:late", 5), T + MINUTE);
        assert_eq!(w.counts.borrow().len(), 11);
    }

    #[test]
    fn limits_map_to_the_binding_at_or_above_them() {
        assert_eq!(tier(1), Some(10));
        assert_eq!(tier(10), Some(10));
        assert_eq!(tier(60), Some(100));
        assert_eq!(tier(300), Some(300));
        assert_eq!(tier(100_000), Some(100_000));
        assert_eq!(tier(100_001), None);
        assert!(TIERS.windows(2).all(|t| t[1] <= t[0] * 10 / 3 + 1));
    }

    #[test]
    fn wrangler_toml_declares_every_tier_for_deployments_and_for_wrangler_dev() {
        let toml = include_str!("../../wrangler.toml");
        for prefix in ["[[ratelimits]]", "[[env.dev.ratelimits]]"] {
            for &t in TIERS {
                let entry = format!("{prefix}\nname = \"{}\"\nnamespace_id = ", binding_name(t));
                let at = toml
                    .find(&entry)
                    .unwrap_or_else(|| panic!("wrangler.toml has no {prefix} {}", binding_name(t)));
                let rest = &toml[at + entry.len()..];
                let line = rest.lines().nth(1).unwrap_or("");
                assert_eq!(
                    line,
                    format!("simple = {{ limit = {t}, period = 60 }}"),
                    "{prefix} {}",
                    binding_name(t)
                );
            }
        }
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let p = crate::api::Settings::parse(
            Some(&format!(
                r#"[{{"id":"demo","secret_key_sha256":["{}"]}}]"#,
                "00".repeat(32)
            )),
            false,
        )
        .unwrap()
        .projects
        .remove(0);
        let a = Bucket::public(&p, "2001:db8:1:2::1".parse().ok());
        let b = Bucket::public(&p, "2001:db8:1:2:ffff::9".parse().ok());
        let c = Bucket::public(&p, "2001:db8:1:3::1".parse().ok());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.limit, DEFAULT_PUBLIC_PER_MINUTE);
        assert_eq!(
            Bucket::public(&p, "192.0.2.1".parse().ok()).key,
            "pub:demo:192.0.2.1"
        );
    }
}
