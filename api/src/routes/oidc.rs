//! Single sign-on: leaving for a provider, coming back, and the provider accounts a person has
//! linked. Every answer of the trip is a redirect to `PICUP_PUBLIC_URL`, never elsewhere.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Redirect;
use axum::routing::{delete, get, post};
use axum::{Extension, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use picup_common::db::SignInMethod;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Path;
use crate::oidc::{Outcome, Refusal};
use crate::rate_limit::ClientIp;
use crate::sign_in;
use crate::state::AppState;
use crate::views::rfc3339;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/{provider}/start", get(start))
        .route("/auth/oidc/{provider}/link", post(link))
        .route("/auth/oidc/{provider}/callback", get(callback))
        .route("/me/identities", get(identities))
        .route("/me/identities/{provider}", delete(unlink))
}

/// The browser that left for the provider carries the trip's `state` back in this cookie, so a
/// code and state sent to someone else's browser sign nobody in there.
const STATE_COOKIE: &str = "picup_oidc_state";
const STATE_COOKIE_PATH: &str = "/api/v1/auth/oidc";

fn state_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((STATE_COOKIE, value))
        .http_only(true)
        // Lax: the provider's redirect back is a top-level GET, which carries it.
        .same_site(SameSite::Lax)
        .secure(state.config().cookie_secure())
        .path(STATE_COOKIE_PATH)
        .max_age(cookie::time::Duration::minutes(10))
        .build()
}

#[derive(Deserialize)]
struct StartQuery {
    invite: Option<String>,
}

/// Signing in (or joining, with an invite) through a provider: off to its sign-in page. A person
/// who pressed a button gets a page, never an error body: a provider that cannot be reached (or
/// one that is not configured, or too many tries) sends them to the album's error page.
async fn start(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(provider): Path<String>,
    Query(query): Query<StartQuery>,
    jar: CookieJar,
) -> (CookieJar, Redirect) {
    let left = async {
        state.limiters.check_auth(ip)?;
        let provider = state.oidc.provider(&provider)?;
        let invite = query.invite.filter(|invite| !invite.trim().is_empty());
        state.oidc.begin(&state.services.db, provider, None, invite).await
    };
    match left.await {
        Ok((url, trip_state)) => (jar.add(state_cookie(&state, trip_state)), Redirect::to(&url)),
        Err(err) => {
            let refusal = match err {
                ApiError::NotFound => Refusal::Refused,
                _ => Refusal::Unavailable,
            };
            tracing::info!(error = %err, "could not leave for the OpenID provider");
            let public_url = &state.config().public_url;
            (jar, Redirect::to(&format!("{public_url}/#/oidc-error/{}", refusal.code())))
        }
    }
}

/// The signed-in person links an account at a provider: the URL to send the browser to.
async fn link(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(provider): Path<String>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, axum::Json<Value>)> {
    let provider = state.oidc.provider(&provider)?;
    let (url, trip_state) = state.oidc.begin(&state.services.db, provider, Some(user.id), None).await?;
    Ok((jar.add(state_cookie(&state, trip_state)), axum::Json(json!({ "url": url }))))
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Back from the provider: signed in (to the albums), linked (to the devices page), or refused
/// (to a page that says why in words).
async fn callback(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    Path(provider): Path<String>,
    Query(query): Query<CallbackQuery>,
    jar: CookieJar,
    headers: HeaderMap,
) -> ApiResult<(CookieJar, Redirect)> {
    state.limiters.check_auth(ip)?;
    let provider = state.oidc.provider(&provider)?;
    let public_url = state.config().public_url.clone();
    let browser_state = jar.get(STATE_COOKIE).map(|cookie| cookie.value().to_owned());
    let mut removal = Cookie::build((STATE_COOKIE, "")).path(STATE_COOKIE_PATH).build();
    removal.make_removal();
    let jar = jar.add(removal);
    let outcome = match (query.code, query.state, query.error) {
        (_, _, Some(error)) => {
            tracing::info!(provider = %provider.name, %error, "the provider did not sign the person in");
            Err(if error == "access_denied" { Refusal::Cancelled } else { Refusal::Refused })
        }
        (Some(code), Some(trip_state), None) => {
            state
                .oidc
                .finish(&state.services.db, &state.passwords, provider, &code, &trip_state, browser_state.as_deref())
                .await
        }
        _ => Err(Refusal::Refused),
    };
    match outcome {
        Ok(Outcome::SignedIn(user) | Outcome::Joined(user)) => {
            let (jar, _) = sign_in::begin_session(
                &state,
                &user,
                SignInMethod::Oidc,
                &sign_in::Client { headers: &headers, ip },
                jar,
            )
            .await?;
            Ok((jar, Redirect::to(&format!("{public_url}/#/albums"))))
        }
        Ok(Outcome::Linked) => Ok((jar, Redirect::to(&format!("{public_url}/#/devices")))),
        Err(refusal) => Ok((jar, Redirect::to(&format!("{public_url}/#/oidc-error/{}", refusal.code())))),
    }
}

async fn identities(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> ApiResult<axum::Json<Value>> {
    let linked = state.services.db.oidc_identities_of(user.id).await?;
    let items: Vec<Value> = linked
        .iter()
        .map(|identity| {
            let label = state.oidc.provider(&identity.provider).map(|p| p.label.clone()).ok();
            json!({
                "provider": identity.provider,
                "label": label.unwrap_or_else(|| identity.provider.clone()),
                "email": identity.email,
                "created_at": rfc3339(identity.created_at),
                "last_used_at": identity.last_used_at.map(rfc3339),
            })
        })
        .collect();
    Ok(axum::Json(json!({ "items": items })))
}

async fn unlink(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(provider): Path<String>,
) -> ApiResult<StatusCode> {
    let db = &state.services.db;
    let linked = db.oidc_identities_of(user.id).await?;
    let only_way_in = !user.password_set
        && db.passkeys_of(user.id).await?.is_empty()
        && linked.iter().all(|identity| identity.provider == provider);
    if only_way_in && !linked.is_empty() {
        return Err(ApiError::conflict(
            "last_way_in",
            "this is your only way to sign in; please add a passkey or choose a password first",
        ));
    }
    match db.unlink_oidc_identity(user.id, &provider).await? {
        true => {
            tracing::info!(user_id = %user.id, %provider, "provider account unlinked");
            Ok(StatusCode::NO_CONTENT)
        }
        false => Err(ApiError::NotFound),
    }
}
