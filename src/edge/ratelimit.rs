//! [`RateLimit`] in the worker: the isolate's [`Window`] first (exact, per isolate), then
//! Cloudflare's Rate Limiting binding of the bucket's tier (across the location's isolates).
//! The design and its reasons are in [`crate::api::ratelimit`].

use std::future::Future;
use std::pin::Pin;

use worker::Env;

use crate::api::ratelimit::{binding_name, tier, Bucket, Outcome, RateLimit, Window};
use crate::schema::time::Millis;

/// The period of every tier binding in `wrangler.toml`, in seconds: a client the binding
/// refuses waits at most this long.
const PERIOD_SECS: u64 = 60;

pub struct EdgeLimiter<'e> {
    pub env: &'e Env,
    pub window: &'e Window,
}

impl EdgeLimiter<'_> {
    async fn binding(&self, bucket: &Bucket) -> Outcome {
        let Some(tier) = tier(bucket.limit) else {
            return Outcome::Admitted;
        };
        let name = binding_name(tier);
        let limiter = match self.env.rate_limiter(&name) {
            Ok(l) => l,
            Err(e) => {
                worker::console_warn!("rate limit binding {name} is missing ({e}): admitted");
                return Outcome::Admitted;
            }
        };
        match limiter.limit(bucket.key.clone()).await {
            Ok(o) if o.success => Outcome::Admitted,
            Ok(_) => Outcome::Limited {
                retry_after_secs: PERIOD_SECS,
            },
            Err(e) => {
                worker::console_warn!("rate limit binding {name} failed ({e}): admitted");
                Outcome::Admitted
            }
        }
    }
}

impl RateLimit for EdgeLimiter<'_> {
    fn admit<'a>(
        &'a self,
        bucket: &'a Bucket,
        now: Millis,
    ) -> Pin<Box<dyn Future<Output = Outcome> + 'a>> {
        Box::pin(async move {
            match self.window.count(bucket, now) {
                Outcome::Admitted => self.binding(bucket).await,
                limited => limited,
            }
        })
    }
}
