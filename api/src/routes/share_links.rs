//! Share links: the owner makes, lists and stops them; a relative opens `/s/{token}`, which reads
//! the album through `/shared/{token}` with no account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use picup_common::db::{Media, ShareLink};
use picup_common::id::{AlbumId, MediaId, ShareLinkId};
use picup_common::now_ms;
use picup_common::storage::ObjectKind;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::rate_limit::ClientIp;
use crate::routes::media::media_cursor;
use crate::routes::{PageQuery, next_page};
use crate::share::{self, NewLink};
use crate::state::AppState;
use crate::views::{Page, parse_rfc3339, rfc3339};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums/{id}/links", post(make).get(list))
        .route("/links/{id}", delete(revoke))
        .route("/shared/{token}", get(album))
        .route("/shared/{token}/password", post(unlock))
        .route("/shared/{token}/media", get(media_page))
        .route("/shared/{token}/media/{media_id}", get(one_media))
        .route("/shared/{token}/media/{media_id}/download", get(download))
        .route("/shared/{token}/download", get(download_album))
}

#[derive(Deserialize)]
struct MakeRequest {
    expires_at: Option<String>,
    password: Option<String>,
    #[serde(default)]
    allow_download: bool,
}

async fn make(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(album_id): Path<AlbumId>,
    Json(request): Json<MakeRequest>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let expires_at = match request.expires_at.as_deref() {
        Some(text) => Some(
            parse_rfc3339(text)
                .ok_or_else(|| ApiError::field("expires_at", "a date and time like 2026-12-31T18:00:00Z"))?,
        ),
        None => None,
    };
    let new = NewLink { expires_at, password: request.password, allow_download: request.allow_download };
    let made = share::make_link(&state, &user, album_id, new).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "id": made.id, "url": made.url, "expires_at": expires_at.map(rfc3339) })),
    ))
}

