//! Uploads (ARCHITECTURE.md, steps 1-3): reserve quota and hand out presigned URLs, then complete
//! with the size S3 reports. File bytes never pass through the api.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use picup_common::db::uploads::ReserveError;
use picup_common::db::{DbError, NewMedia, NewUpload, Upload, User};
use picup_common::events::Event;
use picup_common::now_ms;
use picup_common::storage::{ObjectKind, StorageError};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::routes::parse_id;
use crate::state::AppState;
use crate::views::{MediaView, rfc3339};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums/{id}/uploads", post(reserve))
        .route("/uploads/{id}", get(get_upload).delete(abort))
        .route("/uploads/{id}/complete", post(complete))
}

#[derive(Deserialize)]
struct ReserveRequest {
    filename: String,
    size: i64,
    content_type: String,
}

#[derive(Serialize)]
struct PartUrl {
    part_number: i32,
    url: String,
    size: i64,
}

fn clean_filename(raw: &str) -> ApiResult<String> {
    // Keep only the last path component a browser or phone may have sent.
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    match name.chars().count() {
        1..=255 => Ok(name),
        _ => Err(ApiError::field("filename", "please give the file a name of 1 to 255 characters")),
    }
}

fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{value:.1} {}", UNITS[unit]) }
}

fn quota_exceeded(size: i64, free: i64) -> ApiError {
    ApiError::TooLarge {
        code: "quota_exceeded",
        message: format!(
            "Not enough storage space: this file needs {} but only {} is free. Empty the trash or ask the family admin for more space.",
            human_bytes(size),
            human_bytes(free.max(0))
        ),
    }
}

