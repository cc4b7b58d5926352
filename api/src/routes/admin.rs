//! Administration: the admin sees the family's accounts and sets their storage quotas and simple
//! mode.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use picup_common::db::{SignInLink, User};
use serde::Deserialize;
use serde_json::{Value, json};

use picup_common::id::{SignInLinkId, UserId};
use picup_common::now_ms;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::routes::auth::SimpleModeRequest;
use crate::sign_in;
use crate::state::AppState;
use crate::views::{UserView, rfc3339};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_users))
        .route("/admin/users/{id}/quota", put(set_quota))
        .route("/admin/users/{id}/simple-mode", put(set_simple_mode))
        .route("/admin/users/{id}/sign-in-links", post(make_sign_in_link))
        .route("/admin/sign-in-links", get(sign_in_links))
        .route("/admin/sign-in-links/{id}", delete(revoke_sign_in_link))
}

fn require_admin(user: &User) -> ApiResult<()> {
    if user.is_admin() { Ok(()) } else { Err(ApiError::Forbidden("only the family's admin can do this")) }
}

async fn list_users(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<axum::Json<Value>> {
    require_admin(&user)?;
    let users = state.services.db.list_users().await?;
    Ok(axum::Json(json!({ "items": users.iter().map(UserView::from).collect::<Vec<_>>(), "next_cursor": null })))
}

#[derive(Deserialize)]
struct QuotaRequest {
    quota_bytes: i64,
}

/// A quota below what is already used is allowed: nothing is deleted, new uploads are refused.
async fn set_quota(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<UserId>,
    Json(request): Json<QuotaRequest>,
) -> ApiResult<axum::Json<UserView>> {
    require_admin(&user)?;
    if request.quota_bytes < 0 {
        return Err(ApiError::field("quota_bytes", "must be zero or more"));
    }
    let updated = state.services.db.set_quota(id, request.quota_bytes).await?;
    tracing::info!(user_id = %updated.id, quota_bytes = updated.quota_bytes, "quota changed");
    Ok(axum::Json(UserView::from(&updated)))
}

/// Simple mode (#20) for someone who only looks: bigger text and buttons, no deleting or renaming.
async fn set_simple_mode(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<UserId>,
    Json(request): Json<SimpleModeRequest>,
) -> ApiResult<axum::Json<UserView>> {
    require_admin(&user)?;
    let updated = state.services.db.set_simple_mode(id, request.on).await?;
    tracing::info!(admin_id = %user.id, user_id = %updated.id, on = request.on, "simple mode set by the admin");
    Ok(axum::Json(UserView::from(&updated)))
}

/// A one-time sign-in link for a family member who cannot get in: shown once, as a link and a QR
/// code to scan with their phone.
async fn make_sign_in_link(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<UserId>,
) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let link = sign_in::make_sign_in_link(&state, &user, id).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({
            "id": link.id, "url": link.url, "expires_at": rfc3339(link.expires_at), "qr_svg": link.qr_svg,
        })),
    ))
}

/// The audit list: every sign-in link made, newest first, and what became of it.
async fn sign_in_links(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<axum::Json<Value>> {
    require_admin(&user)?;
    const SHOWN: i64 = 200;
    let links = state.services.db.sign_in_links(SHOWN).await?;
    let now = now_ms();
    let items: Vec<Value> = links.iter().map(|link| link_view(link, now)).collect();
    Ok(axum::Json(json!({ "items": items })))
}

fn link_view(link: &SignInLink, now: i64) -> Value {
    let status = if link.used_at.is_some() {
        "used"
    } else if link.revoked_at.is_some() {
        "revoked"
    } else if link.expires_at <= now {
        "expired"
    } else {
        "active"
    };
    json!({
        "id": link.id,
        "user": { "id": link.user_id, "display_name": link.user_name, "email": link.user_email },
        "created_by": link.created_by_name,
        "created_at": rfc3339(link.created_at),
        "expires_at": rfc3339(link.expires_at),
        "used_at": link.used_at.map(rfc3339),
        "revoked_at": link.revoked_at.map(rfc3339),
        "status": status,
    })
}

async fn revoke_sign_in_link(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<SignInLinkId>,
) -> ApiResult<StatusCode> {
    require_admin(&user)?;
    match state.services.db.revoke_sign_in_link(id).await? {
        true => {
            tracing::info!(admin_id = %user.id, link_id = %id, "sign-in link revoked");
            Ok(StatusCode::NO_CONTENT)
        }
        false => Err(ApiError::NotFound),
    }
}
