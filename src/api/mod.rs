//! The HTTP API: routing, authentication, rate limits, request bodies and one handler module per
//! family of endpoints, over what Edgeward keeps (`state`) and the engine. Written against
//! [`Store`], so it runs natively in tests exactly as in the worker. The edge binding turns a
//! runtime request into a [`Request`], calls [`handle`], and sends the [`Response`] back.

mod account;
pub mod auth;
pub mod backtest;
pub mod body;
pub mod calibration;
mod challenge;
mod console;
mod cors;
mod defender;
mod deletion;
mod events;
mod feedback;
mod lists;
mod nonce;
pub mod openapi;
pub mod ratelimit;
pub(crate) mod router;
pub mod rules;
mod session;
pub mod settings;
pub mod timeline;

use serde::Serialize;

pub use crate::state::config::{Project, Settings};
pub use crate::state::error::ApiError;
pub use crate::state::records::Geo;
pub use ratelimit::{RateLimit, Window};

use crate::state::counters;
use crate::state::ip_tables::IpTables;
use crate::state::isolate;
use crate::state::population::Populations;
use crate::state::webhooks;

use crate::schema::time::Millis;
use crate::store::Store;
use router::Route;

/// A request as the API sees it: lower-case header names, the raw (still percent-encoded) path.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `request.cf` geo data, when the runtime has it.
    pub geo: Option<Geo>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Webhooks to send after the response has gone (the edge uses `waitUntil`).
    pub deferred: Vec<webhooks::Delivery>,
    /// Lines for the worker's log (`console.log`: `wrangler tail`, Workers Logs): what the
    /// request did that its answer alone does not keep, such as shadow rules' matches.
    pub log: Vec<String>,
    /// What the request adds to the project's counters (`counters`), recorded after the
    /// response has gone, with the project they belong to.
    pub tallies: Vec<(String, counters::Tally)>,
}

impl Response {
    pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
        let body = serde_json::to_string(value).unwrap_or_else(|_| {
            String::from(r#"{"statusCode":500,"message":"response could not be encoded"}"#)
        });
        Response {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body,
            deferred: Vec::new(),
            log: Vec::new(),
            tallies: Vec::new(),
        }
    }

