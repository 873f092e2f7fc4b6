//! The worker's [`Store`]: every key under an account (`store::keys::account_scope`) lives in
//! that account's object (`edge::accounts`), every other key in KV (`edge::kv`). The API above
//! sees one key space; this is the one place that knows the difference.
//!
//! The writes and deletes for one account in one [`Store::write_then_delete`] (or `put_all`,
//! `delete_all`) travel in one call to its object. Listing a prefix that spans accounts is
//! refused: nothing can list every object (the population's rebuild enumerates accounts from
//! the recency index).

use std::collections::BTreeMap;

use futures::future::{join, join_all};
use worker::{Env, Method, ObjectNamespace, Request, RequestInit, Response};

use super::accounts::{Answer, Batch, ListPage, Op, BINDING, CURSOR_HEADER};
use super::kv::KvNamespace;
use crate::store::keys::{account_scope, spans_accounts};
use crate::store::{Listed, Page, Put, Store, StoreError};

pub struct EdgeStore {
    pub kv: KvNamespace,
    accounts: ObjectNamespace,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn put_op(key: String, value: String, opts: Put) -> Op {
    Op::Put {
        key,
        value,
        metadata: opts.metadata,
        ttl: opts.ttl_secs,
    }
}

impl EdgeStore {
    pub fn bind(env: &Env, kv_binding: &str) -> worker::Result<EdgeStore> {
        Ok(EdgeStore {
            kv: KvNamespace::bind(env, kv_binding)?,
            accounts: env.durable_object(BINDING)?,
        })
    }

    /// POSTs `body` to the object of the account `scope`; an answer other than 200 is an error.
    async fn call(&self, scope: &str, url: &str, body: String) -> Result<Response, StoreError> {
        let stub = self
            .accounts
            .id_from_name(scope)
            .and_then(|id| id.get_stub())
            .map_err(err)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_body(Some(wasm_bindgen::JsValue::from_str(&body)));
        let req = Request::new_with_init(url, &init).map_err(err)?;
        let mut resp = stub.fetch_with_request(req).await.map_err(err)?;
        if resp.status_code() != 200 {
            let text = resp.text().await.map_err(err)?;
            return Err(StoreError(format!("account object: {text}")));
        }
        Ok(resp)
    }

    /// Sends `ops` to the object of the account `scope`; one answer per op.
    async fn batch(&self, scope: &str, ops: Vec<Op>) -> Result<Vec<Answer>, StoreError> {
        let n = ops.len();
        let body = serde_json::to_string(&Batch {
            scope: scope.to_string(),
            ops,
        })
        .map_err(err)?;
        let mut resp = self.call(scope, "https://account/batch", body).await?;
        let text = resp.text().await.map_err(err)?;
        let answers: Vec<Answer> = serde_json::from_str(&text).map_err(err)?;
        if answers.len() != n {
            return Err(StoreError(format!(
                "account object answered {} of {n} operations",
                answers.len()
            )));
        }
        Ok(answers)
    }

    /// A page of the account `scope`'s keys under `prefix`: the object answers with the page as
    /// the body and the next cursor in a header (`accounts::ListPage`).
    async fn list_account(
        &self,
        scope: &str,
        prefix: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let body = serde_json::to_string(&ListPage {
            scope: scope.to_string(),
            prefix: prefix.to_string(),
            after,
            limit,
        })
        .map_err(err)?;
        let mut resp = self.call(scope, "https://account/list", body).await?;
        let cursor = resp.headers().get(CURSOR_HEADER).map_err(err)?;
        let text = resp.text().await.map_err(err)?;
        let mut keys: Vec<Listed> = serde_json::from_str(&text).map_err(err)?;
        // In key order already, unless SQLite's aggregate took the rows in another.
        keys.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Page { keys, cursor })
    }

    async fn one(&self, scope: &str, op: Op) -> Result<Answer, StoreError> {
        let mut answers = self.batch(scope, vec![op]).await?;
        Ok(answers.pop().unwrap_or_default())
    }
}

impl Store for EdgeStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match account_scope(key) {
            Some(scope) => Ok(self
                .one(
                    scope,
                    Op::Get {
                        key: key.to_string(),
                    },
                )
                .await?
                .value),
            None => self.kv.get(key).await,
        }
    }

    async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match account_scope(key) {
            Some(_) => Ok(self.get(key).await?.map(String::into_bytes)),
            None => self.kv.get_bytes(key).await,
        }
    }

    async fn put(&self, key: &str, value: &str, opts: Put) -> Result<(), StoreError> {
        match account_scope(key) {
            Some(scope) => {
                let op = put_op(key.to_string(), value.to_string(), opts);
                self.one(scope, op).await.map(|_| ())
            }
            None => self.kv.put(key, value, opts).await,
        }
    }

    async fn list_page(
        &self,
        prefix: &str,
        cursor: Option<String>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        if let Some(scope) = account_scope(prefix) {
            return self.list_account(scope, prefix, cursor, limit).await;
        }
        if spans_accounts(prefix) {
            return Err(StoreError(format!(
                "cannot list {prefix}: it spans accounts, each kept in its own object"
            )));
        }
        self.kv.list_page(prefix, cursor, limit).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match account_scope(key) {
            Some(scope) => {
                let op = Op::Delete {
                    key: key.to_string(),
                };
                self.one(scope, op).await.map(|_| ())
            }
            None => self.kv.delete(key).await,
        }
    }

    /// One call per account object (its writes, then its deletes, in one batch), beside the KV
    /// writes; then the KV deletes.
    async fn write_then_delete(
        &self,
        writes: Vec<(String, String, Put)>,
        deletes: &[String],
    ) -> Result<(), StoreError> {
        let mut objects: BTreeMap<String, Vec<Op>> = BTreeMap::new();
        let (mut kv_writes, mut kv_deletes) = (Vec::new(), Vec::new());
        for (key, value, opts) in writes {
            match account_scope(&key) {
                Some(scope) => objects
                    .entry(scope.to_string())
                    .or_default()
                    .push(put_op(key, value, opts)),
                None => kv_writes.push((key, value, opts)),
            }
        }
        for key in deletes {
            match account_scope(key) {
                Some(scope) => objects
                    .entry(scope.to_string())
                    .or_default()
                    .push(Op::Delete { key: key.clone() }),
                None => kv_deletes.push(key.clone()),
            }
        }
        // The objects' batches beside the KV writes; the KV deletes once all have succeeded.
        let (a, b) = join(
            join_all(
                objects
                    .into_iter()
                    .map(|(s, ops)| async move { self.batch(&s, ops).await.map(|_| ()) }),
            ),
            self.kv.put_all(kv_writes),
        )
        .await;
        a.into_iter().collect::<Result<(), _>>()?;
        b?;
        self.kv.delete_all(&kv_deletes).await
    }
}
