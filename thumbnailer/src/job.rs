//! One media item, start to end: read the original, make the derivatives, store them, and in one
//! transaction mark the media ready and count the derivatives' bytes. Idempotent: a second run
//! writes the same keys and replaces (not adds) the byte count.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use picup_common::config::ThumbnailerConfig;
use picup_common::db::{Media, ProcessedMedia};
use picup_common::metrics::KindLabels;
use picup_common::services::Services;
use picup_common::storage::{ObjectKind, StorageError};

use crate::{photo, video};

/// What happened to an item. Errors (`Err`) are transient: the item is tried again later.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Ready,
    /// Bad input or too many attempts; the reason is what the family sees.
    Failed(String),
    /// Deleted before we got to it.
    Gone,
}

/// Largest photo read into memory; bigger "photos" are refused.
const MAX_PHOTO_BYTES: i64 = 256 * 1024 * 1024;

pub async fn process(services: &Services, media_id: i64) -> anyhow::Result<Outcome> {
    let settings = &services.config.thumbnailer;
    let media = match services.db.media(media_id).await {
        Ok(media) => media,
        Err(err) if err.is_not_found() => return Ok(Outcome::Gone),
        Err(err) => return Err(err.into()),
    };
    if services.storage.is_failing() {
        anyhow::bail!("the object store is failing; media {media_id} waits for it");
    }
    let attempts = services.db.count_processing_attempt(media_id).await?;
    if attempts > settings.max_attempts {
        let reason = format!("picup tried {} times and could not make a preview of this file", settings.max_attempts);
        services.db.mark_media_failed(media_id, &reason).await?;
        return Ok(Outcome::Failed(reason));
    }

    let started = std::time::Instant::now();
    let made = match media.kind.as_str() {
        "video" => tokio::time::timeout(settings.item_timeout, process_video(services, &media)).await,
        _ => tokio::time::timeout(settings.item_timeout, process_photo(services, &media)).await,
    };
    let kind = if media.kind == "video" { "video" } else { "photo" };
    let observe = |outcome| {
        let labels = KindLabels { kind, outcome };
        services.metrics.thumbnail_seconds.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    };
    let processed = match made {
        Err(_) => Err(Rejected("this file took too long to process".into())),
        Ok(Err(Problem::StoreDown(err))) => {
            observe("retry");
            services.db.refund_processing_attempt(media_id).await?;
            return Err(err.into());
        }
        Ok(Err(Problem::Transient(err))) => {
            observe("retry");
            return Err(err);
        }
        Ok(Err(Problem::Rejected(rejected))) => Err(rejected),
        Ok(Ok(processed)) => Ok(processed),
    };
    observe(if processed.is_ok() { "ready" } else { "failed" });
    match processed {
        Ok(processed) => {
            if let Err(err) = services.db.mark_media_ready(media_id, &processed).await {
                if !err.is_not_found() {
                    return Err(err.into());
                }
                // Deleted and purged while we worked: the derivatives just stored are nobody's.
                for key in
                    [&processed.thumbnail_key, &processed.preview_key, &processed.playable_key].into_iter().flatten()
                {
                    services.storage.delete(key).await?;
                }
                return Ok(Outcome::Gone);
            }
            tracing::info!(media_id, kind = %media.kind, ms = started.elapsed().as_millis() as u64, "media ready");
            Ok(Outcome::Ready)
        }
        Err(Rejected(reason)) => {
            services.db.mark_media_failed(media_id, &reason).await?;
            tracing::warn!(media_id, %reason, "media failed");
            Ok(Outcome::Failed(reason))
        }
    }
}

/// A reason a person can read.
struct Rejected(String);

enum Problem {
    /// The object store could not be reached: not the file's fault.
    StoreDown(picup_common::storage::StorageError),
    Transient(anyhow::Error),
    Rejected(Rejected),
}

impl From<StorageError> for Problem {
    fn from(err: StorageError) -> Self {
        match err {
            StorageError::NotFound => Problem::Rejected(Rejected("the original file is missing from storage".into())),
            StorageError::Unavailable(_) => Problem::StoreDown(err),
            other => Problem::Transient(other.into()),
        }
    }
}

fn rejected(reason: impl ToString) -> Problem {
    Problem::Rejected(Rejected(reason.to_string()))
}

async fn process_photo(services: &Services, media: &Media) -> Result<ProcessedMedia, Problem> {
    if media.size_bytes > MAX_PHOTO_BYTES {
        return Err(rejected("this photo file is too large to process"));
    }
    let bytes = services.storage.get(&media.object_key).await?;
    let max_megapixels = services.config.thumbnailer.max_megapixels;
    let photo = tokio::task::spawn_blocking(move || photo::process(&bytes, max_megapixels))
        .await
        .map_err(|e| Problem::Transient(e.into()))?
        .map_err(rejected)?;
    let mut processed = store_derivatives(services, media, &photo.derivatives).await?;
    processed.width = Some(i64::from(photo.width));
    processed.height = Some(i64::from(photo.height));
    processed.taken_at = photo.metadata.taken_at;
    processed.camera_make = photo.metadata.camera_make;
    processed.camera_model = photo.metadata.camera_model;
    processed.latitude = photo.metadata.latitude;
    processed.longitude = photo.metadata.longitude;
    Ok(processed)
}

