//! "What's new": the feed, notifications with an unread count, and a Server-Sent Events stream
//! that tells an open album the count changed.

use picup_common::id::UserId;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post};
use futures::Stream;
use picup_common::db::FeedCursor;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Query, optional_json};
use crate::routes::{PageQuery, next_page, pair_cursor};
use crate::state::AppState;
use crate::views::{FeedItemView, Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feed", get(feed))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
        .route("/notifications/stream", get(stream))
}

async fn page(
    state: &AppState,
    user_id: UserId,
    page: &PageQuery,
    notifications_only: bool,
) -> ApiResult<Page<FeedItemView>> {
    let before = page.cursor.as_deref().map(pair_cursor).transpose()?;
    let before = before.map(|(updated_at, id)| FeedCursor { updated_at, id });
    let limit = page.limit();
    let mut items = state.services.db.feed(user_id, before, limit + 1, notifications_only).await?;
    let next_cursor = next_page(&mut items, limit, |last| format!("{}.{}", last.updated_at, last.id));
    Ok(Page { items: FeedItemView::many(state, &items).await?, next_cursor })
}

async fn feed(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<FeedItemView>>> {
    Ok(axum::Json(page(&state, user.id, &query, false).await?))
}

async fn notifications(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<PageQuery>,
) -> ApiResult<axum::Json<Value>> {
    let page = page(&state, user.id, &query, true).await?;
    let unread_count = state.services.db.unread_notifications(user.id).await?;
    Ok(axum::Json(json!({ "items": page.items, "next_cursor": page.next_cursor, "unread_count": unread_count })))
}

#[derive(Deserialize, Default)]
struct ReadRequest {
    /// The notifications to mark read; all of them when absent.
    ids: Option<Vec<String>>,
}

async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<Value>> {
    let request: ReadRequest = optional_json(&body)?;
    let ids = match request.ids {
        Some(ids) => Some(
            ids.iter()
                .map(|id| id.parse().map_err(|_| ApiError::field("ids", "not a notification id")))
                .collect::<ApiResult<Vec<i64>>>()?,
        ),
        None => None,
    };
    let db = &state.services.db;
    db.mark_notifications_read(user.id, ids.as_deref()).await?;
    let unread_count = db.unread_notifications(user.id).await?;
    state.services.notifier.notify(&[user.id]).await;
    Ok(axum::Json(json!({ "unread_count": unread_count })))
}

/// `event: unread` with `{"unread_count": n}` now and whenever it may have changed; the stream
/// ends when the server shuts down (the browser's EventSource reconnects by itself).
async fn stream(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let signals = state.services.notifier.subscribe(user.id);
    let first = true;
    let stream = futures::stream::unfold((state, signals, first), move |(state, mut signals, first)| async move {
        if !first {
            tokio::select! {
                () = state.shutdown.cancelled() => return None,
                received = signals.recv() => {
                    if let Err(tokio::sync::broadcast::error::RecvError::Closed) = received {
                        return None;
                    }
                }
            }
        }
        let event = match state.services.db.unread_notifications(user.id).await {
            Ok(count) => Event::default().event("unread").data(json!({ "unread_count": count }).to_string()),
            Err(err) => {
                tracing::warn!(error = %err, "cannot count unread notifications");
                Event::default().comment("unread count unavailable")
            }
        };
        Some((Ok(event), (state, signals, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
