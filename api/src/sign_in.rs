//! Ways in: beginning a session (one place for every method), passkeys (WebAuthn, verified by
//! webauthn-rs) and the one-time sign-in links the admin makes for a family member.

use std::time::Duration;

use axum::http::{HeaderMap, header};
use axum_extra::extract::CookieJar;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use picup_common::db::{CeremonyPurpose, Db, DbError, NewUser, OidcIdentity, PasskeyRow, SignInMethod, User};
use picup_common::id::{SignInLinkId, UserId};
use picup_common::now_ms;
use webauthn_rs::prelude::{
    CreationChallengeResponse, CredentialID, Passkey, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long a passkey ceremony may take between its two requests.
const CEREMONY_TTL: Duration = Duration::from_secs(5 * 60);
/// How long the admin's sign-in link stays usable.
pub const SIGN_IN_LINK_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long after signing in with the admin's link a person may set a new password without
/// the old one (which is why the link was made).
pub const NEW_PASSWORD_AFTER_LINK: Duration = Duration::from_secs(3600);

fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2)
}

/// Who is signing in: the browser's headers and its address (as the rate limiter saw it).
pub struct Client<'a> {
    pub headers: &'a HeaderMap,
    pub ip: std::net::IpAddr,
}

/// Begins a session for `user`: the token is stored hashed, named by how it began and by the
/// browser that asked, and set as the web album's cookie. Returns the token for API clients.
pub async fn begin_session(
    state: &AppState,
    user: &User,
    method: SignInMethod,
    client: &Client<'_>,
    jar: CookieJar,
) -> ApiResult<(CookieJar, String)> {
    let token = auth::new_token();
    let ttl = state.config().limits.session_ttl;
    let user_agent = client.headers.get(header::USER_AGENT).and_then(|agent| agent.to_str().ok());
    state
        .services
        .db
        .create_session(&auth::hash_token(&token), user.id, now_ms() + ms(ttl), user_agent, method, client.ip)
        .await?;
    tracing::info!(user_id = %user.id, method = method.as_str(), "signed in");
    Ok((jar.add(auth::session_cookie(token.clone(), state.config().cookie_secure(), ttl)), token))
}

/// Refuses while the person's password is being guessed: after a few wrong ones each try waits
/// longer (`Db::record_failed_login`).
pub fn not_slowed_down(user: &User) -> ApiResult<()> {
    not_slowed_down_until(user.login_blocked_until)
}

/// Refuses until `blocked_until` (epoch ms) has passed, saying how long to wait.
pub fn not_slowed_down_until(blocked_until: i64) -> ApiResult<()> {
    let blocked_for = blocked_until - now_ms();
    if blocked_for > 0 {
        return Err(ApiError::TooManyRequests { retry_after: Duration::from_millis(blocked_for.unsigned_abs()) });
    }
    Ok(())
}

/// Makes an account: the installation's first is its admin; everyone after joins with an invite
/// (into its album, when it names one), and, joining through a provider, with that provider
/// account linked, all in one transaction.
pub async fn create_account(
    db: &Db,
    new_user: &NewUser<'_>,
    invite: Option<&str>,
    identity: Option<&OidcIdentity>,
) -> ApiResult<User> {
    let mut tx = db.begin().await?;
    let user = db.create_user(&mut tx, new_user).await.map_err(|err| match err {
        DbError::Conflict => {
            ApiError::conflict("email_taken", "an account with this email already exists; please sign in")
        }
        other => other.into(),
    })?;
    if !user.is_admin() {
        let token = invite
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ApiError::Forbidden("joining needs an invite link; please ask a family member to send you one"))?;
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
    if let Some(identity) = identity {
        db.link_oidc_identity(Some(&mut tx), &OidcIdentity { user_id: user.id, ..identity.clone() }).await?;
    }
    db.commit_activity(tx).await?;
    tracing::info!(user_id = %user.id, admin = user.is_admin(), "account created");
    Ok(user)
}

/// Passkeys for this installation: the relying party is the host of `PICUP_PUBLIC_URL`.
pub struct Passkeys {
    webauthn: Webauthn,
}

