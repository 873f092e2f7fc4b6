//! The edge binding (feature `worker`): Cloudflare's fetch event in, [`crate::api::handle`] out.
//! Only conversions live here; all behaviour is in the natively tested layers.

mod accounts;
mod counters;
mod kv;
mod ratelimit;
mod store;

use std::cell::RefCell;
use std::rc::Rc;

use worker::{
    event, Context, Env, Headers, Request as WorkerRequest, Response as WorkerResponse, Result,
    ScheduleContext, ScheduledEvent,
};

use crate::api::body::MAX_BODY;
use crate::api::{self, ApiError, Caches, Ctx, Geo, OsRandom, Request, Response, Settings};
use crate::state::webhooks::{self, Delivery};

/// Waiting on the request's own timer (`state::isolate`).
struct TimerPause;

impl crate::state::isolate::Pause for TimerPause {
    fn pause(&self, ms: u64) -> futures::future::LocalBoxFuture<'_, ()> {
        Box::pin(worker::Delay::from(std::time::Duration::from_millis(ms)))
    }
}

/// The KV namespace binding declared in `wrangler.toml`.
const KV_BINDING: &str = "STATE";

/// Parsed settings, or why the deployment refuses to serve.
type Parsed = Rc<std::result::Result<Settings, String>>;

thread_local! {
    /// Settings parsed once per isolate, re-parsed only if the configuration string changes.
    static SETTINGS: RefCell<Option<(String, Parsed)>> = const { RefCell::new(None) };
    /// Population snapshots and IP tables, per isolate for the life of the isolate (leaked
    /// once: requests borrow them across awaits).
    static CACHES: &'static Caches = Box::leak(Box::default());
}

fn settings(env: &Env) -> Parsed {
    let projects = env
        .secret("EDGEWARD_PROJECTS")
        .map(|v| v.to_string())
        .ok()
        .unwrap_or_default();
    let development = env
        .var("EDGEWARD_ENV")
        .map(|v| v.to_string())
        .ok()
        .as_deref()
        == Some("development");
    let cache_key = format!("{development}\n{projects}");
    SETTINGS.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some((k, s)) = cell.as_ref() {
            if *k == cache_key {
                return s.clone();
            }
        }
        let parsed = Rc::new(Settings::parse(Some(&projects), development));
        *cell = Some((cache_key, parsed.clone()));
        parsed
    })
}

fn geo(req: &WorkerRequest) -> Option<Geo> {
    let cf = req.cf()?;
    let (latitude, longitude) = match cf.coordinates() {
        Some((lat, lon)) => (Some(f64::from(lat)), Some(f64::from(lon))),
        None => (None, None),
    };
    Some(Geo {
        country: cf.country().unwrap_or_default(),
        city: cf.city().unwrap_or_default(),
        continent: cf.continent().unwrap_or_default(),
        region: cf.region().unwrap_or_default(),
        postal_code: cf.postal_code().unwrap_or_default(),
        timezone: cf.timezone_name(),
        latitude,
        longitude,
        asn: cf.asn(),
        as_organization: cf.as_organization().unwrap_or_default(),
    })
}

async fn convert(
    mut req: WorkerRequest,
    development: bool,
) -> std::result::Result<Request, ApiError> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|n| n.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(ApiError::too_large(MAX_BODY));
    }
    let url = req
        .url()
        .map_err(|e| ApiError::bad_request(format!("bad URL: {e}")))?;
    let body = match req.method().as_ref() {
        "GET" | "HEAD" | "OPTIONS" => Vec::new(),
        _ => req
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("request body could not be read: {e}")))?,
    };
    Ok(Request {
        method: req.method().to_string(),
        path: url.path().to_string(),
        query: url.query().unwrap_or("").to_string(),
        headers: req.headers().entries().collect(),
        body,
        // Local workerd fills request.cf with a fixed placeholder location: ignore it there.
        geo: if development { None } else { geo(&req) },
    })
}

fn respond(r: Response) -> Result<WorkerResponse> {
    let headers = Headers::new();
    for (k, v) in &r.headers {
        headers.append(k, v)?;
    }
    let resp = if r.body.is_empty() {
        WorkerResponse::empty()?
    } else {
        WorkerResponse::ok(r.body)?
    };
    Ok(resp.with_status(r.status).with_headers(headers))
}

/// Posts one webhook, retrying with the API's backoff until the receiver answers 2xx.
async fn deliver(d: Delivery) {
    for attempt in 0..webhooks::ATTEMPTS {
        if attempt > 0 {
            let wait = webhooks::BACKOFF[attempt - 1] as u64;
            worker::Delay::from(std::time::Duration::from_millis(wait)).await;
        }
        match post(&d).await {
            Ok(status) if (200..300).contains(&status) => return,
            Ok(status) => worker::console_warn!("webhook {}: HTTP {status}", d.url),
            Err(e) => worker::console_warn!("webhook {}: {e}", d.url),
        }
    }
    worker::console_error!(
        "webhook {}: gave up after {} attempts",
        d.url,
        webhooks::ATTEMPTS
    );
}

async fn post(d: &Delivery) -> Result<u16> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set(webhooks::SIGNATURE_HEADER, &d.signature)?;
    let mut init = worker::RequestInit::new();
    init.with_method(worker::Method::Post)
        .with_headers(headers)
        .with_body(Some(wasm_bindgen::JsValue::from_str(&d.body)));
    let req = WorkerRequest::new_with_init(&d.url, &init)?;
    Ok(worker::Fetch::Request(req).send().await?.status_code())
}

