use std::sync::Arc;

use picup_common::config::Config;
use picup_common::services::Services;

use tokio_util::sync::CancellationToken;

use crate::rate_limit::RateLimiters;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Shared, not copied: every extractor and middleware clones the state for each request.
    pub services: Arc<Services>,
    pub limiters: Arc<RateLimiters>,
    /// Cancelled when the process stops; long-lived responses (event streams) end with it.
    pub shutdown: CancellationToken,
}

impl AppState {
    pub fn new(services: Services, shutdown: CancellationToken) -> Self {
        let limiters = Arc::new(RateLimiters::new(&services.config.rate_limits));
        AppState { services: Arc::new(services), limiters, shutdown }
    }

    pub fn config(&self) -> &Config {
        &self.services.config
    }
}
