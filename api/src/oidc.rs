//! Single sign-on with OpenID Connect providers (Google, Kakao, the family's own Authentik or
//! Keycloak), through the `openidconnect` crate: the authorization code flow with PKCE, `state`
//! bound to the browser that began the trip, `nonce`, and the ID token's signature, issuer,
//! audience and expiry verified.
//!
//! A provider account signs in only the person it is linked to. It is linked by that person while
//! signed in, or when joining with an invite; an unknown account without an invite is refused, so
//! the family stays closed.

use std::time::Duration;

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreIdTokenClaims, CoreProviderMetadata,
};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use picup_common::config::{Config, ExposeSecret, OidcProvider};
use picup_common::db::{CeremonyPurpose, Db, DbError, NewUser, OidcIdentity, User};
use picup_common::id::UserId;
use picup_common::now_ms;
use serde::{Deserialize, Serialize};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::passwords::Passwords;
use crate::sign_in;

/// A provider answers within this, or the person is told to try again.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a trip to a provider did not end signed in; the web album says it in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The provider account is nobody's here, and no invite came with it.
    Unknown,
    /// Joining with an invite, but the provider's email has an account already.
    EmailTaken,
    /// The provider account is linked to someone else (or the person has another one there).
    LinkedElsewhere,
    /// The person said no at the provider.
    Cancelled,
    /// Joining with an invite that was used or has expired.
    InviteUsed,
    /// Anything that did not check out: state, code, ID token.
    Refused,
    /// The provider could not be reached.
    Unavailable,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unknown => "oidc_unknown",
            Refusal::EmailTaken => "oidc_email_taken",
            Refusal::LinkedElsewhere => "oidc_linked_elsewhere",
            Refusal::Cancelled => "oidc_cancelled",
            Refusal::InviteUsed => "oidc_invite_used",
            Refusal::Refused => "oidc_refused",
            Refusal::Unavailable => "oidc_unavailable",
        }
    }
}

/// What a finished trip did.
pub enum Outcome {
    /// Signed in as the person the provider account is linked to.
    SignedIn(User),
    /// A new family member, joined with an invite.
    Joined(User),
    /// The signed-in person linked a provider account.
    Linked,
}

/// Kept server-side between leaving for the provider and coming back (keyed by `state`).
#[derive(Serialize, Deserialize)]
struct Trip {
    provider: String,
    pkce_verifier: String,
    nonce: String,
    invite: Option<String>,
}

pub struct Oidc {
    providers: Vec<OidcProvider>,
    public_url: String,
    http: reqwest::Client,
    default_quota_bytes: i64,
}

