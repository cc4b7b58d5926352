//! Media in processing: the use case both the worker's redrive job and a standalone api starting
//! up run, so a photo whose `media.uploaded` was lost still gets its thumbnails.

use anyhow::Context;

use crate::events::Event;
use crate::now_ms;
use crate::services::Services;

/// Re-sends `media.uploaded` for media in processing untouched for `stuck_after_ms`, `batch` at a
/// time; each is touched so it waits that long again before it is re-sent. Returns how many.
pub async fn redrive(services: &Services, stuck_after_ms: i64, batch: i64) -> anyhow::Result<u64> {
    let mut redriven = 0;
    // Fixed once: the touched rows must not match again within this run.
    let cutoff = now_ms() - stuck_after_ms;
    loop {
        let stuck = services.db.stuck_media(cutoff, batch).await?;
        if stuck.is_empty() {
            return Ok(redriven);
        }
        for &media_id in &stuck {
            services.events.publish(&Event::MediaUploaded { media_id }).await.context("broker unavailable")?;
        }
        services.db.touch_media(&stuck).await?;
        redriven += stuck.len() as u64;
    }
}
