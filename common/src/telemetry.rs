//! Logging set up once per binary: readable by default, JSON for production log pipelines.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Directive;

/// Crates that log request headers (cookies, signatures) at debug level stay at info whatever
/// `RUST_LOG` says, so turning on debug logs never writes a secret.
const NEVER_DEBUG: [&str; 4] = ["s3s=info", "hyper=info", "aws_smithy_runtime=info", "aws_sigv4=info"];

pub fn init(json: bool) {
    let filter = match EnvFilter::try_from_default_env() {
        Ok(mut chosen) => {
            for directive in NEVER_DEBUG {
                if let Ok(directive) = directive.parse::<Directive>() {
                    chosen = chosen.add_directive(directive);
                }
            }
            chosen
        }
        Err(_) => EnvFilter::new("info,sqlx=warn,aws=warn,s3s=warn"),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = if json { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
    if result.is_err() {
        tracing::debug!("logging was already set up");
    }
}
