//! Albums: create, list, rename, delete (to the trash), share.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use picup_common::db::{DbError, Role};
use serde::Deserialize;

use picup_common::id::{AlbumId, UserId};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::routes::{PageQuery, id_cursor, next_page};
use crate::state::AppState;
use crate::views::{AlbumView, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums", post(create_album).get(list_albums))
        .route("/albums/{id}", get(get_album).patch(rename_album).delete(delete_album))
        .route("/albums/{id}/members", post(add_member))
}

#[derive(Deserialize)]
struct AlbumRequest {
    title: String,
}

fn valid_title(title: &str) -> ApiResult<&str> {
    let title = title.trim();
    match title.chars().count() {
        1..=200 => Ok(title),
        _ => Err(ApiError::field("title", "please enter a title of 1 to 200 characters")),
    }
}

async fn create_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(request): Json<AlbumRequest>,
) -> ApiResult<(StatusCode, axum::Json<AlbumView>)> {
    let access = state.services.db.create_album(user.id, valid_title(&request.title)?).await?;
    Ok((StatusCode::CREATED, axum::Json(AlbumView::new(&state, &access.album).await?)))
}

async fn list_albums(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<AlbumView>>> {
    let before = page.cursor.as_deref().map(id_cursor).transpose()?;
    let limit = page.limit();
    let mut albums = state.services.db.list_albums(user.id, before, limit + 1).await?;
    let next_cursor = next_page(&mut albums, limit, |last| last.id.to_string());
    let items = futures::future::try_join_all(albums.iter().map(|album| AlbumView::new(&state, album))).await?;
    Ok(axum::Json(Page { items, next_cursor }))
}

async fn get_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<AlbumId>,
) -> ApiResult<axum::Json<AlbumView>> {
    let access = state.services.db.album_view(id, user.id).await?;
    Ok(axum::Json(AlbumView::new(&state, &access.album).await?))
}

async fn owned_album(state: &AppState, user_id: UserId, id: AlbumId) -> ApiResult<AlbumId> {
    let access = state.services.db.album_access(id, user_id).await?;
    if !access.role.can_manage() {
        return Err(ApiError::Forbidden("only the album's owner can change it"));
    }
    Ok(access.album.id)
}

/// Renaming or deleting: the owner, unless they are in simple mode.
async fn changeable_album(state: &AppState, user_id: UserId, id: AlbumId) -> ApiResult<AlbumId> {
    let access = state.services.db.album_access(id, user_id).await?;
    access
        .may_rename_or_delete()
        .map_err(|refusal| ApiError::refused(refusal, "only the album's owner can change it"))?;
    Ok(access.album.id)
}

async fn rename_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<AlbumId>,
    Json(request): Json<AlbumRequest>,
) -> ApiResult<axum::Json<AlbumView>> {
    let album_id = changeable_album(&state, user.id, id).await?;
    state.services.db.rename_album(album_id, valid_title(&request.title)?).await?;
    let access = state.services.db.album_view(album_id, user.id).await?;
    Ok(axum::Json(AlbumView::new(&state, &access.album).await?))
}

async fn delete_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<AlbumId>,
) -> ApiResult<StatusCode> {
    let album_id = changeable_album(&state, user.id, id).await?;
    state.services.db.delete_album(album_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct MemberRequest {
    email: String,
    role: Role,
}

async fn add_member(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<AlbumId>,
    Json(request): Json<MemberRequest>,
) -> ApiResult<StatusCode> {
    let album_id = owned_album(&state, user.id, id).await?;
    if request.role == Role::Owner {
        return Err(ApiError::field("role", "choose viewer or contributor"));
    }
    let db = &state.services.db;
    let email = crate::routes::auth::normalize_email(&request.email);
    let member = db.user_by_email(&email).await.map_err(|err| match err {
        DbError::NotFound => {
            ApiError::field("email", "nobody in this family uses that email; send them an invite link instead")
        }
        other => other.into(),
    })?;
    db.add_album_member(album_id, member.id, request.role).await.map_err(|err| match err {
        DbError::Conflict => ApiError::field("email", "that is the album's owner"),
        other => other.into(),
    })?;
    Ok(StatusCode::NO_CONTENT)
}
