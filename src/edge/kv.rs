//! [`Store`] over a Workers KV namespace.

use serde::Deserialize;
use worker::js_sys::{self, Function, Object, Reflect, JSON};
use worker::kv::KvStore;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

use crate::store::{Listed, Page, Put, Store, StoreError};

/// The namespace through workers-rs for reads, writes and deletes, and its JavaScript object and
/// `list` method for lists, which are read as one JSON text (see [`KvNamespace::list_page`]).
pub struct KvNamespace {
    store: KvStore,
    binding: Object,
    list: Function,
}

impl KvNamespace {
    /// The namespace bound as `name` in the worker's environment.
    pub fn bind(env: &Env, name: &str) -> worker::Result<KvNamespace> {
        let store = env.kv(name)?;
        let missing = |_| worker::Error::JsError(format!("KV binding {name} has no list method"));
        let binding: Object = Reflect::get(env, &JsValue::from_str(name))
            .map_err(missing)?
            .unchecked_into();
        let list = Reflect::get(&binding, &JsValue::from_str("list"))
            .map_err(missing)?
            .dyn_into()
            .map_err(missing)?;
        Ok(KvNamespace {
            store,
            binding,
            list,
        })
    }
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn js_err(e: JsValue) -> StoreError {
    StoreError(
        e.as_string()
            .or_else(|| JSON::stringify(&e).ok().map(String::from))
            .unwrap_or_else(|| "KV list failed".to_string()),
    )
}

/// KV's list result, as its JSON text names it.
#[derive(Deserialize)]
struct ListResult {
    keys: Vec<ListedKey>,
    list_complete: bool,
    #[serde(default)]
    cursor: Option<String>,
}

/// One key of a list, with when KV forgets it (seconds since the epoch), which `Store::list`
/// does not return but moving a key elsewhere needs (`edge::accounts`).
#[derive(Deserialize)]
pub struct ListedKey {
    pub name: String,
    /// As KV answered it: parsed by whoever reads it (`store::Listed::meta`).
    #[serde(default)]
    pub metadata: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    pub expiration: Option<u64>,
}

impl Store for KvNamespace {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.store.get(key).text().await.map_err(err)
    }

    async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.get(key).bytes().await.map_err(err)
    }

    async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError> {
        let mut b = self.store.put(key, value).map_err(err)?;
        if let Some(ttl) = opts.ttl_secs {
            b = b.expiration_ttl(ttl);
        }
        if let Some(m) = opts.metadata {
            b = b.metadata(m).map_err(err)?;
        }
        b.execute().await.map_err(err)
    }

    async fn list_page(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let (keys, cursor) = self.list_keys(prefix, cursor, limit).await?;
        Ok(Page {
            keys: keys
                .into_iter()
                .map(|k| Listed {
                    name: k.name,
                    metadata: k.metadata,
                })
                .collect(),
            cursor,
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key).await.map_err(err)
    }
}

impl KvNamespace {
    /// One list call, its result turned into JSON text in JavaScript and parsed in Rust: a page of
    /// 1,000 keys with metadata converted field by field across the boundary (workers-rs's
    /// `list().execute()`, serde-wasm-bindgen) cost more CPU than the rest of an authenticate
    /// (bench/load.sh's profile, BENCHMARKS.md). → the keys and the cursor of the next page.
    pub async fn list_keys(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<(Vec<ListedKey>, Option<String>), StoreError> {
        let options = Object::new();
        let set = |k: &str, v: JsValue| Reflect::set(&options, &JsValue::from_str(k), &v);
        set("prefix", JsValue::from_str(prefix)).map_err(js_err)?;
        set("limit", JsValue::from_f64(limit.clamp(1, 1000) as f64)).map_err(js_err)?;
        if let Some(c) = cursor {
            set("cursor", JsValue::from_str(&c)).map_err(js_err)?;
        }
        let promise: js_sys::Promise = self
            .list
            .call1(&self.binding, &options)
            .map_err(js_err)?
            .dyn_into()
            .map_err(js_err)?;
        let result = JsFuture::from(promise).await.map_err(js_err)?;
        let text: String = JSON::stringify(&result).map_err(js_err)?.into();
        let r: ListResult = serde_json::from_str(&text).map_err(err)?;
        let cursor = if r.list_complete {
            None
        } else {
            r.cursor.filter(|c| !c.is_empty())
        };
        Ok((r.keys, cursor))
    }
}
