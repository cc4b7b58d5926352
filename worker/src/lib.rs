//! Scheduled jobs. Each is idempotent and safe to run twice at once: every step is claimed row by
//! row in the database, and object deletes are harmless to repeat.

pub mod jobs;

use std::time::Duration;

use picup_common::services::Services;
use tokio_util::sync::CancellationToken;

/// How often the in-process loop runs the jobs when nothing wakes it.
const TICK: Duration = Duration::from_secs(30);

/// The worker loop inside `picup-api` in standalone mode (and `picup-worker` without a job name).
pub async fn run_loop(services: Services, shutdown: CancellationToken) {
    tracing::info!("worker loop started");
    loop {
        for job in jobs::Job::ALL {
            if let Err(err) = job.run(&services).await {
                tracing::warn!(job = job.name(), error = format!("{err:#}"), "job failed; it runs again next tick");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(TICK) => {}
            () = services.purge_requested.notified() => {}
        }
    }
    tracing::info!("worker loop stopped");
}
