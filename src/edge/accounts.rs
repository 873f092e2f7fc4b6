//! Each account's own storage at the edge: one SQLite-backed Durable Object per (project,
//! account) (`Accounts`, binding `ACCOUNTS` in `wrangler.toml`), holding every key under
//! `p/{project}/a/{account}/` (`store::keys::account_scope`) with the semantics the API already
//! relies on from KV (get, put with TTL and metadata, list by prefix in key order, delete).
//!
//! Why. An account's keys are read and written by every request about it; in KV each is a
//! separate operation, eventually consistent, and a list of the account pays for its size
//! across the namespace (on `wrangler dev` a KV list scans every key sorting before its prefix,
//! so every list grew with all the accounts stored; BENCHMARKS.md). In the object they are
//! rows of one table indexed by key: the API's operations on one account travel in one call
//! (`edge::store` batches them, `POST /batch`), run in order with no other request in between,
//! and a list is an indexed range (`POST /list`, whose answer body is the page).
//!
//! Upgrades lose nothing: the first calls to an object move what KV still holds under the
//! account (written by an earlier version) into its table, a page a call with every other call
//! held meanwhile ([`IMPORT_PER_CALL`]), and delete it from KV. Deleting the account's last key deletes the
//! object's storage ([`worker::Storage::delete_all`]): a deleted account leaves nothing behind;
//! reads of an account that stores nothing (an unknown id) create none.

use std::cell::Cell;

use futures::future::join_all;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{durable_object, Env, Request, Response, Result, SqlStorage, SqlStorageValue, State};

use super::kv::KvNamespace;
use crate::store::Store;

pub const BINDING: &str = "ACCOUNTS";

/// One operation on the account's keys, as the worker sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Get {
        key: String,
    },
    Put {
        key: String,
        value: String,
        #[serde(default)]
        metadata: Option<Value>,
        /// Seconds until the key is forgotten.
        #[serde(default)]
        ttl: Option<u64>,
    },
    Delete {
        key: String,
    },
}

/// The answer to one [`Op`]: a get's value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A page of the account's keys: up to `limit` under `prefix` after `after`, in key order. The
/// object answers with the page itself as the body, a JSON array of `store::Listed` as SQLite wrote
/// it, and the next page's cursor in [`CURSOR_HEADER`]: the worker parses the page once, and
/// nothing in between parses or copies it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListPage {
    pub scope: String,
    pub prefix: String,
    #[serde(default)]
    pub after: Option<String>,
    pub limit: usize,
}

pub const CURSOR_HEADER: &str = "x-cursor";

/// What the worker sends: the account's prefix (every key must lie under it) and the ops.
#[derive(Debug, Serialize, Deserialize)]
pub struct Batch {
    pub scope: String,
    pub ops: Vec<Op>,
}

#[durable_object(fetch)]
pub struct Accounts {
    state: State,
    env: Env,
    stage: Cell<Stage>,
}

/// What this instance of the object knows of its storage.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    /// Not looked at yet.
    Unknown,
    /// Nothing stored, and nothing left in KV to move: reads answer empty without creating
    /// storage; the first write creates the schema.
    Empty,
    /// The schema exists and the move from KV is done.
    Ready,
}

/// How far the move from KV got.
enum Moved {
    /// KV held nothing and the object stores nothing: no storage was created.
    Nothing,
    /// A page moved; more follow.
    More,
    Done,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, metadata TEXT,
  expires INTEGER);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires) WHERE expires IS NOT NULL;
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
";

fn text(v: &str) -> SqlStorageValue {
    SqlStorageValue::String(v.to_string())
}

fn int(v: i64) -> SqlStorageValue {
    SqlStorageValue::Integer(v)
}

fn now() -> i64 {
    worker::Date::now().as_millis() as i64
}

#[derive(Deserialize)]
struct ValueRow {
    value: String,
}

#[derive(Deserialize)]
struct PageRow {
    j: String,
    last: Option<String>,
    n: i64,
}

#[derive(Deserialize)]
struct CountRow {
    n: i64,
}

/// Above every key starting with `prefix` (keys are ASCII: ids are percent-encoded), so a
/// prefix is the range `prefix <= key < upper_bound(prefix)`, which SQLite answers from the
/// primary key's index.
/// A row that has not expired at the time bound to its `?`.
const LIVE: &str = "(expires IS NULL OR expires > ?)";