#[event(fetch)]
async fn fetch(req: WorkerRequest, env: Env, ctx: Context) -> Result<WorkerResponse> {
    let settings = settings(&env);
    let development = settings.as_ref().as_ref().is_ok_and(|s| s.development);
    let store = store::EdgeStore::bind(&env, KV_BINDING)?;
    let request = match convert(req, development).await {
        Ok(r) => r,
        Err(e) => return respond(Response::error(&e)),
    };
    let caches = CACHES.with(|c| *c);
    let limiter = ratelimit::EdgeLimiter {
        env: &env,
        window: &caches.rate_window,
    };
    let counters = counters::EdgeCounters { env: env.clone() };
    let api_ctx = Ctx {
        store: &store,
        settings: &settings,
        now: worker::Date::now().as_millis() as i64,
        random: &OsRandom,
        caches,
        limiter: &limiter,
        counters: &counters,
        pause: &TimerPause,
    };
    let mut resp = api::handle(&api_ctx, &request).await;
    for line in std::mem::take(&mut resp.log) {
        worker::console_log!("{line}");
    }
    // The console's counters and webhooks go after the response, never delaying or failing it.
    for (project, tally) in std::mem::take(&mut resp.tallies) {
        counters::enqueue(&env, &ctx, project, tally);
    }
    for d in std::mem::take(&mut resp.deferred) {
        ctx.wait_until(deliver(d));
    }
    if development {
        fold_after_request(&env, &ctx, settings.clone(), caches);
    }
    respond(resp)
}

/// In development, `wrangler dev` fires no cron trigger (it says so: "Scheduled Workers are
/// not automatically triggered during local development"), so the population journal is
/// folded after a response, by the wall clock, at most once per `POPULATION_FOLD_EVERY`
/// seconds (default the cron's ten minutes; `0` never: the test suites fold through
/// `/__scheduled`). One local isolate and the mark `fold_due` sets before folding keep one
/// writer. Never in a deployment, where the cron trigger is the only writer.
fn fold_after_request(env: &Env, ctx: &Context, settings: Parsed, caches: &'static Caches) {
    let every = env
        .var("POPULATION_FOLD_EVERY")
        .ok()
        .and_then(|v| v.to_string().trim().parse::<i64>().ok())
        .map_or(crate::state::population::FOLD_INTERVAL, |s| s * 1000);
    let clock = worker::Date::now().as_millis() as i64;
    if every <= 0 || !caches.populations.fold_due(clock, every) {
        return;
    }
    let Ok(store) = store::EdgeStore::bind(env, KV_BINDING) else {
        return;
    };
    ctx.wait_until(async move {
        if let Ok(settings) = settings.as_ref() {
            // Local KV has no per-invocation limit: the whole journal is folded.
            let folds =
                crate::state::population::fold_all(&store, &settings.projects, usize::MAX).await;
            log_folds("after a request", folds);
        }
    });
}

/// One line per project: the counts the quality suite reads (`population of {id} rebuilt
/// ({n} sessions, {m} devices)`), then what the run did.
fn log_folds(
    when: &str,
    folds: Vec<(
        String,
        std::result::Result<crate::state::population::Folded, ApiError>,
    )>,
) {
    for (id, fold) in folds {
        match fold {
            Ok(f) => worker::console_log!(
                "{when}: population of {id} rebuilt ({} sessions, {} devices): {} {}, {} storage operations{}",
                f.population.sessions,
                f.population.devices,
                f.arrivals,
                if f.rebuilt { "sessions counted from scratch" } else { "arrivals folded" },
                f.operations,
                if f.more { ", more left for the next run" } else { "" }
            ),
            Err(e) => worker::console_error!(
                "{when}: population of {id} not rebuilt: {}",
                e.message
            ),
        }
    }
}

/// Downloads the Tor exit list at `url` into KV (`state::ip_tables`).
async fn refresh_tor_exits(
    store: &store::EdgeStore,
    url: &str,
) -> std::result::Result<usize, String> {
    let url = url
        .parse()
        .map_err(|e| format!("bad TOR_EXIT_LIST_URL: {e}"))?;
    let mut resp = worker::Fetch::Url(url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status_code() != 200 {
        return Err(format!("HTTP {}", resp.status_code()));
    }
    let text = resp.text().await.map_err(|e| e.to_string())?;
    crate::state::ip_tables::store_tor_exits(store, &text)
        .await
        .map_err(|e| e.message)
}

/// The cron trigger of `wrangler.toml`: refreshes the Tor exits (when `TOR_EXIT_LIST_URL` is
/// set) and folds every project's population journal into its index, off the request path
/// (`state::population`). A failure is logged and retried at the next trigger.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let settings = settings(&env);
    let Ok(settings) = settings.as_ref() else {
        return;
    };
    let Ok(store) = store::EdgeStore::bind(&env, KV_BINDING) else {
        worker::console_error!("scheduled: no KV binding {KV_BINDING}");
        return;
    };
    let tor_url = env
        .var("TOR_EXIT_LIST_URL")
        .map(|v| v.to_string())
        .unwrap_or_default();
    if !tor_url.is_empty() {
        match refresh_tor_exits(&store, &tor_url).await {
            Ok(n) => worker::console_log!("scheduled: {n} Tor exits stored"),
            Err(e) => worker::console_error!("scheduled: Tor exits not refreshed: {e}"),
        }
    }
    // Kept within KV's 1,000 operations per invocation; locally there is no such limit.
    let budget = match settings.development {
        true => usize::MAX,
        false => crate::state::population::KV_OPERATIONS_PER_RUN,
    };
    let folds = crate::state::population::fold_all(&store, &settings.projects, budget).await;
    log_folds("scheduled", folds);
}
