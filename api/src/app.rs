//! Builds the whole api process: services, migrations, the router, and in standalone mode the
//! thumbnailer and worker loops.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use picup_common::config::Config;
use picup_common::services::Services;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;

pub struct RunningApp {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when `PICUP_METRICS_ADDR` is set.
    pub metrics_addr: Option<SocketAddr>,
    pub services: Services,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// The thumbnailer and worker loops of the one-process product.
#[cfg(feature = "standalone")]
async fn start_standalone(
    services: &Services,
    local_events: Option<picup_common::events::LocalEvents>,
    shutdown: &CancellationToken,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut tasks = Vec::new();
    if let Some(events) = local_events {
        tasks.push(tokio::spawn(picup_thumbnailer::run_in_process(services.clone(), events, shutdown.clone())));
        // The in-process queue died with the last process: whatever was in processing then
        // is sent again now instead of after the redrive job's 15 minutes.
        match picup_common::processing::redrive(services, 0, 100).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "media left in processing by the last run sent again"),
            Err(err) => tracing::warn!(error = format!("{err:#}"), "cannot resend media left in processing"),
        }
    }
    tasks.push(tokio::spawn(picup_worker::run_loop(services.clone(), shutdown.clone())));
    Ok(tasks)
}

#[cfg(not(feature = "standalone"))]
async fn start_standalone(
    _: &Services,
    _: Option<picup_common::events::LocalEvents>,
    _: &CancellationToken,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    anyhow::bail!(
        "this picup-api was built without the standalone feature, so it cannot make thumbnails or run \
         the jobs itself: set REDIS_URL and run picup-thumbnailer and picup-worker beside it, or build \
         it with its default features"
    )
}

pub async fn start(config: Config) -> anyhow::Result<RunningApp> {
    let shutdown = CancellationToken::new();
    let standalone = config.standalone();
    let http_addr = config.http_addr;
    let (services, local_events) = Services::connect(config, shutdown.clone()).await?;
    services.db.migrate().await.context("cannot migrate the database")?;

    let state = AppState::new(services.clone(), shutdown.clone()).context("PICUP_PUBLIC_URL")?;
    let mut tasks = Vec::new();
    if standalone {
        tasks.extend(start_standalone(&services, local_events, &shutdown).await?);
    }
    tasks.push(tokio::spawn(services.notifier.clone().listen(shutdown.clone())));
    tasks.push(tokio::spawn(picup_common::activity::run_fan_out(services.clone(), shutdown.clone())));
    let limiters = state.limiters.clone();
    let idle_shutdown = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::select! {
                () = idle_shutdown.cancelled() => break,
                () = tokio::time::sleep(Duration::from_secs(60)) => limiters.forget_idle(),
            }
        }
    }));

    let metrics_addr = match services.config.metrics_addr {
        Some(addr) => {
            let (bound, task) = picup_common::metrics::serve(services.metrics.clone(), addr, shutdown.clone()).await?;
            tasks.push(task);
            Some(bound)
        }
        None => None,
    };

    let router = crate::routes::router(state, &services.config.web_dir);
    let listener = TcpListener::bind(http_addr)
        .await
        .with_context(|| format!("cannot listen on {http_addr} (PICUP_HTTP_ADDR)"))?;
    let addr = listener.local_addr()?;
    let server_shutdown = shutdown.clone();
    tasks.push(tokio::spawn(async move {
        let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(server_shutdown.cancelled_owned())
            .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "http server stopped");
        }
    }));
    tracing::info!(%addr, standalone, "picup api listening");
    Ok(RunningApp { addr, metrics_addr, services, shutdown, tasks })
}

impl RunningApp {
    /// Stops accepting requests, lets running ones finish (up to a grace period), stops the
    /// background loops, and closes the database.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let all = futures::future::join_all(self.tasks);
        if tokio::time::timeout(crate::routes::SHUTDOWN_GRACE, all).await.is_err() {
            tracing::warn!("some requests did not finish within the grace period");
        }
        self.services.db.close().await;
    }
}
