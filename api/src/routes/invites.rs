//! Invites: a member makes a link a family member can join with, optionally into an album. Whoever
//! opens the link sees who invited them into what; someone already in the family accepts it to
//! join the album.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use picup_common::db::{DbError, InvitePreview, Role};
use picup_common::now_ms;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::routes::parse_id;
use crate::state::AppState;
use crate::views::{AlbumView, rfc3339};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/invites", post(create_invite))
        .route("/invites/{token}", get(invite))
        .route("/invites/{token}/accept", post(accept))
}

#[derive(Deserialize, Default)]
struct InviteRequest {
    album_id: Option<String>,
    role: Option<Role>,
}

async fn create_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    // The body is optional: an empty one invites into the family without an album.
    let request: InviteRequest = crate::extract::optional_json(&body)?;
    let album = match &request.album_id {
        Some(id) => {
            let access = state.services.db.album_access(parse_id(id)?, user.id).await?;
            if !access.role.can_manage() {
                return Err(ApiError::Forbidden("only the album's owner can invite people into it"));
            }
            let role = request.role.unwrap_or(Role::Viewer);
            if role == Role::Owner {
                return Err(ApiError::field("role", "choose viewer or contributor"));
            }
            Some((access.album.id, role))
        }
        None => None,
    };
    let token = auth::new_token();
    let expires_at = now_ms() + i64::try_from(state.config().limits.invite_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    state.services.db.create_invite(&auth::hash_token(&token), user.id, album, expires_at).await?;
    let url = format!("{}/?invite={token}", state.config().public_url);
    Ok((StatusCode::CREATED, axum::Json(json!({ "token": token, "url": url, "expires_at": rfc3339(expires_at) }))))
}

/// What the invite link shows before anyone signs in: who invited them into which album, and
/// whether it still works (`active`, `used` or `expired`). No member list, nothing secret.
async fn invite(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<axum::Json<Value>> {
    let preview = state.services.db.invite_preview(&auth::hash_token(&token)).await?;
    let status = if preview.used {
        "used"
    } else if preview.usable(now_ms()) {
        "active"
    } else {
        "expired"
    };
    Ok(axum::Json(json!({
        "album": preview.album_title.as_ref().map(|title| json!({ "title": title })),
        "role": preview.role(),
        "invited_by": preview.invited_by,
        "expires_at": rfc3339(preview.expires_at),
        "usable": status == "active",
        "status": status,
    })))
}

fn gone() -> ApiError {
    ApiError::Gone("this invite link was already used or has expired; please ask for a new one")
}

/// Someone already signed in accepts an album invite: they join the album with its role, and the
/// invite is used up. Someone who may already see the album keeps their role and leaves the invite
/// for whoever it was meant for. An invite into the family only has nothing to join (409).
async fn accept(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(token): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    let db = &state.services.db;
    let token_hash = auth::hash_token(&token);
    let preview: InvitePreview = db.invite_preview(&token_hash).await?;
    if !preview.usable(now_ms()) {
        return Err(gone());
    }
    let Some(album_id) = preview.album_id else {
        return Err(ApiError::conflict(
            "family_invite",
            "this invite is for joining the family, and you are in it already",
        ));
    };
    let joined = match db.album_access(album_id, user.id).await {
        Ok(_) => false,
        Err(DbError::NotFound) => {
            db.accept_album_invite(&token_hash, user.id).await.map_err(|err| match err {
                DbError::NotFound => gone(),
                other => other.into(),
            })?;
            tracing::info!(user_id = %user.id, album_id = %album_id, "album invite accepted");
            true
        }
        Err(other) => return Err(other.into()),
    };
    let access = db.album_view(album_id, user.id).await?;
    Ok(axum::Json(json!({ "joined": joined, "album": AlbumView::new(&state, &access.album).await? })))
}
