//! An in-memory [`Store`] with KV's semantics (sorted listing, pages with cursors, expiry,
//! metadata size limit) for native tests.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::keys::{account_scope, spans_accounts};
use super::{Listed, Page, Put, Store, StoreError, MAX_METADATA_BYTES};
use crate::schema::time::{Millis, SECOND};

#[derive(Debug, Clone)]
struct Entry {
    value: Vec<u8>,
    metadata: Option<Value>,
    expires_at: Option<Millis>,
}

/// A KV namespace in a `BTreeMap`. Single-threaded like a worker isolate; share it by reference.
#[derive(Debug)]
pub struct MemoryStore {
    map: RefCell<BTreeMap<String, Entry>>,
    now: Cell<Millis>,
    page_size: usize,
    /// Operations made, for tests that bound what a request reads and for the storage
    /// benchmark (`benches/storage_ops.rs`).
    ops: Cell<Ops>,
    /// Inside a batch, whose object calls are counted once per account.
    batching: Cell<bool>,
}

/// Operations a store was asked for, as Cloudflare bills KV: each read, write, delete and list
/// call (a page of a list is one call).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ops {
    pub reads: u64,
    pub writes: u64,
    pub deletes: u64,
    pub lists: u64,
    /// Keys the list calls returned: what reading grows with.
    pub listed: u64,
    /// Of the operations above, those on an account's keys, which the edge keeps in the
    /// account's own object (`edge::store`), and the calls to such objects they take there (a
    /// batch is one call per account).
    pub in_objects: u64,
    pub object_calls: u64,
}

impl std::ops::Sub for Ops {
    type Output = Ops;
    fn sub(self, o: Ops) -> Ops {
        Ops {
            reads: self.reads - o.reads,
            writes: self.writes - o.writes,
            deletes: self.deletes - o.deletes,
            lists: self.lists - o.lists,
            listed: self.listed - o.listed,
            in_objects: self.in_objects - o.in_objects,
            object_calls: self.object_calls - o.object_calls,
        }
    }
}

impl std::ops::Add for Ops {
    type Output = Ops;
    fn add(self, o: Ops) -> Ops {
        Ops {
            reads: self.reads + o.reads,
            writes: self.writes + o.writes,
            deletes: self.deletes + o.deletes,
            lists: self.lists + o.lists,
            listed: self.listed + o.listed,
            in_objects: self.in_objects + o.in_objects,
            object_calls: self.object_calls + o.object_calls,
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::new()
    }
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::with_page_size(1000)
    }

    /// A store whose `list` pages hold `page_size` keys, to exercise cursor handling.
    pub fn with_page_size(page_size: usize) -> MemoryStore {
        MemoryStore {
            map: RefCell::new(BTreeMap::new()),
            now: Cell::new(0),
            page_size: page_size.max(1),
            ops: Cell::new(Ops::default()),
            batching: Cell::new(false),
        }
    }

    /// Moves the store's clock, which decides expiry.
    pub fn set_now(&self, now: Millis) {
        self.now.set(now);
    }

    /// How many `list` calls were made so far.
    pub fn list_calls(&self) -> u64 {
        self.ops.get().lists
    }

    /// Every operation made so far.
    pub fn ops(&self) -> Ops {
        self.ops.get()
    }

    fn count(&self, f: impl FnOnce(&mut Ops)) {
        let mut o = self.ops.get();
        f(&mut o);
        self.ops.set(o);
    }

    /// Counts an operation on `key` (or a list of the prefix `key`) as the edge would route it.
    fn route(&self, key: &str) {
        if account_scope(key).is_some() {
            let batching = self.batching.get();
            self.count(|o| {
                o.in_objects += 1;
                o.object_calls += u64::from(!batching);
            });
        }
    }

