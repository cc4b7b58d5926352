//! `picup-thumbnailer`: a Redis Streams consumer that makes thumbnails, previews and playable
//! copies. (Without Redis, `picup-api` runs the thumbnailer in its own process instead.)

use std::process::ExitCode;

use picup_common::config::Config;
use picup_common::services::Services;
use picup_thumbnailer::consumer::Consumer;
use tokio_util::sync::CancellationToken;

/// mimalloc instead of the system allocator: per-thread heaps without glibc's arena locks, and
/// freed memory goes back to the system (api profile and RSS in #8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `picup-thumbnailer decode ...`: a sandboxed decode child; confined before any thread starts.
    if let Some(code) = picup_thumbnailer::decode::run_if_child() {
        return code;
    }
    run()
}

#[tokio::main]
async fn run() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("picup-thumbnailer: {err}");
            return ExitCode::from(2);
        }
    };
    picup_common::telemetry::init(config.log_json);
    if config.redis_url.is_none() {
        eprintln!("picup-thumbnailer: REDIS_URL is not set; without Redis, picup-api runs the thumbnailer itself");
        return ExitCode::from(2);
    }
    let shutdown = CancellationToken::new();
    let result = async {
        let (services, _) = Services::connect(config, shutdown.clone()).await?;
        if let Some(addr) = services.config.metrics_addr {
            picup_common::metrics::serve(services.metrics.clone(), addr, shutdown.clone()).await?;
        }
        let name =
            format!("{}-{}", std::env::var("HOSTNAME").unwrap_or_else(|_| "thumbnailer".into()), std::process::id());
        let consumer = Consumer::new(services, name).await?;
        let signal = shutdown.clone();
        tokio::spawn(async move {
            picup_common::shutdown_signal().await;
            signal.cancel();
        });
        consumer.run(shutdown).await;
        anyhow::Ok(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "picup-thumbnailer failed");
            ExitCode::FAILURE
        }
    }
}
