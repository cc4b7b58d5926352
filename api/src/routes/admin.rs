//! Administration: the admin sees the family's accounts and sets their storage quotas.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, put};
use picup_common::db::User;
use serde::Deserialize;
use serde_json::{Value, json};

use picup_common::id::UserId;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::views::UserView;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/users", get(list_users)).route("/admin/users/{id}/quota", put(set_quota))
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
