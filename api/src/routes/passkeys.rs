//! Passkeys: a signed-in person adds them (listed, removable), and anyone signs in with one tap.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use picup_common::db::{PasskeyRow, SignInMethod};
use picup_common::id::PasskeyId;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::rate_limit::ClientIp;
use crate::routes::auth::signed_in;
use crate::routes::sessions::device_name;
use crate::sign_in::Client;
use crate::state::AppState;
use crate::views::rfc3339;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/passkeys", get(list).post(add))
        .route("/passkeys/options", post(registration_options))
        .route("/passkeys/{id}", delete(remove))
        .route("/auth/passkey/options", post(sign_in_options))
        .route("/auth/passkey", post(sign_in))
}

#[derive(Serialize)]
struct PasskeyView {
    id: PasskeyId,
    /// "Chrome on Android": the device it was added on, unless the person named it.
    name: String,
    created_at: String,
    last_used_at: Option<String>,
}

impl From<&PasskeyRow> for PasskeyView {
    fn from(row: &PasskeyRow) -> Self {
        PasskeyView {
            id: row.id,
            name: row.name.clone(),
            created_at: rfc3339(row.created_at),
            last_used_at: row.last_used_at.map(rfc3339),
        }
    }
}

async fn list(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<axum::Json<Value>> {
    let rows = state.services.db.passkeys_of(user.id).await?;
    Ok(axum::Json(json!({ "items": rows.iter().map(PasskeyView::from).collect::<Vec<_>>() })))
}

/// The options the browser passes to `navigator.credentials.create`, and the ceremony to name
/// when sending back what the authenticator made.
async fn registration_options(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<axum::Json<Value>> {
    let (ceremony, options) = state.passkeys()?.start_registration(&state.services.db, &user).await?;
    Ok(axum::Json(json!({ "ceremony": ceremony, "options": options })))
}

#[derive(Deserialize)]
struct AddRequest {
    ceremony: String,
    credential: RegisterPublicKeyCredential,
    name: Option<String>,
}

const MAX_NAME_CHARS: usize = 100;

async fn add(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Json(request): Json<AddRequest>,
) -> ApiResult<(StatusCode, axum::Json<PasskeyView>)> {
    let name = match request.name.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) if name.chars().count() > MAX_NAME_CHARS => {
            return Err(ApiError::field("name", "please use at most 100 characters"));
        }
        Some(name) => name.to_owned(),
        None => device_name(headers.get(header::USER_AGENT).and_then(|agent| agent.to_str().ok()).unwrap_or("")),
    };
    let row = state
        .passkeys()?
        .finish_registration(&state.services.db, &user, &request.ceremony, &request.credential, &name)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(PasskeyView::from(&row))))
}

async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<PasskeyId>,
) -> ApiResult<StatusCode> {
    match state.services.db.remove_passkey(user.id, id).await? {
        true => {
            tracing::info!(user_id = %user.id, passkey_id = %id, "passkey removed");
            Ok(StatusCode::NO_CONTENT)
        }
        false => Err(ApiError::NotFound),
    }
}

/// The options the browser passes to `navigator.credentials.get`: any of the family's passkeys
/// may answer, so nothing is typed first.
async fn sign_in_options(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
) -> ApiResult<axum::Json<Value>> {
    state.limiters.check_auth(ip)?;
    let (ceremony, options) = state.passkeys()?.start_sign_in(&state.services.db).await?;
    Ok(axum::Json(json!({ "ceremony": ceremony, "options": options })))
}

#[derive(Deserialize)]
struct SignInRequest {
    ceremony: String,
    credential: PublicKeyCredential,
}

async fn sign_in(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    jar: CookieJar,
    headers: HeaderMap,
    Json(request): Json<SignInRequest>,
) -> ApiResult<(CookieJar, axum::Json<Value>)> {
    state.limiters.check_auth(ip)?;
    let user = state.passkeys()?.finish_sign_in(&state.services.db, &request.ceremony, &request.credential).await?;
    signed_in(&state, &user, SignInMethod::Passkey, &Client { headers: &headers, ip }, jar).await
}
