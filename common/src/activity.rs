//! Fanning activities out to feeds, and telling open browsers. The api runs `run_fan_out` so
//! notifications arrive within moments; the worker's `fan-out-activity` job catches anything a
//! stopped process left behind. Fan-out of one activity happens once in effect however many
//! processes try it (the database claims it).

use tokio_util::sync::CancellationToken;

use crate::services::Services;

const BATCH: i64 = 100;

/// How often the loop looks for activities nobody woke it for (another process's, or left by a
/// crash).
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Fans out every pending activity; returns how many it fanned out.
pub async fn fan_out_pending(services: &Services) -> anyhow::Result<u64> {
    let mut done = 0;
    loop {
        let pending = services.db.pending_activities(BATCH).await?;
        if pending.is_empty() {
            return Ok(done);
        }
        for id in pending {
            let notified = services.db.fan_out(id).await?;
            services.notifier.notify(&notified).await;
            done += 1;
        }
    }
}

/// Fans out whenever a request recorded an activity (`Db::commit_activity`).
pub async fn run_fan_out(services: Services, shutdown: CancellationToken) {
    loop {
        if let Err(err) = fan_out_pending(&services).await {
            tracing::warn!(error = format!("{err:#}"), "fan-out failed; it is tried again");
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = services.db.activity_recorded() => {}
            () = tokio::time::sleep(IDLE_CHECK) => {}
        }
    }
}
