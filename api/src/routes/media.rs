//! Media: list an album, get one, delete to the trash, restore, turn.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use picup_common::db::MediaCursor;
use picup_common::months::{Month, MonthCount};
use serde::{Deserialize, Serialize};

use picup_common::id::{AlbumId, MediaId};
use picup_common::processing::{self, Direction};

use crate::auth::{CurrentUser, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::routes::{next_page, page_limit, pair_cursor, utc_offset};
use crate::state::AppState;
use crate::views::MediaView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums/{id}/media", get(list_media))
        .route("/albums/{id}/months", get(list_months))
        .route("/media/{id}", get(get_media).delete(delete_media))
        .route("/media/{id}/restore", post(restore_media))
        .route("/media/{id}/rotate", post(rotate_media))
        .route("/media/{id}/download", get(download))
        .route("/albums/{id}/download", get(download_album))
}

pub fn media_cursor(cursor: &str) -> ApiResult<MediaCursor> {
    let (taken_at, id) = pair_cursor(cursor)?;
    Ok(MediaCursor { taken_at, id: MediaId::new(id) })
}

/// A page of an album: after a cursor, or from the newest photo of a month.
#[derive(Deserialize)]
struct AlbumPageQuery {
    cursor: Option<String>,
    limit: Option<i64>,
    /// `YYYY-MM`: the page starts at the month's newest photo (the scrubber's jump).
    month: Option<Month>,
    /// The viewer's time zone, minutes east of UTC, for where `month` starts.
    #[serde(default)]
    offset_minutes: i64,
}

async fn list_media(
    State(state): State<AppState>,
    Viewer(viewer_id): Viewer,
    Path(album_id): Path<AlbumId>,
    Query(query): Query<AlbumPageQuery>,
) -> ApiResult<Response> {
    let offset = utc_offset(query.offset_minutes)?;
    let after = match (query.cursor.as_deref(), query.month) {
        (Some(cursor), _) => Some(media_cursor(cursor)?),
        // Everything taken before the next month starts, newest first.
        (None, Some(month)) => {
            Some(MediaCursor { taken_at: month.next().start_ms(offset.ms()), id: MediaId::new(i64::MIN) })
        }
        (None, None) => None,
    };
    let limit = page_limit(query.limit);
    let mut rows = state.services.db.album_page(album_id, viewer_id, after, limit + 1).await?;
    if rows.is_empty() {
        // An empty page, or an album the caller may not see (404).
        state.services.db.album_access(album_id, viewer_id).await?;
    }
    let next_cursor = next_page(&mut rows, limit, |last| format!("{}.{}", last.taken_at, last.id));
    // A page of tiles (thumbnail URLs only), written from items written before (see `media_json`).
    let body = state.media_json.page(&state.services, &rows, next_cursor.as_deref()).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Serialize)]
struct Months<'a> {
    months: &'a [MonthCount],
}

/// The album's months with photos, newest first, for the scrubber.
async fn list_months(
    State(state): State<AppState>,
    Viewer(viewer_id): Viewer,
    Path(album_id): Path<AlbumId>,
    Query(zone): Query<ZoneQuery>,
) -> ApiResult<Response> {
    let offset = utc_offset(zone.offset_minutes)?;
    let months = state.months.album_months(&state.services.db, album_id, viewer_id, offset).await?;
    // Written straight from the kept list, without copying it.
    Ok(axum::Json(Months { months: &months }).into_response())
}

#[derive(Deserialize)]
struct ZoneQuery {
    /// Minutes east of UTC.
    #[serde(default)]
    offset_minutes: i64,
}

async fn get_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<axum::Json<MediaView>> {
    let (media, _) = state.services.db.media_for_user(id, user.id).await?;
    Ok(axum::Json(MediaView::one(&state, &media, user.id).await?))
}

/// The uploader and the album's owner may delete; other members may only look.
async fn delete_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<StatusCode> {
    let (media, access) = state.services.db.media_for_user(id, user.id).await?;
    access.may_delete(media.owner_id).map_err(|refusal| {
        ApiError::refused(refusal, "only the person who added this, or the album's owner, can delete it")
    })?;
    state.services.db.trash_media(media.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn restore_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<axum::Json<MediaView>> {
    let (media, access) = state.services.db.media_for_user(id, user.id).await?;
    if !access.may_remove(media.owner_id) {
        return Err(ApiError::NotFound);
    }
    if media.deleted_at.is_none() {
        return Err(ApiError::conflict("not_in_trash", "this item is not in the trash"));
    }
    state.services.db.restore_media(media.id).await?;
    let restored = state.services.db.media(media.id).await?;
    Ok(axum::Json(MediaView::one(&state, &restored, user.id).await?))
}

#[derive(serde::Deserialize)]
struct RotateRequest {
    direction: Direction,
}

/// A quarter turn for whoever may change the album: the media comes back processing, its new
/// thumbnail and preview (new URLs) once the thumbnailer has made them.
async fn rotate_media(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
    Json(request): Json<RotateRequest>,
) -> ApiResult<axum::Json<MediaView>> {
    let turned = processing::rotate(&state.services, user.id, id, request.direction).await?;
    Ok(axum::Json(MediaView::one(&state, &turned, user.id).await?))
}

/// How long a download link works: enough to start a big video on a slow line.
pub const DOWNLOAD_URL_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

/// The original under its real name, saved rather than opened: a redirect to a signed URL whose
/// answer says `Content-Disposition: attachment`.
async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<axum::response::Redirect> {
    let (media, _) = state.services.db.media_for_user(id, user.id).await?;
    let url = state.services.storage.presign_download(&media.object_key, &media.filename, DOWNLOAD_URL_TTL).await?;
    Ok(axum::response::Redirect::to(&url))
}

#[derive(serde::Deserialize)]
struct ChosenQuery {
    /// Ids separated by commas; the whole album when absent.
    ids: Option<String>,
}

/// The ids a person chose, as they came in a query string.
pub fn chosen_ids(ids: Option<&str>) -> ApiResult<Option<Vec<MediaId>>> {
    ids.map(|ids| ids.split(',').filter(|id| !id.is_empty()).map(crate::routes::parse_id).collect()).transpose()
}

/// The answer of an album's ZIP: saved as "TITLE.zip" (the same `Content-Disposition` rule as
/// one original's download).
pub fn zip_response(title: &str, body: axum::body::Body) -> axum::response::Response {
    use axum::http::header;
    axum::response::Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_DISPOSITION, picup_common::storage::attachment(&format!("{title}.zip")))
        .body(body)
        .unwrap_or_default()
}

/// The album (or the chosen photos in it) as one ZIP, streamed.
async fn download_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(album_id): Path<AlbumId>,
    Query(query): Query<ChosenQuery>,
) -> ApiResult<axum::response::Response> {
    let access = state.services.db.album_access(album_id, user.id).await?;
    let only = chosen_ids(query.ids.as_deref())?;
    let media = state.services.db.album_originals(album_id, only.as_deref()).await?;
    tracing::info!(user_id = %user.id, %album_id, items = media.len(), "album downloaded as a ZIP");
    Ok(zip_response(&access.album.title, crate::zip::stream(state.services.clone(), media)))
}