fn link_view(link: &ShareLink) -> Value {
    let now = now_ms();
    json!({
        "id": link.id,
        "created_at": rfc3339(link.created_at),
        "expires_at": link.expires_at.map(rfc3339),
        "has_password": link.password_hash.is_some(),
        "allow_download": link.allow_download,
        "status": if link.revoked_at.is_some() { "revoked" } else if link.is_gone(now) { "expired" } else { "active" },
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(album_id): Path<AlbumId>,
) -> ApiResult<axum::Json<Value>> {
    let links = share::links_of(&state, &user, album_id).await?;
    Ok(axum::Json(json!({ "items": links.iter().map(link_view).collect::<Vec<_>>() })))
}

async fn revoke(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<ShareLinkId>,
) -> ApiResult<StatusCode> {
    share::revoke(&state, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The browser's grant for a link with a password: one cookie per link.
fn grant_cookie_name(id: ShareLinkId) -> String {
    format!("picup_share_{id}")
}

/// Opens the link for this request, with the browser's grant if it has one.
async fn opened(state: &AppState, token: &str, jar: &CookieJar) -> ApiResult<ShareLink> {
    share::open(state, token, |id| jar.get(&grant_cookie_name(id)).map(|cookie| cookie.value().to_owned())).await
}

async fn album(
    State(state): State<AppState>,
    Path(token): Path<String>,
    jar: CookieJar,
) -> ApiResult<axum::Json<Value>> {
    let link = opened(&state, &token, &jar).await?;
    Ok(axum::Json(json!({
        "album": { "title": link.album_title },
        "allow_download": link.allow_download,
        "expires_at": link.expires_at.map(rfc3339),
    })))
}

#[derive(Deserialize)]
struct UnlockRequest {
    password: String,
}

async fn unlock(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(token): Path<String>,
    jar: CookieJar,
    Json(request): Json<UnlockRequest>,
) -> ApiResult<(CookieJar, StatusCode)> {
    state.limiters.check_auth(ip)?;
    let (id, grant) = share::unlock(&state, &token, request.password).await?;
    let cookie = Cookie::build((grant_cookie_name(id), grant))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config().cookie_secure())
        .path("/api/v1/shared")
        .max_age(cookie::time::Duration::seconds(i64::try_from(share::GRANT_TTL.as_secs()).unwrap_or(i64::MAX)))
        .build();
    Ok((jar.add(cookie), StatusCode::NO_CONTENT))
}

/// What a relative sees of one photo or video: no uploader, likes, comments or checksums; the
/// original (and its name) only when the link allows downloads.
#[derive(Serialize)]
struct SharedMediaView {
    id: MediaId,
    kind: picup_common::db::MediaKind,
    taken_at: String,
    /// False when `taken_at` is only when it was uploaded.
    taken_at_known: bool,
    width: Option<i64>,
    height: Option<i64>,
    /// A member's turn (see `MediaView`): a player turns a video by it.
    quarter_turns: u8,
    duration_ms: Option<i64>,
    thumbhash: Option<String>,
    urls: SharedUrls,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    live: Option<crate::views::Live>,
}

#[derive(Serialize)]
struct SharedUrls {
    thumbnail: Option<String>,
    preview: Option<String>,
    playable: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original: Option<String>,
}

async fn shared_view(state: &AppState, link: &ShareLink, media: &Media) -> ApiResult<SharedMediaView> {
    let url = |key: Option<String>, kind| async move {
        match key {
            Some(key) => state.services.view_urls.url(&key, kind).await.map(Some).map_err(ApiError::from),
            None => Ok(None),
        }
    };
    let original =
        if link.allow_download { url(Some(media.object_key.clone()), ObjectKind::Original).await? } else { None };
    Ok(SharedMediaView {
        id: media.id,
        kind: media.kind,
        taken_at: rfc3339(media.taken_at),
        taken_at_known: media.taken_at_known,
        width: media.width,
        height: media.height,
        quarter_turns: media.quarter_turns.get(),
        duration_ms: media.duration_ms,
        thumbhash: media.thumbhash.clone(),
        urls: SharedUrls {
            thumbnail: url(media.thumbnail_key.clone(), ObjectKind::Thumbnail).await?,
            preview: url(media.preview_key.clone(), ObjectKind::Preview).await?,
            playable: url(media.playable_key.clone(), ObjectKind::Playable).await?,
            original,
        },
        filename: link.allow_download.then(|| media.filename.clone()),
        live: url(media.motion_key.clone(), ObjectKind::Motion)
            .await?
            .map(|video_url| crate::views::Live { video_url }),
    })
}

async fn media_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(page): Query<PageQuery>,
    jar: CookieJar,
) -> ApiResult<axum::Json<Page<SharedMediaView>>> {
    let link = opened(&state, &token, &jar).await?;
    let after = page.cursor.as_deref().map(media_cursor).transpose()?;
    let limit = page.limit();
    let mut media = share::page(&state, &link, after, limit + 1).await?;
    let next_cursor = next_page(&mut media, limit, |last| format!("{}.{}", last.taken_at, last.id));
    let items = futures::future::try_join_all(media.iter().map(|m| shared_view(&state, &link, m))).await?;
    Ok(axum::Json(Page { items, next_cursor }))
}

async fn one_media(
    State(state): State<AppState>,
    Path((token, media_id)): Path<(String, MediaId)>,
    jar: CookieJar,
) -> ApiResult<axum::Json<SharedMediaView>> {
    let link = opened(&state, &token, &jar).await?;
    let media = state.services.db.shared_media(link.album_id, media_id).await?;
    Ok(axum::Json(shared_view(&state, &link, &media).await?))
}

/// The original under its real name, when the link allows downloads.
async fn download(
    State(state): State<AppState>,
    Path((token, media_id)): Path<(String, MediaId)>,
    jar: CookieJar,
) -> ApiResult<axum::response::Redirect> {
    let link = opened(&state, &token, &jar).await?;
    if !link.allow_download {
        return Err(ApiError::Forbidden("this link lets you look, not download"));
    }
    let media = state.services.db.shared_media(link.album_id, media_id).await?;
    let url = state
        .services
        .storage
        .presign_download(&media.object_key, &media.filename, crate::routes::media::DOWNLOAD_URL_TTL)
        .await?;
    Ok(axum::response::Redirect::to(&url))
}

#[derive(Deserialize)]
struct ChosenQuery {
    ids: Option<String>,
}

/// The shared album (or the chosen photos in it) as one ZIP, when the link allows downloads.
async fn download_album(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<ChosenQuery>,
    jar: CookieJar,
) -> ApiResult<axum::response::Response> {
    let link = opened(&state, &token, &jar).await?;
    if !link.allow_download {
        return Err(ApiError::Forbidden("this link lets you look, not download"));
    }
    let only = crate::routes::media::chosen_ids(query.ids.as_deref())?;
    let media = state.services.db.album_originals(link.album_id, only.as_deref()).await?;
    Ok(crate::routes::media::zip_response(&link.album_title, crate::zip::stream(state.services.clone(), media)))
}