impl Passkeys {
    /// `None` when the public URL's host is an IP address, which browsers refuse as a passkey's
    /// relying party (open picup at `http://localhost:8080` or its domain to use passkeys).
    pub fn for_public_url(public_url: &str, name: &str) -> anyhow::Result<Option<Self>> {
        let origin = Url::parse(public_url)?;
        let Some(url::Host::Domain(host)) = origin.host() else { return Ok(None) };
        let webauthn = WebauthnBuilder::new(host, &origin)?.rp_name(name).timeout(CEREMONY_TTL).build()?;
        Ok(Some(Passkeys { webauthn }))
    }

    /// The first half of adding a passkey: what the browser asks the authenticator to make.
    pub async fn start_registration(&self, db: &Db, user: &User) -> ApiResult<(String, CreationChallengeResponse)> {
        let handle = db.passkey_handle(user.id, &Uuid::new_v4().to_string()).await?;
        let handle = Uuid::parse_str(&handle).map_err(|err| ApiError::Internal(err.into()))?;
        // The authenticator is asked not to make a second passkey for an account it holds one of.
        let existing: Vec<CredentialID> = db
            .passkeys_of(user.id)
            .await?
            .iter()
            .filter_map(|row| URL_SAFE_NO_PAD.decode(&row.credential_id).ok())
            .collect();
        let (mut options, state) = self
            .webauthn
            .start_passkey_registration(handle, &user.email, &user.display_name, Some(existing))
            .map_err(|err| ApiError::Internal(anyhow::anyhow!("starting a passkey registration: {err}")))?;
        // Signing in with one tap, no email typed, needs the passkey to be discoverable (kept on
        // the authenticator with the account's handle). Phones' passkeys always are; a security
        // key is asked to be.
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        let ceremony = auth::new_token();
        begin_ceremony(db, CeremonyPurpose::PasskeyRegistration, &ceremony, Some(user.id), &state).await?;
        Ok((ceremony, options))
    }

    /// The second half: checks what the authenticator made and keeps it under `name`.
    pub async fn finish_registration(
        &self,
        db: &Db,
        user: &User,
        ceremony: &str,
        credential: &RegisterPublicKeyCredential,
        name: &str,
    ) -> ApiResult<PasskeyRow> {
        let state = match take_ceremony(db, CeremonyPurpose::PasskeyRegistration, ceremony).await {
            Ok((state, Some(owner))) if owner == user.id => state,
            Ok(_) | Err(ApiError::NotFound) => return Err(ceremony_gone()),
            Err(other) => return Err(other),
        };
        let passkey = self.webauthn.finish_passkey_registration(credential, &state).map_err(|err| {
            tracing::info!(user_id = %user.id, error = %err, "passkey registration refused");
            ApiError::Unprocessable {
                code: "passkey_refused",
                message: "this passkey could not be added; please try again".into(),
            }
        })?;
        let credential_id: &[u8] = passkey.cred_id().as_ref();
        let credential_id = URL_SAFE_NO_PAD.encode(credential_id);
        let stored = serde_json::to_string(&passkey).map_err(|err| ApiError::Internal(err.into()))?;
        let row = db.add_passkey(user.id, &credential_id, &stored, name).await.map_err(|err| match err {
            DbError::Conflict => ApiError::conflict("passkey_exists", "this passkey is added already"),
            other => other.into(),
        })?;
        tracing::info!(user_id = %user.id, passkey_id = %row.id, "passkey added");
        Ok(row)
    }

    /// The first half of signing in with a passkey: a challenge any of the family's passkeys
    /// can answer (the person picks theirs on the device; nothing is typed).
    pub async fn start_sign_in(&self, db: &Db) -> ApiResult<(String, RequestChallengeResponse)> {
        let (options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|err| ApiError::Internal(anyhow::anyhow!("starting a passkey sign-in: {err}")))?;
        let ceremony = auth::new_token();
        begin_ceremony(db, CeremonyPurpose::PasskeySignIn, &ceremony, None, &state).await?;
        Ok((ceremony, options))
    }

