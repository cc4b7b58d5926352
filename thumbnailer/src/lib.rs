//! The thumbnailer: consumes `media.uploaded` events and turns originals into thumbnails and
//! previews (ARCHITECTURE.md, step 4).

use picup_common::events::{Event, LocalEvents};
use picup_common::services::Services;
use tokio_util::sync::CancellationToken;

/// The in-process consumer used in standalone mode.
pub async fn run_in_process(services: Services, mut events: LocalEvents, shutdown: CancellationToken) {
    tracing::info!("in-process thumbnailer started");
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
        };
        match event {
            Event::MediaUploaded { media_id } => handle(&services, media_id).await,
        }
    }
    tracing::info!("in-process thumbnailer stopped");
}

async fn handle(services: &Services, media_id: i64) {
    match services.db.media(media_id).await {
        Ok(media) => tracing::debug!(media_id, status = %media.status, "media uploaded"),
        Err(err) if err.is_not_found() => tracing::debug!(media_id, "media gone before processing"),
        Err(err) => tracing::warn!(media_id, error = %err, "cannot read media"),
    }
}
