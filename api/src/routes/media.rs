//! Media: list an album, get one, delete to the trash, restore.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use picup_common::db::{MediaCursor, Role};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Path, Query};
use crate::routes::{PageQuery, next_page, pair_cursor, parse_id};
use crate::state::AppState;
use crate::views::{MediaView, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums/{id}/media", get(list_media))
        .route("/media/{id}", get(get_media).delete(delete_media))
        .route("/media/{id}/restore", post(restore_media))
}

pub fn media_cursor(cursor: &str) -> ApiResult<MediaCursor> {
    let (taken_at, id) = pair_cursor(cursor)?;
    Ok(MediaCursor { taken_at, id })
}

async fn list_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(album_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<MediaView>>> {
    let album_id = parse_id(&album_id)?;
    let after = page.cursor.as_deref().map(media_cursor).transpose()?;
    let limit = page.limit();
    let mut media = state.services.db.album_page(album_id, user.id, after, limit + 1).await?;
    if media.is_empty() {
        // An empty page, or an album the caller may not see (404).
        state.services.db.album_access(album_id, user.id).await?;
    }
    let next_cursor = next_page(&mut media, limit, |last| format!("{}.{}", last.media.taken_at, last.media.id));
    Ok(axum::Json(Page { items: MediaView::viewed(&state, &media).await?, next_cursor }))
}

async fn get_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<MediaView>> {
    let (media, _) = state.services.db.media_for_user(parse_id(&id)?, user.id).await?;
    let mut views = MediaView::for_viewer(&state, std::slice::from_ref(&media), user.id).await?;
    Ok(axum::Json(views.remove(0)))
}

/// The uploader and the album's owner may delete; other members may only look.
async fn delete_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let (media, role) = state.services.db.media_for_user(parse_id(&id)?, user.id).await?;
    if media.owner_id != user.id && role != Role::Owner {
        return Err(ApiError::Forbidden("only the person who added this, or the album's owner, can delete it"));
    }
    state.services.db.trash_media(media.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn restore_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<MediaView>> {
    let (media, role) = state.services.db.media_for_user(parse_id(&id)?, user.id).await?;
    if media.owner_id != user.id && role != Role::Owner {
        return Err(ApiError::NotFound);
    }
    if media.deleted_at.is_none() {
        return Err(ApiError::conflict("not_in_trash", "this item is not in the trash"));
    }
    state.services.db.restore_media(media.id).await?;
    let restored = state.services.db.media(media.id).await?;
    Ok(axum::Json(MediaView::new(&state, &restored).await?))
}