    /// The second half: the answer must be signed by a passkey picup keeps, for this origin,
    /// with the person verified (fingerprint, face or PIN), and its counter must move on.
    pub async fn finish_sign_in(&self, db: &Db, ceremony: &str, credential: &PublicKeyCredential) -> ApiResult<User> {
        const REFUSED: ApiError = ApiError::SignInRefused("this passkey was not accepted; please try again");
        let (state, _) =
            take_ceremony(db, CeremonyPurpose::PasskeySignIn, ceremony).await.map_err(|err| match err {
                ApiError::NotFound => ApiError::SignInRefused("this sign-in took too long; please try again"),
                other => other,
            })?;
        let (handle, credential_id) =
            self.webauthn.identify_discoverable_authentication(credential).map_err(|err| {
                tracing::info!(error = %err, "passkey sign-in without a user handle");
                REFUSED
            })?;
        let row = match db.passkey_for_sign_in(&handle.to_string(), &URL_SAFE_NO_PAD.encode(credential_id)).await {
            Ok(row) => row,
            Err(DbError::NotFound) => return Err(REFUSED),
            Err(other) => return Err(other.into()),
        };
        let mut passkey = stored_passkey(&row)?;
        let result =
            self.webauthn.finish_discoverable_authentication_v2(credential, state, &passkey).map_err(|err| {
                tracing::info!(passkey_id = %row.id, error = %err, "passkey sign-in refused");
                REFUSED
            })?;
        // webauthn-rs has refused a counter that did not move on (a copied authenticator); the
        // new one is kept.
        passkey.update_credential(&result);
        let stored = serde_json::to_string(&passkey).map_err(|err| ApiError::Internal(err.into()))?;
        db.passkey_used(row.id, &stored).await?;
        Ok(db.user(row.user_id).await?)
    }
}

fn stored_passkey(row: &PasskeyRow) -> ApiResult<Passkey> {
    serde_json::from_str(&row.credential).map_err(|err| ApiError::Internal(anyhow::anyhow!("stored passkey: {err}")))
}

pub async fn begin_ceremony(
    db: &Db,
    purpose: CeremonyPurpose,
    id: &str,
    user_id: Option<UserId>,
    state: &impl serde::Serialize,
) -> ApiResult<()> {
    let state = serde_json::to_string(state).map_err(|err| ApiError::Internal(err.into()))?;
    Ok(db.begin_ceremony(id, purpose, user_id, &state, now_ms() + ms(CEREMONY_TTL)).await?)
}

/// A ceremony's state and who began it; `NotFound` when used, expired or never begun.
pub async fn take_ceremony<State: serde::de::DeserializeOwned>(
    db: &Db,
    purpose: CeremonyPurpose,
    id: &str,
) -> ApiResult<(State, Option<UserId>)> {
    let (state, owner) = db.take_ceremony(id, purpose).await?;
    let state =
        serde_json::from_str(&state).map_err(|err| ApiError::Internal(anyhow::anyhow!("stored ceremony: {err}")))?;
    Ok((state, owner))
}

fn ceremony_gone() -> ApiError {
    ApiError::field("ceremony", "this passkey request has expired or was used; please start again")
}

/// A sign-in link just made: the only time its token is seen.
pub struct MadeLink {
    pub id: SignInLinkId,
    pub url: String,
    pub expires_at: i64,
    /// The link as a QR code to scan with the phone (SVG).
    pub qr_svg: String,
}

/// The admin makes a one-time link that signs `member` in (and then offers a passkey or a new
/// password). Not for the admin's own account: a link is help for someone else.
pub async fn make_sign_in_link(state: &AppState, admin: &User, member: UserId) -> ApiResult<MadeLink> {
    if !admin.is_admin() {
        return Err(ApiError::Forbidden("only the family's admin can do this"));
    }
    if member == admin.id {
        return Err(ApiError::field("user", "a sign-in link is for another family member"));
    }
    let db = &state.services.db;
    db.user(member).await?;
    let token = auth::new_token();
    let expires_at = now_ms() + ms(SIGN_IN_LINK_TTL);
    let id = db.create_sign_in_link(&auth::hash_token(&token), member, admin.id, expires_at).await?;
    // In the fragment: a browser never sends it to a server, a log or a Referer.
    let url = format!("{}/#/link/{token}", state.config().public_url);
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map_err(|err| ApiError::Internal(anyhow::anyhow!("QR code: {err}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build();
    tracing::info!(admin_id = %admin.id, user_id = %member, link_id = %id, "sign-in link made");
    Ok(MadeLink { id, url, expires_at, qr_svg })
}

/// Uses a sign-in link, once.
pub async fn use_sign_in_link(db: &Db, token: &str) -> ApiResult<User> {
    let user_id = db.use_sign_in_link(&auth::hash_token(token.trim())).await.map_err(|err| match err {
        DbError::NotFound => ApiError::SignInRefused(
            "this sign-in link was already used or has expired; please ask the family's admin for a new one",
        ),
        other => other.into(),
    })?;
    Ok(db.user(user_id).await?)
}
