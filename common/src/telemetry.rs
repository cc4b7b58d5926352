//! Logging set up once per binary: readable by default, JSON for production log pipelines.

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,aws=warn,s3s=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
    if result.is_err() {
        tracing::debug!("logging was already set up");
    }
}
