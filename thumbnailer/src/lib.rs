//! The thumbnailer: consumes `media.uploaded` events and turns originals into thumbnails,
//! previews and browser-playable copies (ARCHITECTURE.md, step 4).

pub mod consumer;
pub mod decode;
pub mod job;
pub mod sandbox;

// The decoding itself lives in picup-media; these paths stay for the thumbnailer's callers.
pub use picup_media::{heif_refs, heif_rotation, metadata, motion, photo, raster, video};

use std::sync::Arc;
use std::time::Duration;

use decode::Decoder;
use picup_common::events::{Event, LocalEvents};
use picup_common::services::Services;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// The in-process consumer used in standalone mode. A transient failure is retried a few times
/// with backoff; after that the worker's re-drive job brings the item back.
pub async fn run_in_process(services: Services, mut events: LocalEvents, shutdown: CancellationToken) {
    tracing::info!("in-process thumbnailer started");
    let slots = Arc::new(Semaphore::new(services.config.thumbnailer.concurrency));
    let decoder = Arc::new(Decoder::new(&services.config.thumbnailer));
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => break,
            event = events.recv() => match event {
                Some(event) => event,
                None => break,
            },
        };
        let Event::MediaUploaded { media_id } = event;
        let Ok(slot) = slots.clone().acquire_owned().await else { break };
        let (services, decoder) = (services.clone(), decoder.clone());
        tokio::spawn(async move {
            for attempt in 0..3u32 {
                match job::process_with(&services, &decoder, media_id).await {
                    Ok(_) => break,
                    Err(err) => {
                        tracing::warn!(%media_id, attempt, error = format!("{err:#}"), "processing failed; retrying");
                        tokio::time::sleep(Duration::from_secs(2u64.pow(attempt + 1))).await;
                    }
                }
            }
            drop(slot);
        });
    }
    tracing::info!("in-process thumbnailer stopped");
}
