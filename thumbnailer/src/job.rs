//! One media item, start to end: read the original, make the derivatives, store them, and in one
//! transaction mark the media ready and count the derivatives' bytes. Idempotent: a second run
//! writes the same keys and replaces (not adds) the byte count.

use std::path::PathBuf;

use picup_common::db::{Media, MediaKind, ProcessedMedia, Recorded};
use picup_common::id::MediaId;
use picup_common::metrics::KindLabels;
use picup_common::services::Services;
use picup_common::storage::{ObjectKind, StorageError};

use crate::decode::{Decoder, Failure, PLAYABLE_FILE, PREVIEW_FILE, Report, THUMBNAIL_FILE, Task};

/// What happened to an item. Errors (`Err`) are transient: the item is tried again later.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Ready,
    /// Bad input or too many attempts; the reason is what the family sees.
    Failed(String),
    /// Deleted before we got to it.
    Gone,
    /// A member turned it again while it was processed; the newer turn's processing finishes it.
    Outturned,
}

/// Largest photo read into memory; bigger "photos" are refused.
const MAX_PHOTO_BYTES: i64 = 256 * 1024 * 1024;

/// Processes one item with a decoder of its own (tests, one-off runs).
pub async fn process(services: &Services, media_id: MediaId) -> anyhow::Result<Outcome> {
    process_with(services, &Decoder::new(&services.config.thumbnailer), media_id).await
}

/// Processes one item with the thumbnailer's decoder, whose children stay warm between items.
pub async fn process_with(services: &Services, decoder: &Decoder, media_id: MediaId) -> anyhow::Result<Outcome> {
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
    let made = match media.kind {
        MediaKind::Video => tokio::time::timeout(settings.item_timeout, process_video(services, decoder, &media)).await,
        MediaKind::Photo => tokio::time::timeout(settings.item_timeout, process_photo(services, decoder, &media)).await,
    };
    let kind = media.kind.as_str();
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
        Ok(Err(Problem::Corrupt(Rejected(reason)))) => {
            observe("failed");
            // Not what the family sent: nothing of it is kept or charged.
            services.storage.delete(&media.object_key).await?;
            services.db.mark_media_corrupt(media_id, &reason).await?;
            services.metrics.checksum_mismatches.inc();
            tracing::warn!(%media_id, %reason, "stored bytes differ from the declared SHA-256");
            return Ok(Outcome::Failed(reason));
        }
        Ok(Ok(processed)) => Ok(processed),
    };
    observe(if processed.is_ok() { "ready" } else { "failed" });
    match processed {
        Ok(processed) => {
            let replaced = match services.db.mark_media_ready(media_id, &processed).await {
                Ok(Recorded::Ready { replaced }) => replaced,
                Ok(Recorded::Outturned) => {
                    // What was made is left where it is: if the member turns it back, that turn's
                    // processing may be writing the same keys right now. Rare (a re-delivered
                    // event finishing after a later turn was asked), and a few kilobytes.
                    let made = [&processed.thumbnail_key, &processed.preview_key];
                    tracing::warn!(%media_id, ?made, "turned again while it was processed; these images are left");
                    return Ok(Outcome::Outturned);
                }
                Err(err) if err.is_not_found() => {
                    // Deleted and purged while we worked: the derivatives just stored are nobody's.
                    let made = [
                        &processed.thumbnail_key,
                        &processed.preview_key,
                        &processed.playable_key,
                        &processed.motion_key,
                    ];
                    for key in made.into_iter().flatten() {
                        services.storage.delete(key).await?;
                    }
                    return Ok(Outcome::Gone);
                }
                Err(err) => return Err(err.into()),
            };
            // The images of the turn before: nothing points at them any more. A failure leaves
            // them for the purge, and the item ready.
            for key in &replaced {
                if let Err(err) = services.storage.delete(key).await {
                    tracing::warn!(%media_id, key, error = %err, "an earlier turn's image was not deleted");
                }
            }
            tracing::info!(%media_id, kind, ms = started.elapsed().as_millis() as u64, "media ready");
            // Only an iPhone still or movie names a content identifier; nothing else is read again.
            if processed.content_identifier.is_some()
                && let Some(photo) = services.db.pair_live_photo(media_id).await?
            {
                tracing::info!(%media_id, %photo, "a Live Photo's still and movie were joined");
            }
            Ok(Outcome::Ready)
        }
        Err(Rejected(reason)) => {
            services.db.mark_media_failed(media_id, &reason).await?;
            tracing::warn!(%media_id, %reason, "media failed");
            Ok(Outcome::Failed(reason))
        }
    }
}

