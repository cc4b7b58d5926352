//! Scheduled jobs. Each is idempotent and safe to run twice at once: every step is claimed row by
//! row in the database, and object deletes are harmless to repeat.

pub mod jobs;

use std::time::Duration;

use picup_common::services::Services;
use tokio_util::sync::CancellationToken;

/// How often the in-process loop runs the jobs when nothing wakes it.
const TICK: Duration = Duration::from_secs(30);

/// The quota and storage audits read every row, and so does announcing the day's memories; in the
/// in-process loop they run every this many ticks (an hour).
const AUDIT_EVERY_TICKS: u64 = 120;

/// The worker loop inside `picup-api` in standalone mode: every job each tick, and the purge at
/// once when someone empties their trash.
pub async fn run_loop(services: Services, shutdown: CancellationToken) {
    tracing::info!("worker loop started");
    for tick in 0u64.. {
        for job in jobs::Job::ALL {
            let audit =
                matches!(job, jobs::Job::ReconcileQuota | jobs::Job::AuditStorage | jobs::Job::AnnounceMemories);
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

/// Each job's schedule (cron with seconds): its default, or `PICUP_SCHEDULE_<JOB>` (e.g.
/// `PICUP_SCHEDULE_PURGE_TRASH`). Read once at start, with the rest of the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedules(Vec<(jobs::Job, String)>);

impl Schedules {
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let schedules = jobs::Job::ALL.into_iter().map(|job| {
            let variable = format!("PICUP_SCHEDULE_{}", job.name().replace('-', "_").to_uppercase());
            let cron = lookup(&variable).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            (job, cron.unwrap_or_else(|| default_schedule(job).to_owned()))
        });
        Schedules(schedules.collect())
    }
}

fn default_schedule(job: jobs::Job) -> &'static str {
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
        // Hourly, so a missed run is caught up; once a person has had the day's, later runs add
        // nothing. The first, just after midnight UTC, is 09:05 in Seoul.
        jobs::Job::AnnounceMemories => "0 5 * * * *",
    }
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
/// A schedule that does not parse stops the worker at start, naming the job.
pub async fn run_scheduled(
    services: Services,
    schedules: Schedules,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
    let mut scheduler = JobScheduler::new().await?;
    for (job, cron) in schedules.0 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_variable_replaces_that_jobs_default_only() {
        let schedules =
            Schedules::from_lookup(|name| (name == "PICUP_SCHEDULE_PURGE_TRASH").then(|| " 0 0 * * * * ".to_owned()));
        let of = |job| schedules.0.iter().find(|(j, _)| *j == job).map(|(_, cron)| cron.as_str());
        assert_eq!(of(jobs::Job::PurgeTrash), Some("0 0 * * * *"));
        assert_eq!(of(jobs::Job::RelayOutbox), Some("*/10 * * * * *"));
        assert_eq!(schedules.0.len(), jobs::Job::ALL.len());
    }
}
