//! The trash: deleted media stay for the retention period (30 days by default) unless emptied.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use picup_common::db::may_delete_or_rename;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::routes::{PageQuery, id_cursor, next_page};
use crate::state::AppState;
use crate::views::{MediaView, Page};

pub fn router() -> Router<AppState> {
    Router::new().route("/trash", get(list_trash).delete(empty_trash))
}

async fn list_trash(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<MediaView>>> {
    let before = page.cursor.as_deref().map(id_cursor).transpose()?;
    let limit = page.limit();
    let mut media = state.services.db.list_trash(user.id, before, limit + 1).await?;
    let next_cursor = next_page(&mut media, limit, |last| last.id.to_string());
    Ok(axum::Json(Page { items: MediaView::for_viewer(&state, &media, user.id).await?, next_cursor }))
}

/// Marks everything in the trash for deletion; the purge job deletes the files and gives the
/// space back within moments (it is woken at once in standalone mode).
/// Refused in simple mode: what is emptied cannot come back.
async fn empty_trash(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<axum::Json<Value>> {
    may_delete_or_rename(user.simple_mode).map_err(|refusal| ApiError::refused(refusal, "not yours to empty"))?;
    let marked = state.services.db.request_trash_purge(user.id).await?;
    state.services.purge_requested.notify_one();
    Ok(axum::Json(json!({ "purging": marked })))
}
