//! The console's counters at the edge: one SQLite-backed Durable Object per project
//! (`Counters`, binding `COUNTERS` in `wrangler.toml`), and the client the API reads it with.
//! Why a Durable Object and not KV is argued in `state::counters`.
//!
//! Tables: `hours` (decisions and incidents per hour), `countries` (authenticated sessions per
//! country and day), `idents` (each account once behind an address, device or network),
//! `ident_counts` (how many accounts per identifier, indexed by count for the top lists) and
//! `forgotten` (deleted accounts' tombstones, `state::counters::forgotten`).
//!
//! [`enqueue`] gathers an isolate's tallies and sends them in one call per
//! `state::counters::FLUSH_DELAY`.

use futures::future::LocalBoxFuture;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::{
    durable_object, Context, Env, Method, Request, RequestInit, Response, Result, SqlStorage,
    SqlStorageValue, State,
};

use crate::api::ApiError;
use crate::schema::time::Millis;
use crate::state::counters::{
    self, Bucket, Counts, Range, Ranked, Tally, Top, FLUSH_DELAY, FLUSH_MAX, KINDS, TOP,
};

pub const BINDING: &str = "COUNTERS";

#[durable_object(fetch)]
pub struct Counters {
    sql: SqlStorage,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS hours (hour INTEGER PRIMARY KEY, real INTEGER NOT NULL DEFAULT 0,
  suspicious INTEGER NOT NULL DEFAULT 0, fake INTEGER NOT NULL DEFAULT 0,
  incidents INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS countries (day INTEGER NOT NULL, country TEXT NOT NULL,
  n INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, country));
CREATE TABLE IF NOT EXISTS idents (kind TEXT NOT NULL, value TEXT NOT NULL, account TEXT NOT NULL,
  PRIMARY KEY (kind, value, account));
CREATE INDEX IF NOT EXISTS idents_by_account ON idents (account);
CREATE TABLE IF NOT EXISTS ident_counts (kind TEXT NOT NULL, value TEXT NOT NULL,
  n INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (kind, value));
CREATE INDEX IF NOT EXISTS ident_counts_top ON ident_counts (kind, n);
CREATE TABLE IF NOT EXISTS forgotten (account TEXT PRIMARY KEY, at INTEGER NOT NULL);
";

#[derive(Deserialize)]
struct HourRow {
    k: i64,
    real: i64,
    suspicious: i64,
    fake: i64,
    incidents: i64,
}

#[derive(Deserialize)]
struct RankRow {
    value: String,
    n: i64,
}

#[derive(Deserialize)]
struct AtRow {
    at: i64,
}

/// `/forget`'s body: the account, and when it was deleted.
#[derive(Serialize, Deserialize)]
struct Forget {
    account: String,
    at: Millis,
}

#[derive(Deserialize)]
struct IdentRow {
    kind: String,
    value: String,
}

fn int(v: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(v)
}

fn text(v: &str) -> SqlStorageValue {
    SqlStorageValue::String(v.to_string())
}

impl Counters {
    fn record(&self, tallies: &[Tally]) -> Result<()> {
        for t in tallies {
            let mut c = [0u64; 4];
            counters::add(&mut c, t);
            self.sql.exec(
                "INSERT INTO hours (hour, real, suspicious, fake, incidents) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (hour) DO UPDATE SET real = real + excluded.real,
                 suspicious = suspicious + excluded.suspicious, fake = fake + excluded.fake,
                 incidents = incidents + excluded.incidents",
                vec![
                    int(counters::hour_of(t.at)),
                    int(c[0] as i64),
                    int(c[1] as i64),
                    int(c[2] as i64),
                    int(c[3] as i64),
                ],
            )?;
            if !t.country.is_empty() && !t.decision.is_empty() {
                self.sql.exec(
                    "INSERT INTO countries (day, country, n) VALUES (?, ?, 1)
                     ON CONFLICT (day, country) DO UPDATE SET n = n + 1",
                    vec![int(counters::day_of(t.at)), text(&t.country)],
                )?;
            }
            if t.identifiers.is_empty() || t.account.is_empty() {
                continue;
            }
            let deleted: Vec<AtRow> = self
                .sql
                .exec(
                    "SELECT at FROM forgotten WHERE account = ?",
                    vec![text(&t.account)],
                )?
                .to_array()?;
            if counters::forgotten(deleted.first().map(|r| r.at), t) {
                continue;
            }
            for (kind, value) in &t.identifiers {
                if !KINDS.contains(&kind.as_str()) || value.is_empty() {
                    continue;
                }
                // One writer: the check and the insert cannot interleave with another tally.
                let known: Vec<IdentRow> = self
                    .sql
                    .exec(
                        "SELECT kind, value FROM idents WHERE kind = ? AND value = ? AND account = ?",
                        vec![text(kind), text(value), text(&t.account)],
                    )?
                    .to_array()?;
                let new = known.is_empty();
                if new {
                    self.sql.exec(
                        "INSERT INTO idents (kind, value, account) VALUES (?, ?, ?)",
                        vec![text(kind), text(value), text(&t.account)],
                    )?;
                }
                if new {
                    self.sql.exec(
                        "INSERT INTO ident_counts (kind, value, n) VALUES (?, ?, 1)
                         ON CONFLICT (kind, value) DO UPDATE SET n = n + 1",
                        vec![text(kind), text(value)],
                    )?;
                }
            }
        }
        Ok(())
    }

