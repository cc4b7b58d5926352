//! Who is calling: a bearer token (API clients) or the session cookie (the web album). Cookie
//! requests that change state must carry `X-Requested-With`, which a cross-site form or image
//! cannot send and a cross-site script cannot send without a CORS preflight the api refuses.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use picup_common::db::User;
use picup_common::id::UserId;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "picup_session";
pub const CSRF_HEADER: &str = "x-requested-with";

/// The signed-in user. Extracting it also applies the per-user rate limit.
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (token, from_cookie) = session_token(&parts.headers).ok_or(ApiError::Unauthorized)?;
        if from_cookie && !is_safe(&parts.method) && !parts.headers.contains_key(CSRF_HEADER) {
            return Err(ApiError::Forbidden(
                "this request must be sent by the picup web app (missing X-Requested-With)",
            ));
        }
        let token_hash = hash_token(&token);
        let signed_in = state.services.db.session_user(&token_hash).await.map_err(|err| match err {
            picup_common::db::DbError::NotFound => ApiError::Unauthorized,
            other => other.into(),
        })?;
        state.limiters.check_user(signed_in.user.id)?;
        state.services.db.seen_session(&token_hash, signed_in.last_seen_at).await?;
        Ok(CurrentUser(signed_in.user))
    }
}

/// Who is signed in, for the album's reads that need no more than who (its pages and months):
/// the database is asked at most every few seconds per session (`Db::recent_session_user`).
/// Refused as `CurrentUser` refuses, and rate-limited the same. A remembered session is not
/// marked seen: `seen_session` writes at most once a minute, and the memory lasts 10 s.
pub struct Viewer(pub UserId);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if is_safe(&parts.method)
            && let Some((token, _)) = session_token(&parts.headers)
            && let Some(user_id) = state.services.db.recent_session_user(&hash_token(&token))
        {
            state.limiters.check_user(user_id)?;
            return Ok(Viewer(user_id));
        }
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        Ok(Viewer(user.id))
    }
}

/// The raw session token and whether it came from the cookie.
pub fn session_token(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|token| (token.trim().to_owned(), false));
    }
    let jar = CookieJar::from_headers(headers);
    jar.get(SESSION_COOKIE).map(|cookie| (cookie.value().to_owned(), true))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn session_cookie(token: String, secure: bool, max_age: std::time::Duration) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds(i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX)))
        .build()
}

pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie =
        Cookie::build((SESSION_COOKIE, "")).http_only(true).same_site(SameSite::Lax).secure(secure).path("/").build();
    cookie.make_removal();
    cookie
}
