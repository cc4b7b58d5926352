//! The HTTP surface: `/api/v1` resources, health checks, and the web album's static files.

mod activity;
mod admin;
mod albums;
pub mod auth;
mod health;
mod invites;
mod media;
mod memories;
mod oidc;
mod openapi;
mod passkeys;
#[cfg(test)]
mod request_inputs;
mod search;
pub mod sessions;
mod share_links;
mod social;
mod trash;
pub mod uploads;

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use picup_common::metrics::{RouteLabels, status_class};
use picup_common::months::UtcOffset;
use serde::Deserialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::error::{ApiError, ApiResult, InternalErrorDetail};
use crate::state::AppState;

/// JSON bodies are small: file bytes go straight to the object store.
const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn router(state: AppState, web_dir: &Path) -> Router {
    let api = Router::new()
        .merge(auth::router())
        .merge(invites::router())
        .merge(albums::router())
        .merge(uploads::router())
        .merge(media::router())
        .merge(memories::router())
        .merge(trash::router())
        .merge(admin::router())
        .merge(social::router())
        .merge(activity::router())
        .merge(search::router())
        .merge(sessions::router())
        .merge(passkeys::router())
        .merge(oidc::router())
        .merge(share_links::router())
        .merge(openapi::router())
        .fallback(|| async { ApiError::NotFound });

    let csp = content_security_policy(&state);
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        // A share link (`/s/{token}`) opens the web album, which reads the token from the path.
        .route_service("/s/{token}", ServeFile::new(web_dir.join("index.html")))
        .fallback_service(ServeDir::new(web_dir))
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), crate::rate_limit::limit_per_ip))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(log_internal_errors))
        .layer(middleware::from_fn_with_state(state.clone(), record_latency))
        // The path only, its tokens hidden: query strings (`/?invite=...`) and share links' and
        // invites' paths carry secrets that must not be logged.
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            tracing::debug_span!("request", method = %request.method(), path = %loggable_path(request.uri().path()))
        }))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(compression())
        .with_state(state)
}

/// JSON and the web album's files, brotli or gzip as the browser accepts (#19: a page of 50
/// photos is a tenth of its size on a phone's network). Not what compressing makes no smaller:
/// bodies under 1 KiB, images, and ZIP downloads of photos (a whole album would cost the CPU for
/// nothing); nor event streams, which must not wait for a buffer to fill. No secret an attacker
/// could guess sits in a body beside text they choose (CSRF is a header), so compressing is safe
/// from BREACH-style guessing.
fn compression() -> CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(1024)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::const_new("application/zip"));
    // Level 1 (brotli's quality 1, gzip's level 1): the default levels cost the api 0.5 ms
    // (gzip) to 1 ms (brotli) per page of 50, more than building the page; level 1 keeps most
    // of the saving for a fraction of that (api/bench/load.sh, page-bytes.py).
    CompressionLayer::new().no_deflate().no_zstd().quality(CompressionLevel::Precise(1)).compress_when(worth_it)
}

/// The web album loads images and sends uploads to the object store's origin, nothing else.
fn content_security_policy(state: &AppState) -> HeaderValue {
    let store = state.services.storage_origin.clone().unwrap_or_default();
    let policy = format!(
        "default-src 'self'; img-src 'self' data: blob: {store}; media-src 'self' blob: {store}; \
         connect-src 'self' {store}; style-src 'self'; script-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"))
}

/// Internal errors are logged here, once, with the request's span; the client saw only "internal".
async fn log_internal_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = loggable_path(request.uri().path()).into_owned();
    let response = next.run(request).await;
    if let Some(InternalErrorDetail(detail)) = response.extensions().get::<InternalErrorDetail>() {
        if response.status().is_server_error() && response.status().as_u16() != 503 {
            tracing::error!(%method, %path, error = %detail, "request failed");
        } else {
            tracing::warn!(%method, %path, error = %detail, "request refused: backend unavailable");
        }
    }
    response
}

/// Paths whose next segment is a secret token: a share link (the page and its api) and an invite.
const TOKEN_PATHS: [&str; 3] = ["/s/", "/api/v1/shared/", "/api/v1/invites/"];

/// A request's path as the logs may keep it: a token in it replaced by `{token}`.
fn loggable_path(path: &str) -> Cow<'_, str> {
    for prefix in TOKEN_PATHS {
        if let Some(rest) = path.strip_prefix(prefix) {
            let after_token = rest.find('/').map_or("", |end| &rest[end..]);
            return Cow::Owned(format!("{prefix}{{token}}{after_token}"));
        }
    }
    Cow::Borrowed(path)
}

/// Request latency by route pattern (static files and unknown paths share one series).
async fn record_latency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("other", MatchedPath::as_str).to_owned();
    let method = match *request.method() {
        Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS => {
            request.method().as_str().to_owned()
        }
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = RouteLabels { method, route, status: status_class(response.status().as_u16()) };
    state.services.metrics.http_request_seconds.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    response
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

impl PageQuery {
    pub fn limit(&self) -> i64 {
        page_limit(self.limit)
    }
}

/// How many items a page holds: 50 unless asked, 1 to 200.
pub fn page_limit(asked: Option<i64>) -> i64 {
    asked.unwrap_or(50).clamp(1, 200)
}

/// The viewer's time zone from `offset_minutes` (minutes east of UTC).
pub fn utc_offset(minutes: i64) -> ApiResult<UtcOffset> {
    UtcOffset::from_minutes(minutes)
        .ok_or_else(|| ApiError::field("offset_minutes", "a time zone is at most 14 hours from UTC"))
}

fn invalid_cursor() -> ApiError {
    ApiError::bad_request("invalid_cursor", "the cursor is not one this server gave out")
}

/// A cursor that is one id.
pub fn id_cursor(cursor: &str) -> ApiResult<i64> {
    cursor.parse().map_err(|_| invalid_cursor())
}

/// A cursor of two numbers, `first.second` (a time and an id).
pub fn pair_cursor(cursor: &str) -> ApiResult<(i64, i64)> {
    let (first, second) = cursor.split_once('.').ok_or_else(invalid_cursor)?;
    Ok((first.parse().map_err(|_| invalid_cursor())?, second.parse().map_err(|_| invalid_cursor())?))
}

/// Cuts rows fetched with `limit + 1` down to `limit`; when there were more, the cursor of the
/// last row kept.
pub fn next_page<T>(rows: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Option<String> {
    if rows.len() as i64 <= limit {
        return None;
    }
    rows.truncate(usize::try_from(limit).unwrap_or_default());
    rows.last().map(cursor)
}

/// The OpenAPI document of `/api/v1` (also served at `/api/v1/openapi.json`).
pub fn openapi_document() -> serde_json::Value {
    openapi::document()
}

/// Ids travel as strings; one that does not parse names nothing. (Ids in paths are typed by the
/// `Path` extractor, whose refusal is the same 404.)
pub fn parse_id<Id: std::str::FromStr>(raw: &str) -> ApiResult<Id> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn tokens_in_paths_are_not_logged() {
        assert_eq!(loggable_path("/s/abcDEF123"), "/s/{token}");
        assert_eq!(
            loggable_path("/api/v1/shared/abcDEF123/media/42/download"),
            "/api/v1/shared/{token}/media/42/download"
        );
        assert_eq!(loggable_path("/api/v1/invites/abcDEF123/accept"), "/api/v1/invites/{token}/accept");
        assert_eq!(loggable_path("/api/v1/albums/7/media"), "/api/v1/albums/7/media");
        assert_eq!(loggable_path("/js/shared.js"), "/js/shared.js");
    }
}
