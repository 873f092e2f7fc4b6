//! Lists: `GET /list`, `GET|POST|DELETE /list/{name}`, `POST|DELETE /list/{name}/account/{id}`.
//!
//! A membership is two keys, one under the account (read with the account's one listing, so
//! every score sees it) and one under the list (so the list can name its members); a custom
//! list's definition is one more. Nothing is read, changed and written back.

use futures::future::join;
use serde_json::{json, Value};

use super::body;
use super::{Ctx, Request, Response};
use crate::schema::time::Millis;
use crate::schema::{ListChangeResponse, ListResponse, ListSummary, ListsResponse};
use crate::state::account::write_all;
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::store::keys::{trailing_id, Id};
use crate::store::{Keys, Put, Store};

/// The built-in lists and what membership does. They are mutually exclusive: joining one
/// leaves the others.
pub const BUILT_IN: [(&str, &str); 3] = [
    ("allow", "Marks every account in the list as Real"),
    ("block", "Marks every account in the list as Fake"),
    ("main_account", "Sets the multiple_accounts score to 0"),
];

const MAX_NAME: usize = 64;
const MAX_DESCRIPTION: usize = 1024;

fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// A list name: 1 to 64 of `[A-Za-z0-9_.-]`, so names read the same in paths, keys and JSON.
pub fn name(raw: &str) -> Result<Id, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_NAME
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !ok {
        return Err(ApiError::bad_request(format!(
            "list name {raw:?} must be 1 to {MAX_NAME} letters, digits, '_', '-' or '.'"
        )));
    }
    body::path_id("list name", raw)
}

/// The description of a list that exists, or 404.
async fn description<S: Store>(store: &S, keys: &Keys, list: &Id) -> Result<String, ApiError> {
    if let Some(d) = built_in(list.raw()) {
        return Ok(d.to_string());
    }
    let stored = store.get(&keys.list_definition(list)).await?;
    let def: Value = stored
        .and_then(|v| serde_json::from_str(&v).ok())
        .ok_or_else(|| ApiError::not_found(format!("list {} not found", list.raw())))?;
    Ok(def["description"].as_str().unwrap_or("").to_string())
}

fn changed(ctx_id: String, message: String) -> Response {
    Response::json(
        200,
        &ListChangeResponse {
            request_id: ctx_id,
            message,
            success: true,
        },
    )
}

/// `GET /list`: the built-ins, then the custom lists by name.
pub async fn index<S: Store>(ctx: &Ctx<'_, S>, project: &Project) -> Result<Response, ApiError> {
    let keys = Keys::new(&project.id);
    let prefix = keys.list_definitions();
    let mut lists: Vec<ListSummary> = BUILT_IN
        .iter()
        .map(|(n, d)| ListSummary {
            name: n.to_string(),
            description: d.to_string(),
        })
        .collect();
    for item in ctx.store.list_all(&prefix).await? {
        if let Some(name) = trailing_id(&prefix, &item.name) {
            let description = item
                .meta_value()
                .and_then(|m| m["description"].as_str().map(String::from))
                .unwrap_or_default();
            lists.push(ListSummary { name, description });
        }
    }
    Ok(Response::json(
        200,
        &ListsResponse {
            request_id: ctx.random.uuid(),
            lists,
        },
    ))
}

/// The accounts of a list, as stored under it.
async fn members<S: Store>(store: &S, keys: &Keys, list: &Id) -> Result<Vec<String>, ApiError> {
    let prefix = keys.list_members(list);
    Ok(store
        .list_all(&prefix)
        .await?
        .iter()
        .filter_map(|k| trailing_id(&prefix, &k.name))
        .collect())
}

/// `GET /list/{name}`.
pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
) -> Result<Response, ApiError> {
    let list = name(raw)?;
    let keys = Keys::new(&project.id);
    let description = description(ctx.store, &keys, &list).await?;
    let accounts = members(ctx.store, &keys, &list).await?;
    Ok(Response::json(
        200,
        &ListResponse {
            request_id: ctx.random.uuid(),
            name: list.raw().to_string(),
            description,
            accounts,
        },
    ))
}

/// `POST /list/{name}` with an optional `{list_description}`.
pub async fn create<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let list = name(raw)?;
    let obj = body::object(&req.body, true)?;
    let text = body::opt_str(&obj, "", "list_description", MAX_DESCRIPTION)?.unwrap_or_default();
    let keys = Keys::new(&project.id);
    if description(ctx.store, &keys, &list).await.is_ok() {
        // Verisoul's answer, status and words.
        return Err(ApiError::bad_request("List already exists."));
    }
    let def = json!({"description": text, "created_at": ctx.now});
    ctx.store
        .put(
            &keys.list_definition(&list),
            &def.to_string(),
            Put {
                ttl_secs: None,
                metadata: Some(def),
            },
        )
        .await?;
    Ok(changed(
        ctx.random.uuid(),
        format!("List {} created", list.raw()),
    ))
}