    /// Runs `f` as one batch: one object call per account among `keys`.
    async fn batch<'k, F: std::future::Future<Output = Result<(), StoreError>>>(
        &self,
        keys: impl Iterator<Item = &'k str>,
        f: F,
    ) -> Result<(), StoreError> {
        let accounts: BTreeSet<&str> = keys.filter_map(account_scope).collect();
        self.count(|o| o.object_calls += accounts.len() as u64);
        let outer = self.batching.replace(true);
        let r = f.await;
        self.batching.set(outer);
        r
    }

    /// Every live key, for tests that check what a request left behind.
    pub fn keys(&self) -> Vec<String> {
        let now = self.now.get();
        self.map
            .borrow()
            .iter()
            .filter(|(_, e)| e.expires_at.is_none_or(|t| t > now))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

impl MemoryStore {
    /// Stores bytes as they are, as `wrangler kv key put --path` does with a binary file.
    pub fn put_bytes(&self, key: &str, value: &[u8]) {
        self.map.borrow_mut().insert(
            key.to_string(),
            Entry {
                value: value.to_vec(),
                metadata: None,
                expires_at: None,
            },
        );
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        // Counted once, by get_bytes.
        match self.get_bytes(key).await? {
            Some(b) => String::from_utf8(b)
                .map(Some)
                .map_err(|_| StoreError(format!("value of {key} is not UTF-8 text"))),
            None => Ok(None),
        }
    }

    async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.count(|o| o.reads += 1);
        self.route(key);
        let now = self.now.get();
        Ok(self
            .map
            .borrow()
            .get(key)
            .filter(|e| e.expires_at.is_none_or(|t| t > now))
            .map(|e| e.value.clone()))
    }

    async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError> {
        if key.is_empty() || key.len() > 512 {
            return Err(StoreError(format!("key length {} out of range", key.len())));
        }
        if let Some(m) = &opts.metadata {
            let n = serde_json::to_string(m)
                .map(|s| s.len())
                .unwrap_or(usize::MAX);
            if n > MAX_METADATA_BYTES {
                return Err(StoreError(format!("metadata of {n} bytes is over 1024")));
            }
        }
        if opts.ttl_secs.is_some_and(|t| t < 60) {
            return Err(StoreError("expiration TTL must be at least 60".into()));
        }
        self.count(|o| o.writes += 1);
        self.route(key);
        let expires_at = opts.ttl_secs.map(|t| self.now.get() + t as Millis * SECOND);
        self.map.borrow_mut().insert(
            key.to_string(),
            Entry {
                value: value.as_bytes().to_vec(),
                metadata: opts.metadata,
                expires_at,
            },
        );
        Ok(())
    }

    async fn list_page(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        if spans_accounts(prefix) {
            // The edge keeps each account in an object of its own, which no list spans.
            return Err(StoreError(format!(
                "cannot list {prefix}: it spans accounts"
            )));
        }
        self.count(|o| o.lists += 1);
        self.route(prefix);
        let page_size = limit.clamp(1, self.page_size);
        let now = self.now.get();
        let map = self.map.borrow();
        let start = cursor.unwrap_or_else(|| prefix.to_string());
        let mut keys = Vec::new();
        let mut more = None;
        let live = map
            .range(start.clone()..)
            .filter(|(k, _)| **k != start || k.as_str() == prefix)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(_, e)| e.expires_at.is_none_or(|t| t > now));
        for (k, e) in live {
            if keys.len() == page_size {
                more = keys.last().map(|l: &Listed| l.name.clone());
                break;
            }
            keys.push(Listed::new(k.clone(), e.metadata.as_ref()));
        }
        let n = keys.len() as u64;
        self.count(|o| o.listed += n);
        Ok(Page { keys, cursor: more })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.count(|o| o.deletes += 1);
        self.route(key);
        self.map.borrow_mut().remove(key);
        Ok(())
    }

    /// As the edge batches: one object call per account named.
    async fn write_then_delete(
        &self,
        writes: Vec<(String, String, Put)>,
        deletes: &[String],
    ) -> Result<(), StoreError> {
        let names: Vec<String> = writes.iter().map(|w| w.0.clone()).collect();
        let all = names.iter().chain(deletes).map(String::as_str);
        self.batch(all, async {
            for (k, v, p) in writes {
                self.put(&k, &v, p).await?;
            }
            for k in deletes {
                self.delete(k).await?;
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn listing_follows_cursors_and_stays_inside_the_prefix() {
        let s = MemoryStore::with_page_size(2);
        block_on(async {
            for k in ["a/1", "a/2", "a/3", "a/4", "a/5", "ab/1", "b/1"] {
                s.put(k, "v", Put::default()).await.unwrap();
            }
            let first = s.list("a/", None).await.unwrap();
            assert_eq!(first.keys.len(), 2);
            assert!(first.cursor.is_some());
            let all = s.list_all("a/").await.unwrap();
            let names: Vec<_> = all.iter().map(|l| l.name.as_str()).collect();
            assert_eq!(names, ["a/1", "a/2", "a/3", "a/4", "a/5"]);
        });
    }

    #[test]
    fn keys_expire_after_their_ttl() {
        let s = MemoryStore::new();
        block_on(async {
            s.put(
                "k",
                "v",
                Put {
                    ttl_secs: Some(60),
                    metadata: None,
                },
            )
            .await
            .unwrap();
            s.set_now(59_999);
            assert!(s.get("k").await.unwrap().is_some());
            s.set_now(60_000);
            assert!(s.get("k").await.unwrap().is_none());
            assert!(s.list_all("k").await.unwrap().is_empty());
        });
    }

    #[test]
    fn oversized_metadata_is_refused_like_kv_does() {
        let s = MemoryStore::new();
        let big = Value::String("x".repeat(1100));
        let r = block_on(s.put(
            "k",
            "v",
            Put {
                ttl_secs: None,
                metadata: Some(big),
            },
        ));
        assert!(r.is_err());
    }
}
