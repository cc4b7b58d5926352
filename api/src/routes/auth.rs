//! Accounts: register (first user is the admin, later ones need an invite), sign in and out, me.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use picup_common::db::{DbError, NewUser};
use picup_common::now_ms;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::rate_limit::ClientIp;
use crate::state::AppState;
use crate::views::UserView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
}

#[derive(Deserialize)]
struct RegisterRequest {
    email: String,
    password: String,
    display_name: String,
    invite: Option<String>,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn validate_registration(request: &RegisterRequest) -> ApiResult<()> {
    let mut fields = std::collections::BTreeMap::new();
    let email = normalize_email(&request.email);
    let at = email.find('@');
    if email.len() > 254
        || !matches!(at, Some(i) if i > 0 && i + 1 < email.len())
        || email.contains(char::is_whitespace)
    {
        fields.insert("email", vec!["please enter an email address like name@example.com".to_owned()]);
    }
    let length = request.password.chars().count();
    if length < 8 {
        fields.insert("password", vec!["please use at least 8 characters".to_owned()]);
    } else if length > 256 {
        fields.insert("password", vec!["please use at most 256 characters".to_owned()]);
    }
    let name = request.display_name.trim().chars().count();
    if name == 0 || name > 100 {
        fields.insert("display_name", vec!["please enter a name of 1 to 100 characters".to_owned()]);
    }
    if fields.is_empty() { Ok(()) } else { Err(ApiError::Validation(fields)) }
}

async fn register(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Json(request): Json<RegisterRequest>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    state.limiters.check_auth(ip)?;
    validate_registration(&request)?;
    let db = &state.services.db;
    let email = normalize_email(&request.email);
    let password_hash = auth::hash_password(request.password).await?;

    let mut tx = db.begin().await?;
    let user = db
        .create_user(
            &mut tx,
            &NewUser {
                email: &email,
                display_name: request.display_name.trim(),
                password_hash: &password_hash,
                quota_bytes: state.config().limits.default_quota_bytes,
            },
        )
        .await
        .map_err(|err| match err {
            DbError::Conflict => {
                ApiError::conflict("email_taken", "an account with this email already exists; please sign in")
            }
            other => other.into(),
        })?;
    if !user.is_admin() {
        let token =
            request.invite.as_deref().map(str::trim).filter(|t| !t.is_empty()).ok_or(ApiError::Forbidden(
                "joining needs an invite link; please ask a family member to send you one",
            ))?;
        let invite = db.consume_invite(&mut tx, &auth::hash_token(token), user.id).await.map_err(|err| match err {
            DbError::NotFound => {
                ApiError::Forbidden("this invite link has expired or was already used; please ask for a new one")
            }
            other => other.into(),
        })?;
        if let (Some(album_id), Some(role)) = (invite.album_id, invite.role) {
            db.add_album_member_tx(&mut tx, album_id, user.id, role).await?;
        }
    }
    db.commit_activity(tx).await?;
    tracing::info!(user_id = %user.id, admin = user.is_admin(), "account created");
    Ok((StatusCode::CREATED, axum::Json(json!({ "user": UserView::from(&user) }))))
}

#[derive(Deserialize)]
struct LoginRequest {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    Json(request): Json<LoginRequest>,
) -> ApiResult<(CookieJar, axum::Json<Value>)> {
    state.limiters.check_auth(ip)?;
    let db = &state.services.db;
    let user = match db.user_by_email(&normalize_email(&request.email)).await {
        Ok(user) => Some(user),
        Err(DbError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    if let Some(user) = &user {
        let blocked_for = user.login_blocked_until - now_ms();
        if blocked_for > 0 {
            return Err(ApiError::TooManyRequests {
                retry_after: std::time::Duration::from_millis(blocked_for.unsigned_abs()),
            });
        }
    }
    let valid = auth::verify_password(request.password, user.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match (user, valid) {
        (Some(user), true) => user,
        (Some(user), false) => {
            db.record_failed_login(user.id).await?;
            return Err(ApiError::InvalidCredentials);
        }
        (None, _) => return Err(ApiError::InvalidCredentials),
    };
    if user.failed_logins > 0 {
        db.reset_failed_logins(user.id).await?;
    }

    let token = auth::new_token();
    let ttl = state.config().limits.session_ttl;
    let expires_at = now_ms() + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
    let user_agent = headers.get(axum::http::header::USER_AGENT).and_then(|agent| agent.to_str().ok());
    db.create_session(&auth::hash_token(&token), user.id, expires_at, user_agent).await?;
    let jar = jar.add(auth::session_cookie(token.clone(), state.config().cookie_secure(), ttl));
    Ok((jar, axum::Json(json!({ "token": token, "user": UserView::from(&user) }))))
}

async fn logout(
    State(state): State<AppState>,
    CurrentUser(_user): CurrentUser,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Some((token, _)) = auth::session_token(&headers) {
        state.services.db.delete_session(&auth::hash_token(&token)).await?;
    }
    Ok((jar.add(auth::removal_cookie(state.config().cookie_secure())), StatusCode::NO_CONTENT))
}

async fn me(CurrentUser(user): CurrentUser) -> axum::Json<UserView> {
    axum::Json(UserView::from(&user))
}