/// `DELETE /list/{name}`: the list and every membership in it. Built-ins always exist.
pub async fn delete<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
) -> Result<Response, ApiError> {
    let list = name(raw)?;
    if built_in(list.raw()).is_some() {
        return Err(ApiError::bad_request(format!(
            "list {} is built in and cannot be deleted; remove its accounts instead",
            list.raw()
        )));
    }
    let keys = Keys::new(&project.id);
    description(ctx.store, &keys, &list).await?;
    let mut doomed = Vec::new();
    for account in members(ctx.store, &keys, &list).await? {
        if let Ok(a) = Id::new(&account) {
            doomed.push(keys.account_list(&a, &list));
            doomed.push(keys.list_member(&list, &a));
        }
    }
    // The definition goes last: a retry after a failure finds the list and finishes the job.
    ctx.store.delete_all(&doomed).await?;
    ctx.store.delete(&keys.list_definition(&list)).await?;
    Ok(changed(
        ctx.random.uuid(),
        format!("List {} deleted", list.raw()),
    ))
}

/// The two keys of a membership.
pub fn membership_keys(keys: &Keys, list: &Id, a: &Id) -> [String; 2] {
    [keys.account_list(a, list), keys.list_member(list, a)]
}

fn membership_writes(keys: &Keys, list: &Id, a: &Id, now: Millis) -> Vec<(String, String, Put)> {
    membership_keys(keys, list, a)
        .into_iter()
        .map(|k| {
            (
                k,
                String::from("1"),
                Put {
                    ttl_secs: None,
                    metadata: Some(json!({ "t": now })),
                },
            )
        })
        .collect()
}

/// The writes that put `a` in `list`, and the keys to delete first: joining a built-in list
/// leaves the other built-ins the account is in (`current`).
pub fn joining(
    keys: &Keys,
    list: &Id,
    a: &Id,
    current: &[String],
    now: Millis,
) -> (Vec<(String, String, Put)>, Vec<String>) {
    let others = match built_in(list.raw()) {
        Some(_) => BUILT_IN
            .iter()
            .filter(|(n, _)| *n != list.raw() && current.iter().any(|l| l == n))
            .filter_map(|(n, _)| Id::new(n).ok())
            .flat_map(|other| membership_keys(keys, &other, a))
            .collect(),
        None => Vec::new(),
    };
    (membership_writes(keys, list, a, now), others)
}

/// Whether `list` is a built-in list or a custom one that has been created.
pub async fn exists<S: Store>(store: &S, keys: &Keys, list: &Id) -> Result<bool, ApiError> {
    match description(store, keys, list).await {
        Ok(_) => Ok(true),
        Err(e) if e.status == 404 => Ok(false),
        Err(e) => Err(e),
    }
}

/// `POST /list/{name}/account/{id}`: the account must exist; joining a built-in list leaves
/// the other built-ins.
pub async fn add_account<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_list: &str,
    raw_account: &str,
) -> Result<Response, ApiError> {
    let list = name(raw_list)?;
    let a = body::path_id("account_id", raw_account)?;
    let keys = Keys::new(&project.id);
    description(ctx.store, &keys, &list).await?;
    let state = crate::state::account::existing(ctx.store, &keys, &a).await?;
    let (writes, others) = joining(&keys, &list, &a, &state.history.lists, ctx.now);
    ctx.store.delete_all(&others).await?;
    write_all(ctx.store, writes).await?;
    Ok(changed(
        ctx.random.uuid(),
        format!("Account added to {}", list.raw()),
    ))
}

/// `DELETE /list/{name}/account/{id}`.
pub async fn remove_account<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw_list: &str,
    raw_account: &str,
) -> Result<Response, ApiError> {
    let list = name(raw_list)?;
    let a = body::path_id("account_id", raw_account)?;
    let keys = Keys::new(&project.id);
    description(ctx.store, &keys, &list).await?;
    let [own, index] = membership_keys(&keys, &list, &a);
    let (own_value, index_value) = join(ctx.store.get(&own), ctx.store.get(&index)).await;
    if own_value?.is_none() && index_value?.is_none() {
        return Err(ApiError::not_found(format!(
            "account {} is not in list {}",
            a.raw(),
            list.raw()
        )));
    }
    ctx.store.delete_all(&[own, index]).await?;
    Ok(changed(
        ctx.random.uuid(),
        format!("Account removed from {}", list.raw()),
    ))
}
