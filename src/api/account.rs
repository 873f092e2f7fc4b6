//! Account endpoints: read, update and delete an account, list its sessions and linked accounts.

use super::body;
use super::{Ctx, Request, Response};
use crate::engine::{assess, History};
use crate::schema::{
    AccountResponse, AccountSessionsResponse, AccountsLinkedResponse, DeleteAccountResponse,
};
use crate::state::account::{
    account_details, existing, linked_accounts, load_account, profile_of, profile_write, scores,
};
use crate::state::config::Project;
use crate::state::error::ApiError;
use crate::state::links;
use crate::state::records::Profile;
use crate::store::{Keys, Store};

/// Readies a history for scoring: device links re-read from the project's current population
/// (`links::rescore_devices`).
async fn rescore<S: Store>(
    ctx: &Ctx<'_, S>,
    keys: &Keys,
    project: &Project,
    history: &mut History,
) -> Result<(), ApiError> {
    let population = ctx
        .caches
        .populations
        .get(ctx.store, keys, &project.id, ctx.now, ctx.pause)
        .await?;
    links::rescore_devices(history, &population);
    Ok(())
}

async fn account_response<S: Store>(
    ctx: &Ctx<'_, S>,
    keys: &Keys,
    project: &Project,
    mut history: History,
    profile: &Profile,
) -> Result<Response, ApiError> {
    rescore(ctx, keys, project, &mut history).await?;
    let assessment = assess(&history, None, &project.thresholds);
    Ok(Response::json(
        200,
        &AccountResponse {
            project_id: project.id.clone(),
            request_id: ctx.random.uuid(),
            scores: scores(&assessment, &history.lists),
            details: account_details(profile, &assessment),
        },
    ))
}

/// `GET /account/{id}`.
pub async fn get<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let keys = Keys::new(&project.id);
    let state = existing(ctx.store, &keys, &a).await?;
    let profile = profile_of(&state, &a);
    account_response(ctx, &keys, project, state.history, &profile).await
}

/// `PUT /account/{id}`: creates the account or replaces the fields the body gives.
pub async fn put<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
    req: &Request,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let obj = body::object(&req.body, false)?;
    let body_id = body::id(&obj, "", "id")?;
    if body_id != a {
        return Err(ApiError::bad_request(format!(
            "id in the body ({:?}) does not match the account id in the path ({:?})",
            body_id.raw(),
            a.raw()
        )));
    }
    let update = body::profile_update(&obj, "")?;
    let keys = Keys::new(&project.id);
    let mut state = load_account(ctx.store, &keys, &a).await?;
    let (profile, changed) = update.apply(&a, state.profile.as_ref(), ctx.now);
    // A new e-mail may link the account to others with the same mailbox.
    let ids: Vec<_> = links::email_identifier(&profile, state.profile.as_ref())
        .into_iter()
        .collect();
    let found = links::look_up(ctx.store, &keys, Some(&a), &ids, ctx.now).await?;
    let mut new_links = links::new_links(&state.history, &found);
    links::merge(&mut state.history, &new_links, ctx.now);
    let unlinked = links::keep_strongest(&keys, &a, &mut state.history, &mut new_links);
    state.history.email = profile.info.email.clone();
    let mut writes = links::writes(&keys, &a, &new_links, &found.unindexed, ctx.now);
    if changed {
        writes.push(profile_write(&keys, &a, &profile));
    }
    ctx.store.write_then_delete(writes, &unlinked).await?;
    account_response(ctx, &keys, project, state.history, &profile).await
}

/// `DELETE /account/{id}`: removes every key that names the account (`deletion`).
pub async fn delete<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let keys = Keys::new(&project.id);
    let state = existing(ctx.store, &keys, &a).await?;
    super::deletion::purge(ctx, project, &a, &state).await?;
    Ok(Response::json(
        200,
        &DeleteAccountResponse {
            request_id: ctx.random.uuid(),
            account_id: a.raw().to_string(),
            success: true,
        },
    ))
}

/// `GET /account/{id}/sessions`: session ids, oldest first.
pub async fn sessions<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let state = existing(ctx.store, &Keys::new(&project.id), &a).await?;
    let mut sessions = state.history.sessions.clone();
    sessions.sort_by(|x, y| x.at.cmp(&y.at).then_with(|| x.id.cmp(&y.id)));
    Ok(Response::json(
        200,
        &AccountSessionsResponse {
            request_id: ctx.random.uuid(),
            sessions: sessions.into_iter().map(|s| s.id).collect(),
        },
    ))
}

/// `GET /account/{id}/accounts-linked`: each linked account with how and how strongly.
pub async fn linked<S: Store>(
    ctx: &Ctx<'_, S>,
    project: &Project,
    raw: &str,
) -> Result<Response, ApiError> {
    let a = body::path_id("account_id", raw)?;
    let keys = Keys::new(&project.id);
    let mut history = existing(ctx.store, &keys, &a).await?.history;
    rescore(ctx, &keys, project, &mut history).await?;
    let accounts_linked = linked_accounts(ctx.store, &keys, &history.links).await?;
    Ok(Response::json(
        200,
        &AccountsLinkedResponse {
            request_id: ctx.random.uuid(),
            accounts_linked,
        },
    ))
}