fn upper_bound(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// A page of keys under `prefix` after `after` (at most `limit`): the page as one JSON text and
/// the next page's cursor, when keys follow.
fn list(
    sql: &SqlStorage,
    prefix: &str,
    after: Option<String>,
    limit: usize,
    at: i64,
) -> Result<(String, Option<String>)> {
    let limit = limit.clamp(1, 1000);
    let from = after.filter(|a| a.as_str() >= prefix);
    let upper = upper_bound(prefix);
    // One JSON text for the page, written by string concatenation: a row per key would cross
    // into Rust field by field, and `json()` would parse every metadata (stored as JSON text by
    // `Op::Put` and the import).
    let query = format!(
        "SELECT '[' || coalesce(group_concat('{{\"name\":' || json_quote(key) ||
                ',\"metadata\":' || coalesce(metadata, 'null') || '}}', ','), '') || ']' AS j,
                max(key) AS last, count(*) AS n
         FROM (SELECT key, metadata FROM kv WHERE key {} ? AND key < ? AND {LIVE}
               ORDER BY key LIMIT ?)",
        if from.is_some() { ">" } else { ">=" }
    );
    let start = from.unwrap_or_else(|| prefix.to_string());
    let rows: Vec<PageRow> = sql
        .exec(
            &query,
            vec![text(&start), text(&upper), int(at), int(limit as i64)],
        )?
        .to_array()?;
    let Some(row) = rows.into_iter().next() else {
        return Ok((String::from("[]"), None));
    };
    // A full page: the next one starts after its last key, if any key is left there.
    let cursor = match row.last {
        Some(last) if row.n as usize >= limit => {
            let left: Vec<CountRow> = sql
                .exec(
                    &format!(
                        "SELECT count(*) AS n FROM (SELECT 1 FROM kv
                         WHERE key > ? AND key < ? AND {LIVE} LIMIT 1)"
                    ),
                    vec![text(&last), text(&upper), int(at)],
                )?
                .to_array()?;
            left.first().is_some_and(|r| r.n > 0).then_some(last)
        }
        _ => None,
    };
    Ok((row.j, cursor))
}

fn run(sql: &SqlStorage, op: Op, at: i64) -> Result<Answer> {
    match op {
        Op::Get { key } => {
            let rows: Vec<ValueRow> = sql
                .exec(
                    &format!("SELECT value FROM kv WHERE key = ? AND {LIVE}"),
                    vec![text(&key), int(at)],
                )?
                .to_array()?;
            Ok(Answer {
                value: rows.into_iter().next().map(|r| r.value),
            })
        }
        Op::Put {
            key,
            value,
            metadata,
            ttl,
        } => {
            let metadata = metadata.map_or(SqlStorageValue::Null, |m| text(&m.to_string()));
            let expires = ttl.map_or(SqlStorageValue::Null, |t| {
                int(at.saturating_add(t.min(i64::MAX as u64 / 2000) as i64 * 1000))
            });
            sql.exec(
                "INSERT OR REPLACE INTO kv (key, value, metadata, expires) VALUES (?, ?, ?, ?)",
                vec![text(&key), text(&value), metadata, expires],
            )?;
            Ok(Answer::default())
        }
        Op::Delete { key } => {
            sql.exec("DELETE FROM kv WHERE key = ?", vec![text(&key)])?;
            Ok(Answer::default())
        }
    }
}

fn key_of(op: &Op) -> &str {
    match op {
        Op::Get { key } | Op::Put { key, .. } | Op::Delete { key } => key,
    }
}

/// At most this many keys move from KV per call: each is a KV get and a delete, well inside the
/// subrequests one invocation may make. A larger account takes several calls, each answered
/// with an error (a 503 to the API's caller) until the last.
const IMPORT_PER_CALL: usize = 200;

/// Moves the next page of what KV holds under `scope` (see the module comment) into the table,
/// then deletes it from KV; the listing's cursor is kept in `meta`, so a page is never read
/// twice. `tables`: the schema exists already. A failure is returned as a value: an error
/// inside `blockConcurrencyWhile` would reset the object.
async fn import(
    env: Env,
    sql: SqlStorage,
    scope: String,
    tables: bool,
    at: i64,
) -> Result<Result<Moved>> {
    Ok(import_page(env, sql, scope, tables, at).await)
}

#[derive(Deserialize)]
struct MetaRow {
    v: String,
}

async fn import_page(
    env: Env,
    sql: SqlStorage,
    scope: String,
    tables: bool,
    at: i64,
) -> Result<Moved> {
    let kv = KvNamespace::bind(&env, super::KV_BINDING)?;
    let err = |e: crate::store::StoreError| worker::Error::RustError(e.0);
    let cursor = match tables {
        true => sql
            .exec("SELECT v FROM meta WHERE k = 'import_cursor'", None)?
            .to_array::<MetaRow>()?
            .into_iter()
            .next()
            .map(|r| r.v),
        false => None,
    };
    let (keys, next) = kv
        .list_keys(&scope, cursor, IMPORT_PER_CALL)
        .await
        .map_err(err)?;
    if !tables && keys.is_empty() && next.is_none() {
        return Ok(Moved::Nothing);
    }
    sql.exec(SCHEMA, None)?;
    let values = join_all(keys.iter().map(|k| kv.get(&k.name))).await;
    for (k, value) in keys.iter().zip(values) {
        let Some(value) = value.map_err(err)? else {
            continue;
        };
        // KV's expiration is in seconds; a key past it is not moved.
        let expires = k.expiration.map(|e| (e as i64).saturating_mul(1000));
        if expires.is_some_and(|e| e <= at) {
            continue;
        }
        let metadata = k
            .metadata
            .as_ref()
            .map_or(SqlStorageValue::Null, |m| text(m.get()));
        // Kept if the object already holds the key (it is newer).
        sql.exec(
            "INSERT OR IGNORE INTO kv (key, value, metadata, expires) VALUES (?, ?, ?, ?)",
            vec![
                text(&k.name),
                text(&value),
                metadata,
                expires.map_or(SqlStorageValue::Null, int),
            ],
        )?;
    }
    let names: Vec<String> = keys.into_iter().map(|k| k.name).collect();
    kv.delete_all(&names).await.map_err(err)?;
    match next {
        Some(c) => {
            sql.exec(
                "INSERT OR REPLACE INTO meta (k, v) VALUES ('import_cursor', ?)",
                vec![text(&c)],
            )?;
            Ok(Moved::More)
        }
        None => {
            sql.exec("DELETE FROM meta WHERE k = 'import_cursor'", None)?;
            mark_imported(&sql)?;
            Ok(Moved::Done)
        }
    }
}