impl Oidc {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        // Following redirects would let a provider's answer send picup anywhere (SSRF).
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(PROVIDER_TIMEOUT).build()?;
        Ok(Oidc {
            providers: config.oidc.clone(),
            public_url: config.public_url.clone(),
            http,
            default_quota_bytes: config.limits.default_quota_bytes,
        })
    }

    pub fn providers(&self) -> &[OidcProvider] {
        &self.providers
    }

    pub fn provider(&self, name: &str) -> ApiResult<&OidcProvider> {
        self.providers.iter().find(|provider| provider.name == name).ok_or(ApiError::NotFound)
    }

    /// The redirect URI to register at the provider.
    pub fn redirect_uri(&self, provider: &OidcProvider) -> String {
        format!("{}/api/v1/auth/oidc/{}/callback", self.public_url, provider.name)
    }

    /// The provider's discovery document and keys, fetched for each trip so a key the provider
    /// rotated is always known (a family signs in a few times a day, not thousands).
    async fn metadata(&self, provider: &OidcProvider) -> Result<CoreProviderMetadata, Refusal> {
        let issuer = IssuerUrl::new(provider.issuer.clone()).map_err(|_| Refusal::Unavailable)?;
        CoreProviderMetadata::discover_async(issuer, &self.http).await.map_err(|err| {
            tracing::warn!(provider = %provider.name, error = %err, "OpenID provider discovery failed");
            Refusal::Unavailable
        })
    }

    /// Leaves for the provider: the URL to send the browser to, and the `state` that the browser
    /// must bring back (set as a cookie by the caller). `linking` is the signed-in person who
    /// links an account; `invite` a new member's invite.
    pub async fn begin(
        &self,
        db: &Db,
        provider: &OidcProvider,
        linking: Option<UserId>,
        invite: Option<String>,
    ) -> ApiResult<(String, String)> {
        let metadata = self
            .metadata(provider)
            .await
            .map_err(|_| ApiError::Unavailable(format!("the sign-in provider {} cannot be reached", provider.name)))?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.expose_secret().to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(self.redirect_uri(provider)).map_err(|err| ApiError::Internal(err.into()))?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request =
            client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
        for scope in &provider.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let trip = Trip {
            provider: provider.name.clone(),
            pkce_verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
            invite,
        };
        sign_in::begin_ceremony(db, CeremonyPurpose::Oidc, state.secret(), linking, &trip).await?;
        Ok((url.to_string(), state.secret().clone()))
    }

    /// Back from the provider with `code` and `state`; `browser_state` is the state cookie of
    /// the browser that came back, which must be the one that left.
    pub async fn finish(
        &self,
        db: &Db,
        passwords: &Passwords,
        provider: &OidcProvider,
        code: &str,
        state: &str,
        browser_state: Option<&str>,
    ) -> Result<Outcome, Refusal> {
        let taken = sign_in::take_ceremony::<Trip>(db, CeremonyPurpose::Oidc, state).await;
        let (trip, linking) = match taken {
            Ok(taken) => taken,
            Err(ApiError::NotFound) => return Err(Refusal::Refused),
            Err(other) => return Err(internal(other)),
        };
        // Compared as hashes, so the time taken says nothing about the state.
        if trip.provider != provider.name || browser_state.map(auth::hash_token) != Some(auth::hash_token(state)) {
            tracing::info!(provider = %provider.name, "OpenID sign-in refused: the state is not this browser's");
            return Err(Refusal::Refused);
        }
        let claims = self.verified_claims(provider, code, &trip).await?;
        let identity = OidcIdentity {
            provider: provider.name.clone(),
            subject: claims.subject().as_str().to_owned(),
            user_id: UserId::new(0),
            email: claims.email().map(|email| email.as_str().to_lowercase()),
            created_at: now_ms(),
            last_used_at: None,
        };
        if let Some(user_id) = linking {
            return match db.link_oidc_identity(None, &OidcIdentity { user_id, ..identity }).await {
                Ok(()) => {
                    tracing::info!(%user_id, provider = %provider.name, "provider account linked");
                    Ok(Outcome::Linked)
                }
                Err(DbError::Conflict) => Err(Refusal::LinkedElsewhere),
                Err(other) => Err(internal(other.into())),
            };
        }
        match db.oidc_identity_used(&identity.provider, &identity.subject).await {
            Ok(user_id) => return db.user(user_id).await.map(Outcome::SignedIn).map_err(|err| internal(err.into())),
            Err(DbError::NotFound) => {}
            Err(other) => return Err(internal(other.into())),
        }
        let Some(invite) = trip.invite else {
            tracing::info!(provider = %provider.name, "OpenID sign-in refused: an account nobody here has linked");
            return Err(Refusal::Unknown);
        };
        self.join(db, passwords, &claims, &identity, &invite).await
    }

    /// A new member joins with an invite and the provider's verified email and name.
    async fn join(
        &self,
        db: &Db,
        passwords: &Passwords,
        claims: &CoreIdTokenClaims,
        identity: &OidcIdentity,
        invite: &str,
    ) -> Result<Outcome, Refusal> {
        let (Some(email), Some(true)) = (identity.email.as_deref(), claims.email_verified()) else {
            tracing::info!(provider = %identity.provider, "OpenID join refused: no verified email");
            return Err(Refusal::Refused);
        };
        let name = claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().trim().chars().take(100).collect::<String>())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
        // Nobody knows this password: the member signs in through the provider (or a passkey).
        let password_hash = passwords.hash(auth::new_token()).await.map_err(internal)?;
        let new_user = NewUser {
            email,
            display_name: &name,
            password_hash: &password_hash,
            password_set: false,
            quota_bytes: self.default_quota_bytes,
        };
        match sign_in::create_account(db, &new_user, Some(invite), Some(identity)).await {
            Ok(user) => Ok(Outcome::Joined(user)),
            Err(ApiError::Conflict { code: "email_taken", .. }) => Err(Refusal::EmailTaken),
            Err(ApiError::Conflict { .. }) => Err(Refusal::LinkedElsewhere),
            Err(ApiError::Forbidden(_)) => Err(Refusal::InviteUsed),
            Err(other) => Err(internal(other)),
        }
    }

    /// Trades the code for tokens (with the PKCE verifier) and checks the ID token: signed by
    /// the provider's key, issued by it, for this client, not expired, with this trip's nonce.
    async fn verified_claims(
        &self,
        provider: &OidcProvider,
        code: &str,
        trip: &Trip,
    ) -> Result<CoreIdTokenClaims, Refusal> {
        let metadata = self.metadata(provider).await?;
        let auth_type = match metadata.token_endpoint_auth_methods_supported() {
            Some(methods)
                if !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                    && methods.contains(&CoreClientAuthMethod::ClientSecretPost) =>
            {
                AuthType::RequestBody
            }
            _ => AuthType::BasicAuth,
        };
        let redirect = RedirectUrl::new(self.redirect_uri(provider)).map_err(|_| Refusal::Refused)?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            Some(ClientSecret::new(provider.client_secret.expose_secret().to_owned())),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(auth_type);
        let refused = |what: &str, err: &dyn std::fmt::Display| {
            tracing::info!(provider = %provider.name, error = %err, "OpenID sign-in refused: {what}");
            Refusal::Refused
        };
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|err| refused("no token endpoint", &err))?
            .set_pkce_verifier(PkceCodeVerifier::new(trip.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|err| refused("the code was not accepted", &err))?;
        let id_token = tokens.id_token().ok_or_else(|| refused("no ID token", &"missing"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(trip.nonce.clone()))
            .map_err(|err| refused("the ID token did not verify", &err))?;
        Ok(claims.clone())
    }
}

fn internal(err: ApiError) -> Refusal {
    tracing::error!(error = %err, "OpenID sign-in failed inside picup");
    Refusal::Unavailable
}