    fn ranked(&self, query: &str, bindings: Vec<SqlStorageValue>) -> Result<Vec<Ranked>> {
        let rows: Vec<RankRow> = self.sql.exec(query, bindings)?.to_array()?;
        Ok(rows
            .into_iter()
            .map(|r| Ranked {
                value: r.value,
                count: r.n.max(0) as u64,
            })
            .collect())
    }

    fn read(&self, range: Range) -> Result<Counts> {
        let rows: Vec<HourRow> = self
            .sql
            .exec(
                "SELECT CAST((hour - CAST(? AS INTEGER)) / CAST(? AS INTEGER) AS INTEGER) AS k, SUM(real) AS real, SUM(suspicious) AS suspicious,
                 SUM(fake) AS fake, SUM(incidents) AS incidents FROM hours
                 WHERE hour >= ? AND hour < ? GROUP BY k ORDER BY k",
                vec![
                    int(range.from),
                    int(range.step),
                    int(range.from),
                    int(range.to),
                ],
            )?
            .to_array()?;
        let buckets = rows
            .into_iter()
            .map(|r| Bucket {
                start: range.from + r.k * range.step,
                real: r.real.max(0) as u64,
                suspicious: r.suspicious.max(0) as u64,
                fake: r.fake.max(0) as u64,
                incidents: r.incidents.max(0) as u64,
            })
            .collect();
        let countries = self.ranked(
            "SELECT country AS value, SUM(n) AS n FROM countries WHERE day >= ? AND day < ?
             GROUP BY country ORDER BY n DESC, country LIMIT ?",
            vec![
                int(counters::day_of(range.from)),
                int(range.to),
                int(TOP as i64),
            ],
        )?;
        let top_of = |kind: &str| {
            self.ranked(
                "SELECT value, n FROM ident_counts WHERE kind = ? AND n > 0
                 ORDER BY n DESC, value LIMIT ?",
                vec![text(kind), int(TOP as i64)],
            )
        };
        Ok(Counts {
            buckets,
            top: Top {
                countries,
                addresses: top_of("address")?,
                devices: top_of("device")?,
                networks: top_of("network")?,
            },
        })
    }

    fn forget(&self, account: &str, at: Millis) -> Result<()> {
        self.sql.exec(
            "DELETE FROM forgotten WHERE at < ?",
            vec![int(at - counters::TOMBSTONE_KEPT)],
        )?;
        self.sql.exec(
            "INSERT OR REPLACE INTO forgotten (account, at) VALUES (?, ?)",
            vec![text(account), int(at)],
        )?;
        let rows: Vec<IdentRow> = self
            .sql
            .exec(
                "SELECT kind, value FROM idents WHERE account = ?",
                vec![text(account)],
            )?
            .to_array()?;
        for r in rows {
            self.sql.exec(
                "UPDATE ident_counts SET n = n - 1 WHERE kind = ? AND value = ?",
                vec![text(&r.kind), text(&r.value)],
            )?;
            self.sql.exec(
                "DELETE FROM ident_counts WHERE kind = ? AND value = ? AND n <= 0",
                vec![text(&r.kind), text(&r.value)],
            )?;
        }
        self.sql
            .exec("DELETE FROM idents WHERE account = ?", vec![text(account)])?;
        Ok(())
    }
}

impl worker::DurableObject for Counters {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = sql.exec(SCHEMA, None) {
            worker::console_error!("counters: schema not created: {e}");
        }
        Counters { sql }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match path.as_str() {
            "/record" => {
                let tallies: Vec<Tally> = req.json().await?;
                self.record(&tallies)?;
                Response::empty()
            }
            "/read" => {
                let range: Range = req.json().await?;
                Response::from_json(&self.read(range)?)
            }
            "/forget" => {
                let f: Forget = req.json().await?;
                self.forget(&f.account, f.at)?;
                Response::empty()
            }
            _ => Response::error("no such counters operation", 404),
        }
    }
}

