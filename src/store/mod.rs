//! Storage: a small async trait over a KV namespace, the key layout, and an in-memory store for
//! native tests.
//!
//! The trait mirrors what Cloudflare KV offers and nothing more (get, put with TTL and metadata,
//! list by prefix with metadata, delete): no transactions, last writer wins. The key layout in
//! [`keys`] is designed so that no request path ever reads, modifies and writes back a shared key.

pub mod keys;
pub mod memory;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

pub use keys::{IdError, Keys};
pub use memory::{MemoryStore, Ops};

/// A storage failure; never caused by client input, so the API answers it with a 503.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "storage error: {}", self.0)
    }
}

/// Options of a write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Put {
    /// Seconds until KV forgets the key (KV's minimum is 60).
    pub ttl_secs: Option<u64>,
    /// Up to 1024 bytes of JSON returned by `list` beside the key name.
    pub metadata: Option<Value>,
}

/// One key returned by `list` (the worker parses an account object's page into these). Its
/// metadata stays the JSON text the store answered with until its reader parses it into the
/// reader's own type ([`Listed::meta`]): an account's listing carries hundreds of session
/// summaries, and going through a `Value` on the way doubled what reading them cost.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Listed {
    pub name: String,
    #[serde(default)]
    pub metadata: Option<Box<RawValue>>,
}

impl Listed {
    pub fn new(name: impl Into<String>, metadata: Option<&Value>) -> Listed {
        Listed {
            name: name.into(),
            metadata: metadata.and_then(|m| serde_json::value::to_raw_value(m).ok()),
        }
    }

    /// The metadata as a `T`; `None` when there is none or it has another shape.
    pub fn meta<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(self.metadata.as_ref()?.get()).ok()
    }

    /// The metadata as a JSON value, for a reader of one or two fields.
    pub fn meta_value(&self) -> Option<Value> {
        self.meta()
    }

    /// The metadata's `t` field: when an index entry was filed.
    pub fn filed_at(&self) -> Option<i64> {
        #[derive(serde::Deserialize)]
        struct Filed {
            t: i64,
        }
        self.meta::<Filed>().map(|f| f.t)
    }
}

impl PartialEq for Listed {
    fn eq(&self, o: &Listed) -> bool {
        self.name == o.name
            && self.metadata.as_ref().map(|m| m.get()) == o.metadata.as_ref().map(|m| m.get())
    }
}

/// One page of `list`; `cursor` is `Some` while more keys follow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub keys: Vec<Listed>,
    pub cursor: Option<String>,
}

/// The largest metadata KV accepts, in bytes of serialised JSON.
pub const MAX_METADATA_BYTES: usize = 1024;

/// The write of a value whose JSON also rides in the key's metadata when it fits, so a listing
/// returns it and reading it back needs no separate get.
pub fn listed_write<T: serde::Serialize>(
    key: String,
    value: &T,
    ttl_secs: Option<u64>,
) -> (String, String, Put) {
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    let text = value.to_string();
    let metadata = (text.len() <= MAX_METADATA_BYTES).then_some(value);
    (key, text, Put { ttl_secs, metadata })
}

/// A KV namespace. Implemented by [`MemoryStore`] natively and by the Workers KV binding in the
/// edge build. Futures need not be `Send`: the worker runs on one thread.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// A value as bytes: binary tables (the ASN range table) are stored as they are.
    async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError>;
    /// One page of at most `limit` keys (KV's `limit`, 1 to 1000; a store may page smaller)
    /// under `prefix`; the cursor goes on from the last key returned.
    async fn list_page(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// One page of up to 1,000 keys under `prefix`, as KV pages a list.
    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<Page, StoreError> {
        self.list_page(prefix, cursor, 1000).await
    }

    /// The first page under `prefix` (KV returns up to 1,000 keys a page), and whether more
    /// follow: what a request path reads of an index that may be shared by very many accounts,
    /// so one popular identifier never costs more than one list call.
    async fn list_first(&self, prefix: &str) -> Result<(Vec<Listed>, bool), StoreError> {
        let page = self.list(prefix, None).await?;
        Ok((page.keys, page.cursor.is_some()))
    }

    /// Writes every `(key, value, options)` concurrently; the first failure is the answer.
    async fn put_all(&self, writes: Vec<(String, String, Put)>) -> Result<(), StoreError> {
        self.write_then_delete(writes, &[]).await
    }

    /// Deletes `keys` concurrently; the first failure is the answer.
    async fn delete_all(&self, keys: &[String]) -> Result<(), StoreError> {
        self.write_then_delete(Vec::new(), keys).await
    }

    /// Writes `writes`, then deletes `deletes` once every write has succeeded (a rollup is
    /// written before the keys it covers go), each concurrently. A store that can batch (the
    /// edge's account objects) sends each account's share as one call, the writes first; it
    /// overrides this method alone.
    async fn write_then_delete(
        &self,
        writes: Vec<(String, String, Put)>,
        deletes: &[String],
    ) -> Result<(), StoreError> {
        let written = futures::future::join_all(
            writes
                .into_iter()
                .map(|(k, v, p)| async move { self.put(&k, &v, p).await }),
        )
        .await;
        written.into_iter().collect::<Result<(), _>>()?;
        let deleted = futures::future::join_all(deletes.iter().map(|k| self.delete(k))).await;
        deleted.into_iter().collect()
    }

    /// Every key under `prefix`, following cursors page by page.
    async fn list_all(&self, prefix: &str) -> Result<Vec<Listed>, StoreError> {
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.list(prefix, cursor).await?;
            out.extend(page.keys);
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }
}