async fn reserve(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(album_id): Path<String>,
    Json(request): Json<ReserveRequest>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let services = &state.services;
    let limits = &state.config().limits;
    let access = services.db.album_access(parse_id(&album_id)?, user.id).await?;
    if !access.role.can_upload() {
        return Err(ApiError::Forbidden(
            "you can look at this album but not add to it; ask its owner to make you a contributor",
        ));
    }
    let content_type = request.content_type.trim().to_ascii_lowercase();
    if !limits.allowed_types.contains(&content_type) {
        return Err(ApiError::UnsupportedType {
            message: format!(
                "{content_type:?} files cannot be added; picup takes photos (JPEG, PNG, WebP, HEIC, GIF) and videos (MP4, MOV, WebM)"
            ),
        });
    }
    if request.size <= 0 {
        return Err(ApiError::field("size", "the file is empty"));
    }
    if request.size > limits.max_upload_bytes {
        return Err(ApiError::TooLarge {
            code: "file_too_large",
            message: format!(
                "This file is {}; the largest file picup takes is {}.",
                human_bytes(request.size),
                human_bytes(limits.max_upload_bytes)
            ),
        });
    }
    let filename = clean_filename(&request.filename)?;

    let id = services.db.next_id();
    let object_key = ObjectKind::Original.key(user.id, id, &content_type);
    let multipart = request.size >= limits.multipart_threshold_bytes;

    let guard = services.locks.acquire(user.id, limits.lock_wait).await?;
    let reserved = async {
        // Under the lock the free space cannot shrink except by the thumbnailer adding
        // derivatives, which the reserving UPDATE checks again.
        let fresh = services.db.user(user.id).await?;
        if fresh.free_bytes() < request.size {
            return Err(quota_exceeded(request.size, fresh.free_bytes()));
        }
        let multipart_upload_id = match multipart {
            true => Some(services.storage.create_multipart(&object_key, &content_type).await?),
            false => None,
        };
        let expires_at = now_ms() + i64::try_from(limits.reservation_ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let new = NewUpload {
            id,
            user_id: user.id,
            album_id: access.album.id,
            filename: &filename,
            content_type: &content_type,
            size_bytes: request.size,
            object_key: &object_key,
            multipart_upload_id: multipart_upload_id.as_deref(),
            part_size: multipart.then(|| limits.part_size_for(request.size)),
            expires_at,
        };
        match services.db.reserve_upload(&new).await {
            Ok(upload) => Ok(upload),
            Err(err) => {
                if let Some(upload_id) = &multipart_upload_id
                    && let Err(abort) = services.storage.abort_multipart(&object_key, upload_id).await
                {
                    tracing::warn!(error = %abort, "could not abort a refused multipart upload; the sweeper's lifecycle rule will");
                }
                Err(match err {
                    ReserveError::QuotaExceeded { free_bytes } => quota_exceeded(request.size, free_bytes),
                    ReserveError::Db(db) => db.into(),
                })
            }
        }
    }
    .await;
    guard.release().await;
    count_quota(&state, "reserve", &reserved);
    let upload = reserved?;
    tracing::info!(upload_id = upload.id, size = upload.size_bytes, multipart, "upload reserved");
    Ok((StatusCode::CREATED, axum::Json(upload_instructions(&state, &upload).await?)))
}

/// What the client needs to send the bytes: one PUT, or one URL per part.
async fn upload_instructions(state: &AppState, upload: &Upload) -> ApiResult<Value> {
    let storage = &state.services.storage;
    let ttl = state.config().limits.upload_url_ttl;
    let expires_at = rfc3339(now_ms() + i64::try_from(ttl.as_millis()).unwrap_or(0));
    let id = upload.id.to_string();
    match (&upload.multipart_upload_id, upload.part_size) {
        (Some(upload_id), Some(part_size)) => {
            let count = (upload.size_bytes + part_size - 1) / part_size;
            let mut parts = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
            for index in 0..count {
                let size = part_size.min(upload.size_bytes - index * part_size);
                let part_number = i32::try_from(index + 1).map_err(|e| ApiError::Internal(e.into()))?;
                let signed = storage.presign_part(&upload.object_key, upload_id, part_number, size, ttl).await?;
                parts.push(PartUrl { part_number, url: signed.url, size });
            }
            Ok(
                json!({ "id": id, "method": "MULTIPART", "part_size": part_size, "parts": parts, "expires_at": expires_at }),
            )
        }
        _ => {
            let signed = storage.presign_put(&upload.object_key, upload.size_bytes, &upload.content_type, ttl).await?;
            Ok(
                json!({ "id": id, "method": "PUT", "url": signed.url, "headers": signed.headers, "expires_at": expires_at }),
            )
        }
    }
}

async fn my_upload(state: &AppState, user: &User, id: i64) -> ApiResult<Upload> {
    let upload = state.services.db.upload(id).await?;
    if upload.user_id != user.id {
        return Err(ApiError::NotFound);
    }
    Ok(upload)
}

/// Fresh URLs for an upload in progress, so a big upload can resume after its URLs expired.
async fn get_upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Value>> {
    let upload = my_upload(&state, &user, parse_id(&id)?).await?;
    Ok(axum::Json(upload_instructions(&state, &upload).await?))
}

#[derive(Deserialize, Default)]
struct CompleteRequest {
    parts: Option<Vec<CompletedPart>>,
}

#[derive(Deserialize)]
struct CompletedPart {
    part_number: i32,
    etag: String,
}

/// S3's limits on a multipart upload.
const MAX_PARTS: usize = 10_000;
const MAX_ETAG_CHARS: usize = 1024;

/// Reads the body of a complete: nothing, or the parts the client says it sent. They are checked
/// here (numbered 1 to 10 000, in order, each once, with a short ETag) so a confused or lying
/// client gets a clear 422 instead of a refusal from S3.
pub fn parse_complete_body(body: &[u8]) -> ApiResult<Option<Vec<(i32, String)>>> {
    let request: CompleteRequest = crate::extract::optional_json(body)?;
    let Some(parts) = request.parts else { return Ok(None) };
    let invalid = |message: &str| ApiError::field("parts", message);
    if parts.is_empty() || parts.len() > MAX_PARTS {
        return Err(invalid("give between 1 and 10000 parts, or none to let the server look them up"));
    }
    let mut previous = 0;
    for part in &parts {
        if !(1..=MAX_PARTS as i32).contains(&part.part_number) || part.part_number <= previous {
            return Err(invalid("part numbers go from 1 to 10000, in increasing order, each once"));
        }
        if part.etag.chars().count() > MAX_ETAG_CHARS || part.etag.chars().any(char::is_control) {
            return Err(invalid("a part's etag is the ETag header S3 answered to its PUT"));
        }
        previous = part.part_number;
    }
    Ok(Some(parts.into_iter().map(|p| (p.part_number, p.etag)).collect()))
}

async fn complete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let parts = parse_complete_body(&body)?;
    let id = parse_id(&id)?;
    let services = &state.services;
    let guard = services.locks.acquire(user.id, state.config().limits.lock_wait).await?;
    let completed = complete_locked(&state, &user, id, parts).await;
    guard.release().await;
    count_quota(&state, "complete", &completed);
    let (media, created) = completed?;

    if created {
        // Best effort; the outbox relay publishes it if this fails.
        let event = Event::MediaUploaded { media_id: media.id };
        match services.events.publish(&event).await {
            Ok(()) => {
                if let Err(err) = services.db.mark_media_event_published(&event).await {
                    tracing::warn!(error = %err, "event published but not marked; it will be published again");
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, media_id = media.id, "event not published now; the outbox relay will")
            }
        }
        services.activity_recorded.notify_one();
        services.metrics.uploads_completed.inc();
        services.metrics.upload_bytes.inc_by(u64::try_from(media.size_bytes).unwrap_or_default());
        tracing::info!(media_id = media.id, size = media.size_bytes, "upload completed");
    }
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(json!({ "media": MediaView::new(&state, &media).await? }))))
}