/// The API's [`counters::Counters`] over the Durable Object namespace.
pub struct EdgeCounters {
    pub env: Env,
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    ApiError::unavailable(format!("counters unavailable: {e}"))
}

/// Sends one operation to the project's object; → its answer's body.
pub async fn call(env: &Env, project: &str, op: &str, body: String) -> Result<String> {
    let stub = env
        .durable_object(BINDING)?
        .id_from_name(project)?
        .get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(wasm_bindgen::JsValue::from_str(&body)));
    let req = Request::new_with_init(&format!("https://counters/{op}"), &init)?;
    let mut resp = stub.fetch_with_request(req).await?;
    if resp.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "counters {op}: HTTP {}",
            resp.status_code()
        )));
    }
    resp.text().await
}

impl counters::Counters for EdgeCounters {
    fn record<'a>(
        &'a self,
        project: &'a str,
        tallies: &'a [Tally],
    ) -> LocalBoxFuture<'a, std::result::Result<(), ApiError>> {
        Box::pin(async move {
            let body = serde_json::to_string(tallies).map_err(unavailable)?;
            call(&self.env, project, "record", body)
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn read<'a>(
        &'a self,
        project: &'a str,
        range: Range,
    ) -> LocalBoxFuture<'a, std::result::Result<Counts, ApiError>> {
        Box::pin(async move {
            let body = serde_json::to_string(&range).map_err(unavailable)?;
            let text = call(&self.env, project, "read", body)
                .await
                .map_err(unavailable)?;
            serde_json::from_str(&text).map_err(unavailable)
        })
    }

    fn forget<'a>(
        &'a self,
        project: &'a str,
        account: &'a str,
        at: Millis,
    ) -> LocalBoxFuture<'a, std::result::Result<(), ApiError>> {
        Box::pin(async move {
            let body = serde_json::to_string(&Forget {
                account: account.to_string(),
                at,
            })
            .map_err(unavailable)?;
            call(&self.env, project, "forget", body)
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }
}

thread_local! {
    /// Tallies this isolate's requests handed over and not yet sent, per project.
    static PENDING: RefCell<BTreeMap<String, Vec<Tally>>> = const { RefCell::new(BTreeMap::new()) };
    /// When a request's `waitUntil` started waiting to send them (0: none is).
    static FLUSH_SINCE: Cell<Millis> = const { Cell::new(0) };
}

/// A flush still waiting after this long was dropped with its request (the runtime cancels a
/// `waitUntil` past its limit): the next tally starts another, so none waits forever.
const FLUSH_STALE: Millis = 10_000;

/// Hands a request's tally to its isolate. The first tally of a period starts the flush in its
/// own request's `waitUntil` ([`FLUSH_DELAY`] later); the tallies of requests in between ride
/// along in the same call, so the object gets one call per isolate and period.
pub fn enqueue(env: &Env, ctx: &Context, project: String, tally: Tally) {
    PENDING.with(|p| p.borrow_mut().entry(project).or_default().push(tally));
    let now = worker::Date::now().as_millis() as Millis;
    let since = FLUSH_SINCE.with(Cell::get);
    if since != 0 && now - since < FLUSH_STALE {
        return;
    }
    FLUSH_SINCE.with(|f| f.set(now));
    let env = env.clone();
    ctx.wait_until(async move {
        worker::Delay::from(std::time::Duration::from_millis(FLUSH_DELAY as u64)).await;
        // Taken and the mark cleared together, with no await between: a tally handed over
        // from here on starts the next flush. A flush that finds nothing (a stale one's
        // successor took it) sends nothing.
        let pending = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
        FLUSH_SINCE.with(|f| f.set(0));
        for (project, tallies) in pending {
            for chunk in tallies.chunks(FLUSH_MAX) {
                let body = serde_json::to_string(chunk).unwrap_or_default();
                if let Err(e) = call(&env, &project, "record", body).await {
                    worker::console_error!(
                        "counters of {project}: {} tallies lost: {e}",
                        chunk.len()
                    );
                }
            }
        }
    });
}