/// A reason a person can read.
struct Rejected(String);

/// What the family reads when the stored bytes are not the bytes their phone sent.
pub const CHECKSUM_MISMATCH: &str =
    "The file that arrived is not the file that was sent, so it was not kept. Please add it again.";

/// Hashes a file as it reads it: a 4 GB video is never held in memory.
fn sha256_of(path: &std::path::Path) -> std::io::Result<String> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

enum Problem {
    /// The object store could not be reached: not the file's fault.
    StoreDown(picup_common::storage::StorageError),
    Transient(anyhow::Error),
    Rejected(Rejected),
    /// The stored original's SHA-256 is not the one its client declared.
    Corrupt(Rejected),
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

fn transient(err: impl Into<anyhow::Error>) -> Problem {
    Problem::Transient(err.into())
}

/// A private folder for one item: the original, and what the decode child makes.
struct WorkDir {
    folder: tempfile::TempDir,
    /// The original's SHA-256 (hex), checked against the one its client declared.
    sha256: String,
}

impl WorkDir {
    async fn with_original(services: &Services, media: &Media) -> Result<WorkDir, Problem> {
        let folder = tempfile::tempdir().map_err(transient)?;
        tokio::fs::create_dir(folder.path().join("out")).await.map_err(transient)?;
        let original = folder.path().join("original");
        services.storage.download_to(&media.object_key, &original).await?;
        let sha256 =
            tokio::task::spawn_blocking(move || sha256_of(&original)).await.map_err(transient)?.map_err(transient)?;
        if let Some(declared) = &media.declared_sha256
            && *declared != sha256
        {
            return Err(Problem::Corrupt(Rejected(CHECKSUM_MISMATCH.into())));
        }
        Ok(WorkDir { folder, sha256 })
    }

    fn original(&self) -> PathBuf {
        self.folder.path().join("original")
    }

    fn output(&self) -> PathBuf {
        self.folder.path().join("out")
    }
}

/// Runs one decode child and turns a failure into the item's answer: the family sees the reason,
/// the log the detail, the metric the cause.
async fn decode(
    services: &Services,
    decoder: &Decoder,
    media: &Media,
    task: Task,
    work: &WorkDir,
) -> Result<Report, Problem> {
    match decoder.decode_turned(task, media.quarter_turns, &work.original(), &work.output()).await {
        Ok(report) => Ok(report),
        Err(Failure::Unavailable(detail)) => Err(transient(anyhow::anyhow!(detail))),
        Err(failure) => {
            let kind = if task == Task::Photo { "photo" } else { "video" };
            services.metrics.decode_failures.get_or_create(&KindLabels { kind, outcome: failure.cause() }).inc();
            tracing::warn!(media_id = %media.id, cause = failure.cause(), detail = %failure, "the decoder gave no result");
            Err(rejected(failure.reason(task)))
        }
    }
}

async fn process_photo(services: &Services, decoder: &Decoder, media: &Media) -> Result<ProcessedMedia, Problem> {
    if media.size_bytes > MAX_PHOTO_BYTES {
        return Err(rejected("this photo file is too large to process"));
    }
    let work = WorkDir::with_original(services, media).await?;
    let Report::Photo(photo) = decode(services, decoder, media, Task::Photo, &work).await? else {
        return Err(transient(anyhow::anyhow!("the decoder answered a photo with a video")));
    };
    let mut processed = store_derivatives(services, media, &work, photo.thumbhash).await?;
    processed.width = Some(i64::from(photo.width));
    processed.height = Some(i64::from(photo.height));
    processed.taken_at = photo.taken_at;
    processed.camera_make = photo.camera_make;
    processed.camera_model = photo.camera_model;
    processed.latitude = photo.latitude;
    processed.longitude = photo.longitude;
    processed.content_identifier = photo.content_identifier;
    if let Some(range) = photo.motion
        && let Some((key, size)) = cut_motion(services, decoder, media, &work, range).await?
    {
        processed.derivative_bytes += size;
        processed.motion_key = Some(key);
    }
    Ok(processed)
}

/// Cuts a motion photo's video out of the original and stores it, if the decoder (in its
/// sandbox, like any upload) reads it as a video; a trailer that is no video leaves a plain photo.
/// Returns its key and size.
async fn cut_motion(
    services: &Services,
    decoder: &Decoder,
    media: &Media,
    work: &WorkDir,
    range: std::ops::Range<u64>,
) -> Result<Option<(String, i64)>, Problem> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    let length = range.end.checked_sub(range.start).ok_or_else(|| rejected("a motion photo's video out of place"))?;
    let mut original = tokio::fs::File::open(work.original()).await.map_err(transient)?;
    original.seek(std::io::SeekFrom::Start(range.start)).await.map_err(transient)?;
    let mut video = Vec::new();
    original.take(length).read_to_end(&mut video).await.map_err(transient)?;
    let (input, output) = (work.folder.path().join("motion.mp4"), work.folder.path().join("motion-out"));
    tokio::fs::write(&input, &video).await.map_err(transient)?;
    tokio::fs::create_dir(&output).await.map_err(transient)?;
    match decoder.decode(Task::Video, &input, &output).await {
        Ok(Report::Video(_)) => {}
        Err(Failure::Unavailable(detail)) => return Err(transient(anyhow::anyhow!(detail))),
        other => {
            tracing::info!(media_id = %media.id, answer = ?other.map(|_| ()), "a motion photo's video could not be read; a plain photo");
            return Ok(None);
        }
    }
    let key = ObjectKind::Motion.key(media.owner_id, media.id, "video/mp4");
    let size = video.len() as i64;
    services.storage.put(&key, video, "video/mp4", ObjectKind::Motion).await?;
    Ok(Some((key, size)))
}

