//! Accounts: register (first user is the admin, later ones need an invite), sign in and out, me.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use picup_common::db::{DbError, NewUser, SignInMethod, User};
use picup_common::now_ms;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Json;
use crate::passwords::Passwords;
use crate::rate_limit::ClientIp;
use crate::sign_in::{self, Client};
use crate::state::AppState;
use crate::views::UserView;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/methods", get(methods))
        .route("/auth/link", post(sign_in_with_link))
        .route("/me", get(me))
        .route("/me/password", put(set_password))
        .route("/me/simple-mode", put(set_simple_mode))
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

/// The one rule for a password, at registration and when it changes.
fn validate_password(password: &str) -> Result<(), &'static str> {
    match password.chars().count() {
        0..8 => Err("please use at least 8 characters"),
        257.. => Err("please use at most 256 characters"),
        _ => Ok(()),
    }
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
    if let Err(message) = validate_password(&request.password) {
        fields.insert("password", vec![message.to_owned()]);
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
    let password_hash = state.passwords.hash(request.password).await?;

    let new_user = NewUser {
        email: &email,
        display_name: request.display_name.trim(),
        password_hash: &password_hash,
        password_set: true,
        quota_bytes: state.config().limits.default_quota_bytes,
    };
    let user = sign_in::create_account(db, &new_user, request.invite.as_deref(), None).await?;
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
    headers: HeaderMap,
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
        sign_in::not_slowed_down(user)?;
    }
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = state.passwords.verify(request.password.clone(), stored).await?;
    let user = match (user, valid) {
        (Some(user), true) => user,
        (Some(user), false) => {
            db.record_failed_login(user.id).await?;
            return Err(ApiError::InvalidCredentials);
        }
        (None, _) => return Err(ApiError::InvalidCredentials),
    };
    if Passwords::outdated(&user.password_hash) {
        // Made with older parameters: made again with today's while the password is at hand.
        db.set_password(user.id, &state.passwords.hash(request.password).await?).await?;
    } else if user.failed_logins > 0 {
        db.reset_failed_logins(user.id).await?;
    }
    signed_in(&state, &user, SignInMethod::Password, &Client { headers: &headers, ip }, jar).await
}

/// The answer to every way of signing in: the session's cookie, and its token and the person
/// for API clients.
pub async fn signed_in(
    state: &AppState,
    user: &User,
    method: SignInMethod,
    client: &Client<'_>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, axum::Json<Value>)> {
    let (jar, token) = sign_in::begin_session(state, user, method, client, jar).await?;
    Ok((jar, axum::Json(json!({ "token": token, "user": UserView::from(user) }))))
}

/// What the sign-in page offers besides email and password.
async fn methods(State(state): State<AppState>) -> axum::Json<Value> {
    let providers: Vec<Value> = state
        .oidc
        .providers()
        .iter()
        .map(|provider| json!({ "name": provider.name, "label": provider.label }))
        .collect();
    axum::Json(json!({ "passkeys": state.passkeys.is_some(), "providers": providers }))
}

#[derive(Deserialize)]
struct LinkRequest {
    token: String,
}

/// Signs in with the one-time link the family's admin made.
async fn sign_in_with_link(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: CookieJar,
    headers: HeaderMap,
    Json(request): Json<LinkRequest>,
) -> ApiResult<(CookieJar, axum::Json<Value>)> {
    state.limiters.check_auth(ip)?;
    let user = sign_in::use_sign_in_link(&state.services.db, &request.token).await?;
    signed_in(&state, &user, SignInMethod::Link, &Client { headers: &headers, ip }, jar).await
}

#[derive(Deserialize)]
struct PasswordRequest {
    current_password: Option<String>,
    new_password: String,
}

/// A new password. The current one is asked for, except within an hour of signing in with the
/// admin's link (made because it was forgotten), and for a first password.
async fn set_password(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Json(request): Json<PasswordRequest>,
) -> ApiResult<StatusCode> {
    state.limiters.check_auth(ip)?;
    validate_password(&request.new_password).map_err(|message| ApiError::field("new_password", message))?;
    let db = &state.services.db;
    let (token, _) = auth::session_token(&headers).ok_or(ApiError::Unauthorized)?;
    let session = db.session(&auth::hash_token(&token)).await?;
    let after_link = session.signed_in_with() == SignInMethod::Link
        && now_ms() - session.created_at < i64::try_from(sign_in::NEW_PASSWORD_AFTER_LINK.as_millis()).unwrap_or(0);
    // Someone who joined through a provider has no password to give: they choose their first.
    if user.password_set && !after_link {
        sign_in::not_slowed_down(&user)?;
        let current = request.current_password.unwrap_or_default();
        if !state.passwords.verify(current, Some(user.password_hash.clone())).await? {
            db.record_failed_login(user.id).await?;
            return Err(ApiError::field("current_password", "this is not your current password"));
        }
    }
    db.set_password(user.id, &state.passwords.hash(request.new_password).await?).await?;
    tracing::info!(user_id = %user.id, after_link, "password changed");
    Ok(StatusCode::NO_CONTENT)
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

#[derive(Deserialize)]
pub struct SimpleModeRequest {
    pub on: bool,
}

/// Simple mode (#20), turned on or off by the person themselves (the admin may too, see admin).
async fn set_simple_mode(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(request): Json<SimpleModeRequest>,
) -> ApiResult<axum::Json<UserView>> {
    let updated = state.services.db.set_simple_mode(user.id, request.on).await?;
    tracing::info!(user_id = %user.id, on = request.on, "simple mode set by themselves");
    Ok(axum::Json(UserView::from(&updated)))
}

async fn me(CurrentUser(user): CurrentUser) -> axum::Json<UserView> {
    axum::Json(UserView::from(&user))
}
