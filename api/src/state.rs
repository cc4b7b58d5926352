use std::sync::Arc;

use anyhow::Context;
use picup_common::config::Config;
use picup_common::months::MonthsCache;
use picup_common::services::Services;
use tokio_util::sync::CancellationToken;

use crate::media_json::MediaJsonCache;
use crate::oidc::Oidc;
use crate::passwords::Passwords;
use crate::places::Places;
use crate::rate_limit::RateLimiters;
use crate::sign_in::Passkeys;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Shared, not copied: every extractor and middleware clones the state for each request.
    pub services: Arc<Services>,
    pub limiters: Arc<RateLimiters>,
    /// `None` when the public URL is an IP address, where browsers make no passkeys.
    pub passkeys: Option<Arc<Passkeys>>,
    /// Single sign-on with the configured OpenID providers (none by default).
    pub oidc: Arc<Oidc>,
    /// Where signed-in devices approximately are, when `PICUP_GEOIP_DB` names a database.
    pub places: Option<Arc<Places>>,
    /// Cancelled when the process stops; long-lived responses (event streams) end with it.
    pub shutdown: CancellationToken,
    /// Albums' months already counted, for the scrubber.
    pub months: Arc<MonthsCache>,
    /// Password hashing, on threads of its own.
    pub passwords: Arc<Passwords>,
    /// Media items' JSON already written, for albums' pages.
    pub media_json: Arc<MediaJsonCache>,
}

impl AppState {
    /// Fails when the public URL cannot be a passkey's relying party although it names a host,
    /// no HTTP client can be made for the OpenID providers, or `PICUP_GEOIP_DB` cannot be read.
    pub fn new(services: Services, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let limiters = Arc::new(RateLimiters::new(&services.config.rate_limits));
        let passkeys = Passkeys::for_public_url(&services.config.public_url, "picup")?.map(Arc::new);
        if passkeys.is_none() {
            tracing::info!(
                public_url = %services.config.public_url,
                "passkeys are off: PICUP_PUBLIC_URL is an IP address, which browsers do not make passkeys for"
            );
        }
        let oidc = Arc::new(Oidc::new(&services.config)?);
        let places = match &services.config.geoip_db {
            Some(path) => Some(Arc::new(Places::open(path, services.config.geoip_credit.clone())?)),
            None => None,
        };
        Ok(AppState {
            services: Arc::new(services),
            limiters,
            passkeys,
            oidc,
            places,
            shutdown,
            months: Arc::default(),
            passwords: Arc::new(Passwords::start().context("starting the password hashing thread")?),
            media_json: Arc::default(),
        })
    }

    /// Passkeys, or why there are none.
    pub fn passkeys(&self) -> crate::error::ApiResult<&Passkeys> {
        self.passkeys.as_deref().ok_or(crate::error::ApiError::Unprocessable {
            code: "passkeys_off",
            message: "passkeys need picup to be opened by its name (PICUP_PUBLIC_URL), not an IP address".into(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.services.config
    }
}