fn mark_imported(sql: &SqlStorage) -> Result<()> {
    sql.exec(
        "INSERT OR REPLACE INTO meta (k, v) VALUES ('imported', '1')",
        None,
    )?;
    Ok(())
}

impl Accounts {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    /// The stage this call starts from, after the move from KV on the object's first call; a
    /// call that writes into an empty object creates the schema. → whether the tables exist.
    async fn ready(&self, scope: &str, writes: bool) -> Result<bool> {
        if self.stage.get() == Stage::Unknown {
            let sql = self.sql();
            let tables = !sql
                .exec(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                    None,
                )?
                .to_array::<serde_json::Value>()?
                .is_empty();
            let imported = tables
                && !sql
                    .exec("SELECT v FROM meta WHERE k = 'imported'", None)?
                    .to_array::<MetaRow>()?
                    .is_empty();
            let stage = if imported {
                Stage::Ready
            } else {
                let moved = import(self.env.clone(), sql, scope.to_string(), tables, now());
                match self.state.block_concurrency_while(moved).await?? {
                    Moved::Nothing => Stage::Empty,
                    Moved::Done => Stage::Ready,
                    Moved::More => {
                        return Err(worker::Error::RustError(format!(
                            "{scope} is still moving from KV into its object: try again"
                        )))
                    }
                }
            };
            self.stage.set(stage);
        }
        if self.stage.get() == Stage::Empty && writes {
            let sql = self.sql();
            sql.exec(SCHEMA, None)?;
            mark_imported(&sql)?;
            self.stage.set(Stage::Ready);
        }
        Ok(self.stage.get() == Stage::Ready)
    }

    async fn list(&self, l: ListPage) -> Result<(String, Option<String>)> {
        if !l.prefix.starts_with(&l.scope) {
            return Err(worker::Error::RustError(format!(
                "{} is not under {}",
                l.prefix, l.scope
            )));
        }
        if !self.ready(&l.scope, false).await? {
            // An account that stores nothing (an unknown id): no storage is created.
            return Ok((String::from("[]"), None));
        }
        list(&self.sql(), &l.prefix, l.after, l.limit, now())
    }

    async fn batch(&self, batch: Batch) -> Result<Vec<Answer>> {
        if let Some(op) = batch
            .ops
            .iter()
            .find(|o| !key_of(o).starts_with(&batch.scope))
        {
            return Err(worker::Error::RustError(format!(
                "{} is not under {}",
                key_of(op),
                batch.scope
            )));
        }
        let writes = batch
            .ops
            .iter()
            .any(|o| matches!(o, Op::Put { .. } | Op::Delete { .. }));
        if !self.ready(&batch.scope, writes).await? {
            // Reads of an account that stores nothing (an unknown id): no storage is created.
            return Ok(batch.ops.iter().map(|_| Answer::default()).collect());
        }
        let sql = self.sql();
        let at = now();
        // No await between the operations: no other call runs in between.
        let answers = batch
            .ops
            .into_iter()
            .map(|op| run(&sql, op, at))
            .collect::<Result<Vec<_>>>()?;
        if writes {
            // Expired keys go; an object left with no key (the account deleted) deletes its
            // storage: nothing is left behind.
            sql.exec(
                "DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?",
                vec![int(at)],
            )?;
            let left: Vec<CountRow> = sql
                .exec("SELECT count(*) AS n FROM (SELECT 1 FROM kv LIMIT 1)", None)?
                .to_array()?;
            if left.first().map_or(0, |r| r.n) == 0 {
                self.stage.set(Stage::Empty);
                self.state.storage().delete_all().await?;
            }
        }
        Ok(answers)
    }
}

impl worker::DurableObject for Accounts {
    fn new(state: State, env: Env) -> Self {
        Accounts {
            state,
            env,
            stage: Cell::new(Stage::Unknown),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let answered = match req.path().as_str() {
            "/list" => self
                .list(req.json().await?)
                .await
                .and_then(|(page, cursor)| {
                    let r = Response::ok(page)?;
                    if let Some(c) = cursor {
                        r.headers().set(CURSOR_HEADER, &c)?;
                    }
                    Ok(r)
                }),
            _ => self
                .batch(req.json().await?)
                .await
                .and_then(|answers| Response::from_json(&answers)),
        };
        answered.or_else(|e| Response::error(e.to_string(), 500))
    }
}