    pub fn error(e: &ApiError) -> Response {
        let mut r = Response::json(e.status, &e.body());
        if let Some(allow) = &e.allow {
            r.headers.push(("allow".into(), allow.clone()));
        }
        if let Some(secs) = e.retry_after {
            r.headers.push(("retry-after".into(), secs.to_string()));
        }
        r
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A source of randomness for ids. The worker uses `crypto.getRandomValues`; tests a counter.
pub trait Random {
    fn bytes16(&self) -> [u8; 16];

    /// Twelve random hex digits: with a timestamp, a time-ordered id that concurrent writers
    /// do not share.
    fn nonce(&self) -> String {
        self.uuid()[24..].to_string()
    }

    /// A random (version 4) UUID.
    fn uuid(&self) -> String {
        let mut b = self.bytes16();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Operating-system randomness (natively) or `crypto.getRandomValues` (wasm32).
pub struct OsRandom;

impl Random for OsRandom {
    fn bytes16(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        // getrandom only fails when the platform has no entropy source at all; an id from
        // zeros would still be well-formed, and the next request tries again.
        let _ = getrandom::fill(&mut b);
        b
    }
}

/// Everything a request needs besides itself.
pub struct Ctx<'a, S: Store> {
    pub store: &'a S,
    /// `Err` when the deployment is not configured: every request is refused.
    pub settings: &'a Result<Settings, String>,
    pub now: Millis,
    pub random: &'a dyn Random,
    /// What is kept across requests (per isolate in the worker).
    pub caches: &'a Caches,
    /// Counts requests against the projects' rate limits: natively the isolate's
    /// [`Caches::rate_window`] alone, in the worker that and Cloudflare's binding.
    pub limiter: &'a dyn RateLimit,
    /// The console's counters (`GET /stats`): a Durable Object in the worker, maps natively.
    pub counters: &'a dyn counters::Counters,
    /// Waiting on a timer of the request's own (`isolate`).
    pub pause: &'a dyn isolate::Pause,
}

/// What an isolate keeps across requests: population snapshots, compiled customer rules, the IP
/// tables held in KV, and the rate limits' current window.
#[derive(Default)]
pub struct Caches {
    pub populations: Populations,
    pub rules: rules::RuleSets,
    pub ip_tables: IpTables,
    pub rate_window: Window,
}

/// In development only, a request may carry a clock and a location of its own, so scenario
/// tests can lay down weeks of history in seconds and play users anywhere:
/// `x-edgeward-now` (Unix milliseconds) and `x-edgeward-cf` (JSON standing in for Cloudflare's
/// `request.cf`). A deployed worker ignores both.
fn development_overrides<S: Store>(
    ctx: &Ctx<'_, S>,
    req: &Request,
) -> Result<Option<(Millis, Option<Geo>)>, ApiError> {
    if !ctx.settings.as_ref().is_ok_and(|s| s.development) {
        return Ok(None);
    }
    let now = match req.header("x-edgeward-now") {
        Some(v) => v.trim().parse::<Millis>().map_err(|_| {
            ApiError::bad_request(format!(
                "x-edgeward-now must be Unix milliseconds, not {v:?}"
            ))
        })?,
        None => ctx.now,
    };
    let geo = match req.header("x-edgeward-cf") {
        Some(v) => Some(serde_json::from_str::<Geo>(v).map_err(|e| {
            ApiError::bad_request(format!("x-edgeward-cf is not a request.cf object: {e}"))
        })?),
        None => req.geo.clone(),
    };
    Ok(Some((now, geo)))
}

/// Serves one request. Never panics on any input; every failure is a JSON error body.
pub async fn handle<S: Store>(ctx: &Ctx<'_, S>, req: &Request) -> Response {
    let result = match development_overrides(ctx, req) {
        Ok(Some((now, geo))) => {
            let ctx = Ctx { now, ..*ctx };
            let req = Request { geo, ..req.clone() };
            dispatch(&ctx, &req).await
        }
        Ok(None) => dispatch(ctx, req).await,
        Err(e) => Err(e),
    };
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => Response::error(&e),
    };
    if let Ok(settings) = ctx.settings {
        cors::decorate(settings, req, &mut resp);
    }
    resp
}

fn served<'a, S: Store>(ctx: &Ctx<'a, S>) -> Result<&'a Settings, ApiError> {
    ctx.settings
        .as_ref()
        .map_err(|e| ApiError::unavailable(format!("Edgeward refuses to serve: {e}")))
}

/// The project of a browser request's public key, once its client address is within the
/// project's limit.
async fn public<'a, S: Store>(ctx: &Ctx<'a, S>, req: &Request) -> Result<&'a Project, ApiError> {
    let settings = served(ctx)?;
    let project = auth::public(settings, req)?;
    let client = session::client_ip(settings.development, req);
    ratelimit::enforce(
        ctx.limiter,
        &ratelimit::Bucket::public(project, client),
        ctx.now,
    )
    .await?;
    Ok(project)
}

/// The project of a server request's secret key, once the key is within the project's limit.
async fn secret<'a, S: Store>(ctx: &Ctx<'a, S>, req: &Request) -> Result<&'a Project, ApiError> {
    let (project, key_hash) = auth::secret(served(ctx)?, req)?;
    ratelimit::enforce(
        ctx.limiter,
        &ratelimit::Bucket::secret(project, &key_hash),
        ctx.now,
    )
    .await?;
    Ok(project)
}

