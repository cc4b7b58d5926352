//! Likes, comments and following. Anyone who can see a photo may like it and comment on it.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use picup_common::db::{Media, MediaAccess};
use serde::Deserialize;
use serde_json::{Value, json};

use picup_common::id::{CommentId, MediaId, UserId};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::routes::{PageQuery, id_cursor, next_page, pair_cursor};
use crate::state::AppState;
use crate::views::{CommentView, Page, PersonView};

/// Long enough for a letter to a grandchild, short enough to stay a comment.
pub const MAX_COMMENT_CHARS: usize = 2000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/media/{id}/like", put(like).delete(unlike))
        .route("/media/{id}/likes", get(likers))
        .route("/media/{id}/comments", get(comments).post(add_comment))
        .route("/comments/{id}", patch(edit_comment).delete(delete_comment))
        .route("/users/{id}/follow", put(follow).delete(unfollow))
        .route("/following", get(following))
}

/// A photo the user may see and that is not in the trash.
async fn visible_media(state: &AppState, user_id: UserId, id: MediaId) -> ApiResult<(Media, MediaAccess)> {
    let (media, access) = state.services.db.media_for_user(id, user_id).await?;
    if media.deleted_at.is_some() {
        return Err(ApiError::NotFound);
    }
    Ok((media, access))
}

async fn like(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<axum::Json<Value>> {
    let (media, _) = visible_media(&state, user.id, id).await?;
    let like_count = state.services.db.like(media.id, media.album_id, user.id).await?;
    Ok(axum::Json(json!({ "liked": true, "like_count": like_count })))
}

async fn unlike(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<axum::Json<Value>> {
    let (media, _) = visible_media(&state, user.id, id).await?;
    let like_count = state.services.db.unlike(media.id, user.id).await?;
    Ok(axum::Json(json!({ "liked": false, "like_count": like_count })))
}

async fn likers(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<PersonView>>> {
    let (media, _) = visible_media(&state, user.id, id).await?;
    let before = page.cursor.as_deref().map(pair_cursor).transpose()?;
    let limit = page.limit();
    let mut people = state.services.db.likers(media.id, before, limit + 1).await?;
    let next_cursor = next_page(&mut people, limit, |p| format!("{}.{}", p.at, p.id));
    Ok(axum::Json(Page { items: people.iter().map(PersonView::from).collect(), next_cursor }))
}

async fn comments(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<CommentView>>> {
    let (media, _) = visible_media(&state, user.id, id).await?;
    let after = page.cursor.as_deref().map(id_cursor).transpose()?;
    let limit = page.limit();
    let mut comments = state.services.db.comments(media.id, after, limit + 1).await?;
    let next_cursor = next_page(&mut comments, limit, |c| c.id.to_string());
    Ok(axum::Json(Page { items: comments.iter().map(CommentView::from).collect(), next_cursor }))
}

#[derive(Deserialize)]
struct CommentRequest {
    body: String,
}

fn comment_body(request: &CommentRequest) -> ApiResult<&str> {
    let body = request.body.trim();
    if body.is_empty() {
        return Err(ApiError::field("body", "write something first"));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::field("body", format!("a comment holds at most {MAX_COMMENT_CHARS} characters")));
    }
    Ok(body)
}

async fn add_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
    Json(request): Json<CommentRequest>,
) -> ApiResult<(StatusCode, axum::Json<CommentView>)> {
    let (media, _) = visible_media(&state, user.id, id).await?;
    let body = comment_body(&request)?;
    let comment = state.services.db.add_comment(media.id, media.album_id, user.id, body).await?;
    Ok((StatusCode::CREATED, axum::Json(CommentView::from(&comment))))
}

async fn edit_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<CommentId>,
    Json(request): Json<CommentRequest>,
) -> ApiResult<axum::Json<CommentView>> {
    let comment = state.services.db.comment(id).await?;
    visible_media(&state, user.id, comment.media_id).await?;
    if comment.author_id != user.id {
        return Err(ApiError::Forbidden("only its author can change a comment"));
    }
    let body = comment_body(&request)?;
    let edited = state.services.db.edit_comment(comment.id, body).await?;
    Ok(axum::Json(CommentView::from(&edited)))
}

/// The author may delete their comment, and the album's owner any comment in it.
async fn delete_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<CommentId>,
) -> ApiResult<StatusCode> {
    let comment = state.services.db.comment(id).await?;
    let (_, access) = visible_media(&state, user.id, comment.media_id).await?;
    if !access.may_remove(comment.author_id) {
        return Err(ApiError::Forbidden("only its author or the album's owner can delete a comment"));
    }
    state.services.db.delete_comment(comment.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn follow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<UserId>,
) -> ApiResult<StatusCode> {
    let followee = state.services.db.user(id).await?;
    if followee.id == user.id {
        return Err(ApiError::bad_request("cannot_follow_yourself", "you cannot follow yourself"));
    }
    state.services.db.follow(user.id, followee.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unfollow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<UserId>,
) -> ApiResult<StatusCode> {
    state.services.db.unfollow(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn following(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<axum::Json<Page<PersonView>>> {
    let people = state.services.db.following(user.id).await?;
    Ok(axum::Json(Page { items: people.iter().map(PersonView::from).collect(), next_cursor: None }))
}
