//! `picup-api`: serves the api (and, without Redis, the whole product); `picup-api migrate` only
//! migrates the database.

use std::process::ExitCode;

use anyhow::Context;

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
        Some("import") => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            match picup_api::import::ImportOptions::parse(&args) {
                Ok(options) => import(config, &options).await,
                Err(usage) => {
                    eprintln!("picup-api import: {usage}");
                    return ExitCode::from(2);
                }
            }
        }
        Some(other) => {
            eprintln!("picup-api: unknown command {other:?}; usage: picup-api [serve|migrate|import]");
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

/// `picup-api import`: beside a running album too. On embedded defaults the bytes go through the
/// running album's embedded S3 endpoint (found through the data folder), or, when the album is
/// not running, through one of its own on a free port; its events, without Redis, are left in
/// the outbox for the album's relay to hand to its thumbnailer.
async fn import(mut config: Config, options: &picup_api::import::ImportOptions) -> anyhow::Result<()> {
    use picup_common::config::StorageConfig;
    if let StorageConfig::Embedded { addr, public_endpoint } = &mut config.storage {
        match picup_common::embedded_s3::running(&config.data_dir).await? {
            Some(album_store) => config.storage = StorageConfig::S3(album_store),
            None => {
                *addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                *public_endpoint = None;
            }
        }
    }
    let shutdown = tokio_util::sync::CancellationToken::new();
    let (mut services, local_events) = picup_common::services::Services::connect(config, shutdown.clone()).await?;
    // No thumbnailer here: without Redis each upload's event stays in the outbox until the album's
    // own relay publishes it to its in-process thumbnailer.
    if local_events.is_some() {
        services.events = picup_common::events::EventBus::LeftInOutbox;
    }
    // Run against a data folder the album has never opened, or one from an older picup.
    services.db.migrate().await.context("cannot prepare the database")?;
    // What a person watching reads goes to stdout, with a progress bar on a terminal; the logs to
    // stderr.
    let say = |line: &str| {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    };
    let screen = if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        picup_api::import::Screen::Terminal
    } else {
        picup_api::import::Screen::Lines(&say)
    };
    let result = picup_api::import::run(&services, options, screen).await;
    shutdown.cancel();
    match result {
        Ok(summary) if summary.failed.is_empty() => Ok(()),
        Ok(summary) => {
            anyhow::bail!("{} files were not imported; see {}", summary.failed.len(), summary.report.display())
        }
        Err(err) => {
            eprintln!("picup-api import: {err}");
            Err(err.into())
        }
    }
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    picup_common::private_files::private_dir(&config.data_dir)?;
    let db = Db::connect(config.database_url.expose_secret()).await?;
    db.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}
