//! Scheduled jobs. Each is idempotent and safe to run twice at once: every step is claimed row by
//! row in the database, and object deletes are harmless to repeat.

pub mod jobs;

use std::time::Duration;

use picup_common::services::Services;
use tokio_util::sync::CancellationToken;

/// How often the in-process loop runs the jobs when nothing wakes it.
const TICK: Duration = Duration::from_secs(30);

/// The quota and storage audits read every row; in the in-process loop they run every this many
/// ticks (an hour).
const AUDIT_EVERY_TICKS: u64 = 120;

/// The worker loop inside `picup-api` in standalone mode: every job each tick, and the purge at
/// once when someone empties their trash.
pub async fn run_loop(services: Services, shutdown: CancellationToken) {
    tracing::info!("worker loop started");
    for tick in 0u64.. {
        for job in jobs::Job::ALL {
            let audit = matches!(job, jobs::Job::ReconcileQuota | jobs::Job::AuditStorage);
            if audit && tick % AUDIT_EVERY_TICKS != 0 {
                continue;
            }
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

/// The default schedule of each job (cron with seconds), overridable with
/// `PICUP_SCHEDULE_<JOB>` (e.g. `PICUP_SCHEDULE_PURGE_TRASH`).
pub fn schedule(job: jobs::Job) -> String {
    let variable = format!("PICUP_SCHEDULE_{}", job.name().replace('-', "_").to_uppercase());
    std::env::var(variable).unwrap_or_else(|_| {
        match job {
            jobs::Job::RelayOutbox => "*/10 * * * * *",
            jobs::Job::SweepUploads => "0 */5 * * * *",
            // Emptying the trash frees the space within a minute.
            jobs::Job::PurgeTrash => "*/30 * * * * *",
            jobs::Job::InvalidateCdn => "*/30 * * * * *",
            jobs::Job::ReconcileQuota => "0 17 3 * * *",
            jobs::Job::RedriveProcessing => "0 */5 * * * *",
            jobs::Job::FanOutActivity => "0 * * * * *",
            jobs::Job::AuditStorage => "0 47 4 * * *",
        }
        .to_owned()
    })
}

/// A one-shot run (a CronJob) ends before Prometheus could scrape it, so it pushes its metrics
/// to the Pushgateway when one is configured. A failed push is logged, not fatal: the job's work
/// is done either way.
pub async fn push_metrics(services: &Services, job: jobs::Job) {
    let Some(gateway) = &services.config.pushgateway_url else { return };
    if let Err(err) = picup_common::metrics::push(&services.metrics, gateway, "picup-worker", job.name()).await {
        tracing::warn!(job = job.name(), error = format!("{err:#}"), "cannot push metrics");
    }
}

/// `picup-worker` without a job name: every job on its cron schedule until SIGTERM.
pub async fn run_scheduled(services: Services, shutdown: CancellationToken) -> anyhow::Result<()> {
    use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
    let mut scheduler = JobScheduler::new().await?;
    for job in jobs::Job::ALL {
        let cron = schedule(job);
        let services = services.clone();
        // Each run is awaited inside the scheduler's task; a run still going when the next is due
        // is harmless, because every job is safe to run twice at once.
        let scheduled = CronJob::new_async(cron.as_str(), move |_, _| {
            let services = services.clone();
            Box::pin(async move {
                if let Err(err) = job.run(&services).await {
                    tracing::warn!(job = job.name(), error = format!("{err:#}"), "job failed; it runs again next time");
                }
            })
        })
        .map_err(|e| anyhow::anyhow!("PICUP_SCHEDULE for {}: {e}", job.name()))?;
        scheduler.add(scheduled).await?;
        tracing::info!(job = job.name(), %cron, "scheduled");
    }
    scheduler.start().await?;
    shutdown.cancelled().await;
    scheduler.shutdown().await?;
    Ok(())
}
