//! Invites: a member makes a link a family member can join with, optionally into an album.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use picup_common::db::Role;
use picup_common::now_ms;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::routes::parse_id;
use crate::state::AppState;
use crate::views::rfc3339;

pub fn router() -> Router<AppState> {
    Router::new().route("/invites", post(create_invite))
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