/// Runs under the user's lock. Returns the media and whether this call created it (a repeated
/// complete returns the media made by the first).
async fn complete_locked(
    state: &AppState,
    user: &User,
    id: i64,
    parts: Option<Vec<(i32, String)>>,
) -> ApiResult<(picup_common::db::Media, bool)> {
    let services = &state.services;
    let upload = match my_upload(state, user, id).await {
        Ok(upload) => upload,
        Err(ApiError::NotFound) => {
            let (media, _) = services.db.media_for_user(id, user.id).await?;
            if media.owner_id != user.id {
                return Err(ApiError::NotFound);
            }
            return Ok((media, false));
        }
        Err(other) => return Err(other),
    };

    if let Some(upload_id) = &upload.multipart_upload_id {
        let parts = match parts {
            Some(parts) => parts,
            None => services.storage.list_parts(&upload.object_key, upload_id).await.or_else(not_found_is_empty)?,
        };
        match services.storage.complete_multipart(&upload.object_key, upload_id, &parts).await {
            // NotFound: an earlier complete finished it before crashing; the HEAD below decides.
            Ok(()) | Err(StorageError::NotFound) => {}
            Err(StorageError::Refused { code, message }) => {
                return Err(ApiError::conflict(
                    "upload_incomplete",
                    format!(
                        "the parts of this file did not all arrive ({code}: {message}); please send the missing parts again"
                    ),
                ));
            }
            Err(other) => return Err(other.into()),
        }
    }

    let object = match services.storage.head(&upload.object_key).await {
        Ok(object) => object,
        Err(StorageError::NotFound) => {
            return Err(ApiError::conflict(
                "upload_incomplete",
                "the file has not arrived yet; please send it again, then complete",
            ));
        }
        Err(other) => return Err(other.into()),
    };
    if object.size > upload.size_bytes {
        services.storage.delete(&upload.object_key).await?;
        services.db.release_upload(&upload).await?;
        tracing::warn!(
            upload_id = upload.id,
            declared = upload.size_bytes,
            actual = object.size,
            "upload larger than declared, refused"
        );
        return Err(ApiError::Unprocessable {
            code: "size_mismatch",
            message: format!(
                "the file that arrived ({}) is larger than announced ({}); it was not added, please upload it again",
                human_bytes(object.size),
                human_bytes(upload.size_bytes)
            ),
        });
    }

    let kind = if upload.content_type.starts_with("video/") { "video" } else { "photo" };
    let media = services
        .db
        .complete_upload(
            &upload,
            &NewMedia {
                id: upload.id,
                album_id: upload.album_id,
                owner_id: upload.user_id,
                kind,
                filename: &upload.filename,
                content_type: &upload.content_type,
                size_bytes: object.size,
                object_key: &upload.object_key,
                taken_at: now_ms(),
            },
        )
        .await
        .map_err(|err| match err {
            DbError::NotFound => ApiError::NotFound,
            other => other.into(),
        })?;
    Ok((media, true))
}

fn count_quota<T>(state: &AppState, operation: &'static str, result: &ApiResult<T>) {
    let outcome = match result {
        Ok(_) => "ok",
        Err(err) => err.code(),
    };
    state.services.metrics.count_quota(operation, outcome);
}

fn not_found_is_empty(err: StorageError) -> Result<Vec<(i32, String)>, StorageError> {
    if err.is_not_found() { Ok(Vec::new()) } else { Err(err) }
}

/// Cancels an upload: the parts or object are deleted and the reserved bytes given back.
async fn abort(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    let services = &state.services;
    let guard = services.locks.acquire(user.id, state.config().limits.lock_wait).await?;
    let aborted = async {
        let upload = my_upload(&state, &user, id).await?;
        services.storage.discard_upload(&upload.object_key, upload.multipart_upload_id.as_deref()).await?;
        services.db.release_upload(&upload).await?;
        Ok::<_, ApiError>(())
    }
    .await;
    guard.release().await;
    count_quota(&state, "release", &aborted);
    aborted?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_error(body: &str) -> bool {
        matches!(parse_complete_body(body.as_bytes()), Err(ApiError::Validation(fields)) if fields.contains_key("parts"))
    }

    #[test]
    fn a_complete_body_is_nothing_or_parts_in_order() {
        assert_eq!(parse_complete_body(b"").ok(), Some(None));
        assert_eq!(parse_complete_body(b" {} ").ok(), Some(None));
        let parts =
            parse_complete_body(br#"{"parts":[{"part_number":1,"etag":"\"a\""},{"part_number":3,"etag":"b"}]}"#);
        assert_eq!(parts.ok(), Some(Some(vec![(1, "\"a\"".to_owned()), (3, "b".to_owned())])));
    }

    #[test]
    fn a_lying_complete_body_gets_a_clear_refusal() {
        assert!(matches!(parse_complete_body(b"{\"parts\":"), Err(ApiError::BadRequest { .. })));
        assert!(field_error(r#"{"parts":[]}"#));
        assert!(field_error(r#"{"parts":[{"part_number":0,"etag":"a"}]}"#));
        assert!(field_error(r#"{"parts":[{"part_number":10001,"etag":"a"}]}"#));
        assert!(field_error(r#"{"parts":[{"part_number":2,"etag":"a"},{"part_number":2,"etag":"a"}]}"#));
        assert!(field_error(r#"{"parts":[{"part_number":2,"etag":"a"},{"part_number":1,"etag":"a"}]}"#));
        assert!(field_error(r#"{"parts":[{"part_number":1,"etag":"a\nb"}]}"#));
        let long = format!(r#"{{"parts":[{{"part_number":1,"etag":"{}"}}]}}"#, "e".repeat(1025));
        assert!(field_error(&long));
    }
}
