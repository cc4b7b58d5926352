//! `picup-api`: serves the api (and, without Redis, the whole product); `picup-api migrate` only
//! migrates the database.

use std::process::ExitCode;

use picup_common::config::Config;
use picup_common::config::ExposeSecret;
use picup_common::db::Db;

/// mimalloc instead of the system allocator: per-thread heaps without glibc's arena locks, and
/// freed memory goes back to the system (api profile and RSS in #8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `picup-api decode ...`: this process is a sandboxed decode child of the thumbnailer. It
    // must start no thread before it is confined, so this comes before the runtime.
    #[cfg(feature = "standalone")]
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
            eprintln!("picup-api: {err}");
            return ExitCode::from(2);
        }
    };
    picup_common::telemetry::init(config.log_json);
    let result = match std::env::args().nth(1).as_deref() {
        None | Some("serve") => serve(config).await,
        Some("migrate") => migrate(&config).await,
        Some(other) => {
            eprintln!("picup-api: unknown command {other:?}; usage: picup-api [serve|migrate]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "picup-api failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    picup_common::private_files::private_dir(&config.data_dir)?;
    let public_url = config.public_url.clone();
    let app = picup_api::app::start(config).await?;
    tracing::info!("picup is running: open {public_url} in a browser");
    picup_common::shutdown_signal().await;
    app.stop().await;
    Ok(())
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    picup_common::private_files::private_dir(&config.data_dir)?;
    let db = Db::connect(config.database_url.expose_secret()).await?;
    db.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}