async fn dispatch<S: Store>(ctx: &Ctx<'_, S>, req: &Request) -> Result<Response, ApiError> {
    let s = || served(ctx);
    match router::route(&req.method, &req.path)? {
        Route::Health => Ok(health(ctx)),
        Route::OpenApi => Ok(openapi::response()),
        Route::Preflight => cors::preflight(s()?, req),
        Route::CreateSession => session::create(ctx, public(ctx, req).await?, req).await,
        Route::Nonce => nonce::issue(ctx, public(ctx, req).await?, req).await,
        Route::Authenticate => session::authenticate(ctx, secret(ctx, req).await?, req).await,
        Route::Unauthenticated => session::unauthenticated(ctx, secret(ctx, req).await?, req).await,
        Route::GetSession(id) => session::get(ctx, secret(ctx, req).await?, &id).await,
        Route::GetAccount(id) => account::get(ctx, secret(ctx, req).await?, &id).await,
        Route::PutAccount(id) => account::put(ctx, secret(ctx, req).await?, &id, req).await,
        Route::DeleteAccount(id) => account::delete(ctx, secret(ctx, req).await?, &id).await,
        Route::AccountSessions(id) => account::sessions(ctx, secret(ctx, req).await?, &id).await,
        Route::AccountsLinked(id) => account::linked(ctx, secret(ctx, req).await?, &id).await,
        Route::AccountTimeline(id) => timeline::get(ctx, secret(ctx, req).await?, &id, req).await,
        Route::Lists => lists::index(ctx, secret(ctx, req).await?).await,
        Route::GetList(l) => lists::get(ctx, secret(ctx, req).await?, &l).await,
        Route::CreateList(l) => lists::create(ctx, secret(ctx, req).await?, &l, req).await,
        Route::DeleteList(l) => lists::delete(ctx, secret(ctx, req).await?, &l).await,
        Route::AddToList(l, a) => lists::add_account(ctx, secret(ctx, req).await?, &l, &a).await,
        Route::RemoveFromList(l, a) => {
            lists::remove_account(ctx, secret(ctx, req).await?, &l, &a).await
        }
        Route::Event => events::record(ctx, secret(ctx, req).await?, req).await,
        Route::AccountInfoV1(id) => defender::v1(ctx, secret(ctx, req).await?, &id, req).await,
        Route::AccountInfoV2(id) => defender::v2(ctx, secret(ctx, req).await?, &id, req).await,
        Route::Feedback => feedback::update_status(ctx, secret(ctx, req).await?, req).await,
        Route::Rules => rules::index(ctx, secret(ctx, req).await?).await,
        Route::GetRule(n) => rules::get(ctx, secret(ctx, req).await?, &n).await,
        Route::PutRule(n) => rules::put(ctx, secret(ctx, req).await?, &n, req).await,
        Route::DeleteRule(n) => rules::delete(ctx, secret(ctx, req).await?, &n).await,
        Route::Backtest(n) => backtest::run(ctx, secret(ctx, req).await?, &n, req).await,
        Route::Accounts => console::accounts(ctx, secret(ctx, req).await?, req).await,
        Route::Incidents => console::incidents(ctx, secret(ctx, req).await?, req).await,
        Route::Stats => console::stats(ctx, secret(ctx, req).await?, req).await,
        Route::Calibration => calibration::get(ctx, secret(ctx, req).await?, req).await,
        Route::Project => Ok(settings::get(ctx, secret(ctx, req).await?)),
        Route::TestWebhook => settings::test(ctx, secret(ctx, req).await?),
        Route::DeleteUserData => {
            deletion::delete_user_data(ctx, secret(ctx, req).await?, req).await
        }
    }
}

fn health<S: Store>(ctx: &Ctx<'_, S>) -> Response {
    #[derive(Serialize)]
    struct Health<'a> {
        status: &'a str,
        version: &'a str,
        projects: usize,
        message: String,
    }
    match ctx.settings {
        Ok(s) => Response::json(
            200,
            &Health {
                status: "ok",
                version: env!("CARGO_PKG_VERSION"),
                projects: s.projects.len(),
                message: String::new(),
            },
        ),
        Err(e) => Response::json(
            503,
            &Health {
                status: "unconfigured",
                version: env!("CARGO_PKG_VERSION"),
                projects: 0,
                message: e.clone(),
            },
        ),
    }
}
