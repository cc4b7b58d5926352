use std::sync::Arc;

use picup_common::config::Config;
use picup_common::services::Services;

use crate::rate_limit::RateLimiters;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub limiters: Arc<RateLimiters>,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        let limiters = Arc::new(RateLimiters::new(&services.config.rate_limits));
        AppState { services, limiters }
    }

    pub fn config(&self) -> &Config {
        &self.services.config
    }
}