async fn process_video(services: &Services, media: &Media) -> Result<ProcessedMedia, Problem> {
    let folder = tempfile::tempdir().map_err(|e| Problem::Transient(e.into()))?;
    let original = folder.path().join("original");
    services.storage.download_to(&media.object_key, &original).await?;
    let max_megapixels = services.config.thumbnailer.max_megapixels;
    let path = original.clone();
    let video = tokio::task::spawn_blocking(move || video::poster(&path, max_megapixels))
        .await
        .map_err(|e| Problem::Transient(e.into()))?
        .map_err(rejected)?;
    let mut processed = store_derivatives(services, media, &video.derivatives).await?;
    if !video.browser_playable {
        let playable = folder.path().join("playable.mp4");
        let started = std::time::Instant::now();
        let made = make_playable(&services.config.thumbnailer, &original, &playable, video.is_h264).await;
        let labels = KindLabels {
            kind: if video.is_h264 { "remux" } else { "encode" },
            outcome: if made.is_ok() { "ok" } else { "failed" },
        };
        services.metrics.transcode_seconds.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
        match made {
            Ok(()) => {
                let bytes = tokio::fs::read(&playable).await.map_err(|e| Problem::Transient(e.into()))?;
                let key = ObjectKind::Playable.key(media.owner_id, media.id, "video/mp4");
                processed.derivative_bytes += bytes.len() as i64;
                services.storage.put(&key, bytes, "video/mp4", ObjectKind::Playable).await?;
                processed.playable_key = Some(key);
            }
            // The poster and the original remain; the album offers the download instead.
            Err(err) => tracing::warn!(media_id = media.id, error = format!("{err:#}"), "no playable copy"),
        }
    }
    processed.width = Some(i64::from(video.width));
    processed.height = Some(i64::from(video.height));
    processed.duration_ms = video.duration_ms;
    processed.taken_at = video.created_at;
    Ok(processed)
}

async fn store_derivatives(
    services: &Services,
    media: &Media,
    derivatives: &crate::raster::Derivatives,
) -> Result<ProcessedMedia, Problem> {
    let thumbnail_key = ObjectKind::Thumbnail.key(media.owner_id, media.id, "image/webp");
    let preview_key = ObjectKind::Preview.key(media.owner_id, media.id, "image/jpeg");
    services
        .storage
        .put(&thumbnail_key, derivatives.thumbnail_webp.clone(), "image/webp", ObjectKind::Thumbnail)
        .await?;
    services.storage.put(&preview_key, derivatives.preview_jpeg.clone(), "image/jpeg", ObjectKind::Preview).await?;
    Ok(ProcessedMedia {
        thumbnail_key: Some(thumbnail_key),
        preview_key: Some(preview_key),
        derivative_bytes: (derivatives.thumbnail_webp.len() + derivatives.preview_jpeg.len()) as i64,
        thumbhash: Some(derivatives.thumbhash.clone()),
        ..ProcessedMedia::default()
    })
}

/// An H.264/AAC MP4 with the index up front (`faststart`), at most 1080p. H.264 that only sits
/// in the wrong container is copied, not re-encoded.
///
/// ffmpeg runs under `prlimit --data` (util-linux): a video made to exhaust memory makes ffmpeg
/// fail, not the machine or the thumbnailer. (Setting the limit in-process would need `unsafe`.)
pub async fn make_playable(
    settings: &ThumbnailerConfig,
    input: &Path,
    output: &Path,
    is_h264: bool,
) -> anyhow::Result<()> {
    let ffmpeg = &settings.ffmpeg;
    let mut command = tokio::process::Command::new("prlimit");
    command.arg(format!("--data={}", settings.ffmpeg_max_memory_bytes)).arg("--").arg(ffmpeg);
    command.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"]).arg(input);
    command.args(["-map", "0:v:0", "-map", "0:a:0?", "-threads", "2"]);
    if is_h264 {
        command.args(["-c:v", "copy"]);
    } else {
        command.args([
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-vf",
            "scale='if(gte(iw,ih),-2,min(1080,iw))':'if(gte(iw,ih),min(1080,ih),-2)'",
        ]);
    }
    command.args(["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4"]).arg(output);
    command.stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
    let child = command.spawn().context("cannot run prlimit (util-linux) to start ffmpeg")?;
    // The item's own timeout bounds this; kill_on_drop ends ffmpeg if we give up.
    let result = tokio::time::timeout(Duration::from_secs(60 * 60), child.wait_with_output())
        .await
        .context("ffmpeg timed out")??;
    if !result.status.success() {
        anyhow::bail!("ffmpeg failed: {}", String::from_utf8_lossy(&result.stderr).trim());
    }
    Ok(())
}
