//! Uploads (ARCHITECTURE.md, steps 1-3): reserve quota and hand out presigned URLs, then complete
//! with the size S3 reports. The use cases are `picup_common::uploads`; these handlers parse and map.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use picup_common::uploads::{self, Reservation, ReserveRequest, SendInstructions, SendMethod, UploadProgress};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use picup_common::id::{AlbumId, MediaId};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use crate::routes::{PageQuery, id_cursor, next_page};
use crate::state::AppState;
use crate::views::{MediaView, Page, rfc3339};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums/{id}/uploads", post(reserve))
        .route("/uploads", get(list_uploads))
        .route("/uploads/{id}", get(get_upload).delete(abort))
        .route("/uploads/{id}/parts/{part_number}", post(part_url))
        .route("/uploads/{id}/complete", post(complete))
}

#[derive(Deserialize)]
struct ReserveBody {
    filename: String,
    size: i64,
    content_type: String,
    sha256: Option<String>,
}

#[derive(Serialize)]
struct PartUrl<'a> {
    part_number: i32,
    /// None for an upload that declared its SHA-256: each part's URL is asked for with the part's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    size: i64,
}

async fn reserve(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(album_id): Path<AlbumId>,
    Json(body): Json<ReserveBody>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let request = ReserveRequest {
        filename: &body.filename,
        size: body.size,
        content_type: &body.content_type,
        sha256: body.sha256.as_deref(),
    };
    match uploads::reserve(&state.services, user.id, album_id, &request).await? {
        Reservation::Send(instructions) => Ok((StatusCode::CREATED, axum::Json(instructions_json(&instructions)))),
        Reservation::Duplicate(media) => {
            let media = MediaView::one(&state, &media, user.id).await?;
            Ok((StatusCode::OK, axum::Json(json!({ "duplicate": true, "media": media }))))
        }
    }
}

/// What the client needs to send the bytes: one PUT, or one URL per part.
fn instructions_json(instructions: &SendInstructions) -> Value {
    let id = instructions.upload_id.to_string();
    let expires_at = rfc3339(instructions.expires_at);
    match &instructions.method {
        SendMethod::Multipart { part_size, parts } => {
            let parts: Vec<PartUrl<'_>> = parts
                .iter()
                .map(|p| PartUrl { part_number: p.part_number, url: p.url.as_deref(), size: p.size })
                .collect();
            json!({ "id": id, "method": "MULTIPART", "part_size": part_size, "parts": parts, "expires_at": expires_at })
        }
        SendMethod::Put(signed) => {
            json!({ "id": id, "method": "PUT", "url": signed.url, "headers": signed.headers, "expires_at": expires_at })
        }
    }
}

#[derive(Deserialize)]
struct PartBody {
    sha256: String,
}

/// A URL for one part, signed with the part's SHA-256 so the store checks the bytes.
async fn part_url(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, part_number)): Path<(MediaId, i32)>,
    Json(body): Json<PartBody>,
) -> ApiResult<axum::Json<Value>> {
    let part = uploads::part_url(&state.services, user.id, id, part_number, &body.sha256).await?;
    Ok(axum::Json(json!({
        "part_number": part.part_number,
        "size": part.size,
        "url": part.signed.url,
        "headers": part.signed.headers,
        "expires_at": rfc3339(part.expires_at),
    })))
}

/// An unfinished upload, to continue it from any device: what arrived, and URLs for the rest.
async fn get_upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<axum::Json<Value>> {
    let progress = uploads::progress(&state.services, user.id, id).await?;
    Ok(axum::Json(progress_json(&progress)))
}

async fn list_uploads(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(page): Query<PageQuery>,
) -> ApiResult<axum::Json<Page<Value>>> {
    let before = page.cursor.as_deref().map(id_cursor).transpose()?.map(MediaId::new);
    let limit = page.limit().min(MAX_UPLOADS_PAGE);
    let mut found = uploads::unfinished(&state.services, user.id, before, limit + 1).await?;
    let next_cursor = next_page(&mut found, limit, |last| last.upload.id.to_string());
    Ok(axum::Json(Page { items: found.iter().map(progress_json).collect(), next_cursor }))
}

/// Each listed upload asks the store for its parts; a page stays a few dozen calls.
const MAX_UPLOADS_PAGE: i64 = 50;

/// An unfinished upload as `GET /uploads/{id}` answers: the instructions for what is missing
/// (as the reservation gave them), what the store holds, and what the upload is.
fn progress_json(progress: &UploadProgress) -> Value {
    let upload = &progress.upload;
    let mut body = instructions_json(&progress.send);
    let parts_done: Vec<Value> = progress
        .parts_done
        .iter()
        .map(|part| json!({ "part_number": part.number, "size": part.size, "etag": part.etag }))
        .collect();
    body["album_id"] = json!(upload.album_id);
    body["filename"] = json!(upload.filename);
    body["content_type"] = json!(upload.content_type);
    body["size"] = json!(upload.size_bytes);
    body["sha256"] = json!(upload.declared_sha256);
    body["status"] = json!(if progress.arrived { "arrived" } else { "sending" });
    body["parts_done"] = json!(parts_done);
    body["reserved_until"] = json!(rfc3339(upload.expires_at));
    body
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
    Path(id): Path<MediaId>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let parts = parse_complete_body(&body)?;
    let completed = uploads::complete(&state.services, user.id, id, parts).await?;
    let status = if completed.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(json!({ "media": MediaView::one(&state, &completed.media, user.id).await? }))))
}

/// Cancels an upload: the parts or object are deleted and the reserved bytes given back.
async fn abort(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<MediaId>,
) -> ApiResult<StatusCode> {
    uploads::abort(&state.services, user.id, id).await?;
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
