//! The devices a person is signed in on: listed, and signed out one by one or all but this one.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post};
use picup_common::db::{SessionId, SessionRow};
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::places::{Place, Places};
use crate::state::AppState;
use crate::views::rfc3339;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", get(list))
        .route("/sessions/{id}", delete(end))
        .route("/sessions/sign-out-others", post(end_others))
}

#[derive(Serialize)]
struct SessionView {
    id: String,
    /// "Chrome on Android", as a person names the device.
    device: String,
    signed_in_at: String,
    last_seen_at: String,
    /// How it began: `password`, `passkey`, `link` (the admin's sign-in link) or `oidc`.
    signed_in_with: &'static str,
    /// Where it began, approximately, when picup has a place database and the address is in it.
    place: Option<Place>,
    /// The session this request came with.
    current: bool,
}

/// The caller's token hash: every request that reaches these handlers has one.
fn own_token_hash(headers: &HeaderMap) -> ApiResult<String> {
    let (token, _) = auth::session_token(headers).ok_or(ApiError::Unauthorized)?;
    Ok(auth::hash_token(&token))
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> ApiResult<axum::Json<Value>> {
    let own = own_token_hash(&headers)?;
    let sessions = state.services.db.sessions_of(user.id).await?;
    let places = state.places.as_deref();
    let items: Vec<SessionView> = sessions.iter().map(|session| view(session, &own, places)).collect();
    Ok(axum::Json(json!({ "items": items, "places_by": places.and_then(|places| places.credit.clone()) })))
}

fn view(session: &SessionRow, own_token_hash: &str, places: Option<&Places>) -> SessionView {
    SessionView {
        id: SessionId::of_hash(&session.token_hash).as_str().to_owned(),
        device: device_name(session.user_agent.as_deref().unwrap_or_default()),
        signed_in_at: rfc3339(session.created_at),
        last_seen_at: rfc3339(session.last_seen_at.unwrap_or(session.created_at)),
        signed_in_with: session.signed_in_with().as_str(),
        place: places.zip(session.client_ip.as_deref().and_then(|ip| ip.parse().ok())).and_then(|(p, ip)| p.of(ip)),
        current: session.token_hash == own_token_hash,
    }
}

async fn end(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = SessionId::parse(&id).ok_or(ApiError::NotFound)?;
    match state.services.db.end_session(user.id, &id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::NotFound),
    }
}

async fn end_others(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> ApiResult<axum::Json<Value>> {
    let ended = state.services.db.end_other_sessions(user.id, &own_token_hash(&headers)?).await?;
    tracing::info!(user_id = %user.id, ended, "signed out on every other device");
    Ok(axum::Json(json!({ "signed_out": ended })))
}

/// A browser and system a person recognises, from a User-Agent; "Unknown device" otherwise.
/// The order matters: Edge and Samsung Internet also say Chrome, Chrome also says Safari.
pub fn device_name(user_agent: &str) -> String {
    let has = |needle: &str| user_agent.contains(needle);
    let browser = if has("Edg/") {
        Some("Edge")
    } else if has("SamsungBrowser/") {
        Some("Samsung Internet")
    } else if has("Firefox/") || has("FxiOS/") {
        Some("Firefox")
    } else if has("Chrome/") || has("CriOS/") {
        Some("Chrome")
    } else if has("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if has("iPhone") {
        Some("iPhone")
    } else if has("iPad") {
        Some("iPad")
    } else if has("Android") {
        Some("Android")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("Mac")
    } else if has("Windows") {
        Some("Windows")
    } else if has("CrOS") {
        Some("Chromebook")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "Unknown device".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::device_name;

    #[test]
    fn a_device_is_named_as_a_person_would_name_it() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:132.0) Gecko/20100101 Firefox/132.0", "Firefox on Mac"),
            ("curl/8.5.0", "Unknown device"),
            ("", "Unknown device"),
        ];
        for (agent, expected) in cases {
            assert_eq!(device_name(agent), expected, "{agent}");
        }
    }
}
