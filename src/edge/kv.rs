//! [`Store`] over a Workers KV namespace.

use worker::kv::KvStore;

use crate::store::{Listed, Page, Put, Store, StoreError};

pub struct KvNamespace(pub KvStore);

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl Store for KvNamespace {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).text().await.map_err(err)
    }

    async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).bytes().await.map_err(err)
    }

    async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError> {
        let mut b = self.0.put(key, value).map_err(err)?;
        if let Some(ttl) = opts.ttl_secs {
            b = b.expiration_ttl(ttl);
        }
        if let Some(m) = opts.metadata {
            b = b.metadata(m).map_err(err)?;
        }
        b.execute().await.map_err(err)
    }

    async fn list(&self, prefix: &str, cursor: Option<String>) -> Result<Page, StoreError> {
        self.list_page(prefix, cursor, 1000).await
    }

    async fn list_page(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let mut b = self
            .0
            .list()
            .prefix(prefix.to_string())
            .limit(limit.clamp(1, 1000) as u64);
        if let Some(c) = cursor {
            b = b.cursor(c);
        }
        let r = b.execute().await.map_err(err)?;
        Ok(Page {
            keys: r
                .keys
                .into_iter()
                .map(|k| Listed {
                    name: k.name,
                    metadata: k.metadata,
                })
                .collect(),
            cursor: if r.list_complete {
                None
            } else {
                r.cursor.filter(|c| !c.is_empty())
            },
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(err)
    }
}