async fn process_video(services: &Services, decoder: &Decoder, media: &Media) -> Result<ProcessedMedia, Problem> {
    let work = WorkDir::with_original(services, media).await?;
    let Report::Video(video) = decode(services, decoder, media, Task::Video, &work).await? else {
        return Err(transient(anyhow::anyhow!("the decoder answered a video with a photo")));
    };
    let mut processed = store_derivatives(services, media, &work, video.thumbhash).await?;
    if !video.browser_playable {
        let started = std::time::Instant::now();
        let made = decoder.make_playable(&work.original(), &work.output(), video.is_h264).await;
        let labels = KindLabels {
            kind: if video.is_h264 { "remux" } else { "encode" },
            outcome: if made.is_ok() { "ok" } else { "failed" },
        };
        services.metrics.transcode_seconds.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
        match made {
            Ok(()) => {
                let bytes = tokio::fs::read(work.output().join(PLAYABLE_FILE)).await.map_err(transient)?;
                let key = ObjectKind::Playable.key(media.owner_id, media.id, "video/mp4");
                processed.derivative_bytes += bytes.len() as i64;
                services.storage.put(&key, bytes, "video/mp4", ObjectKind::Playable).await?;
                processed.playable_key = Some(key);
            }
            Err(Failure::Unavailable(detail)) => return Err(transient(anyhow::anyhow!(detail))),
            // The poster and the original remain; the album offers the download instead.
            Err(failure) => {
                tracing::warn!(media_id = %media.id, cause = failure.cause(), detail = %failure, "no playable copy")
            }
        }
    }
    processed.width = Some(i64::from(video.width));
    processed.height = Some(i64::from(video.height));
    processed.duration_ms = video.duration_ms;
    processed.taken_at = video.created_at;
    processed.content_identifier = video.content_identifier;
    Ok(processed)
}

/// Stores the thumbnail and preview the child wrote.
async fn store_derivatives(
    services: &Services,
    media: &Media,
    work: &WorkDir,
    thumbhash: String,
) -> Result<ProcessedMedia, Problem> {
    let thumbnail = tokio::fs::read(work.output().join(THUMBNAIL_FILE)).await.map_err(transient)?;
    let preview = tokio::fs::read(work.output().join(PREVIEW_FILE)).await.map_err(transient)?;
    // A turn has keys of its own: a cached image of another turn is never served for this one.
    let thumbnail_key = ObjectKind::Thumbnail.turned_key(media.owner_id, media.id, media.quarter_turns);
    let preview_key = ObjectKind::Preview.turned_key(media.owner_id, media.id, media.quarter_turns);
    let derivative_bytes = (thumbnail.len() + preview.len()) as i64;
    services.storage.put(&thumbnail_key, thumbnail, "image/webp", ObjectKind::Thumbnail).await?;
    services.storage.put(&preview_key, preview, "image/jpeg", ObjectKind::Preview).await?;
    Ok(ProcessedMedia {
        thumbnail_key: Some(thumbnail_key),
        preview_key: Some(preview_key),
        derivative_bytes,
        thumbhash: Some(thumbhash),
        sha256: Some(work.sha256.clone()),
        turns: media.quarter_turns,
        ..ProcessedMedia::default()
    })
}
