//! Uploads (ARCHITECTURE.md, steps 1-3), the use cases the api and the worker share: reserve the
//! bytes and a place in the store, complete with the size the store reports, abort, and sweep
//! what expired. Each runs under the user's lock ([`Services::under_user_lock`]) and owns its
//! transaction, event, activity signal and metrics. File bytes never pass through picup.

use std::time::Duration;

use crate::checksum::Sha256;
use crate::db::uploads::ReserveError;
use crate::db::{DbError, Media, MediaKind, MetadataHints, NewMedia, NewUpload, Upload};
use crate::events::{Event, EventBus};
use crate::id::{AlbumId, MediaId, UserId};
use crate::lock::LockError;
use crate::metrics::Outcome;
use crate::now_ms;
use crate::services::Services;
use crate::storage::{CompletedPartRef, ObjectKind, SignedRequest, StorageError, StoredPart};

/// What a person asks to upload, as the client said it.
#[derive(Clone, Debug)]
pub struct ReserveRequest<'a> {
    pub filename: &'a str,
    pub size: i64,
    pub content_type: &'a str,
    /// The file's SHA-256 as the client computed it (64 hex characters).
    pub sha256: Option<&'a str>,
}

/// What a reservation answers: how to send the bytes, or that the family has this file already.
#[derive(Clone, Debug)]
pub enum Reservation {
    Send(SendInstructions),
    /// A live photo or video with the same bytes, added by the uploader or in the album: nothing is
    /// reserved, sent or charged.
    Duplicate(Box<Media>),
}

/// Why an upload step was refused. The message is what the person reads.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{NOT_A_CONTRIBUTOR}")]
    NotAContributor,
    #[error("{0:?} files cannot be added; picup takes photos (JPEG, PNG, WebP, HEIC, GIF) and videos (MP4, MOV, WebM)")]
    UnsupportedType(String),
    #[error("the file is empty")]
    Empty,
    #[error("please give the file a name of 1 to 255 characters")]
    BadFilename,
    #[error("sha256 is the file's SHA-256: 64 hexadecimal characters")]
    BadChecksum,
    #[error("this upload has no part {0}")]
    NoSuchPart(i32),
    #[error("This file is {}; the largest file picup takes is {}.", human_bytes(*size), human_bytes(*max))]
    TooLarge { size: i64, max: i64 },
    #[error(
        "Not enough storage space: this file needs {} but only {} is free. Empty the trash or ask the family admin for more space.",
        human_bytes(*size),
        human_bytes((*free).max(0))
    )]
    QuotaExceeded { size: i64, free: i64 },
    #[error("the parts of this file did not all arrive ({code}: {message}); please send the missing parts again")]
    PartsMissing { code: String, message: String },
    #[error("the file has not arrived yet; please send it again, then complete")]
    NotArrived,
    #[error(
        "the file that arrived ({}) is larger than announced ({}); it was not added, please upload it again",
        human_bytes(*actual),
        human_bytes(*declared)
    )]
    LargerThanDeclared { declared: i64, actual: i64 },
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub const NOT_A_CONTRIBUTOR: &str =
    "you can look at this album but not add to it; ask its owner to make you a contributor";

impl Outcome for UploadError {
    fn outcome(&self) -> &'static str {
        match self {
            UploadError::NotAContributor => "forbidden",
            UploadError::UnsupportedType(_) => "unsupported_type",
            UploadError::Empty | UploadError::BadFilename | UploadError::BadChecksum | UploadError::NoSuchPart(_) => {
                "validation_failed"
            }
            UploadError::TooLarge { .. } => "file_too_large",
            UploadError::QuotaExceeded { .. } => "quota_exceeded",
            UploadError::PartsMissing { .. } | UploadError::NotArrived => "upload_incomplete",
            UploadError::LargerThanDeclared { .. } => "size_mismatch",
            UploadError::Lock(err) => err.outcome(),
            UploadError::Db(err) => err.outcome(),
            UploadError::Storage(err) => err.outcome(),
        }
    }
}

/// How the client sends the bytes: one PUT, or one URL per part, valid until `expires_at`.
#[derive(Clone, Debug)]
pub struct SendInstructions {
    pub upload_id: MediaId,
    pub expires_at: i64,
    pub method: SendMethod,
}

#[derive(Clone, Debug)]
pub enum SendMethod {
    Put(SignedRequest),
    Multipart { part_size: i64, parts: Vec<PartUrl> },
}

/// A part still to send. An upload that declared its SHA-256 has no URL here: the client asks
/// for each part's URL with the part's own SHA-256 ([`part_url`]), which the store then checks.
#[derive(Clone, Debug)]
pub struct PartUrl {
    pub part_number: i32,
    pub url: Option<String>,
    pub size: i64,
}

/// Where to send one part: a URL whose signature covers the part's size and SHA-256.
#[derive(Clone, Debug)]
pub struct PartRequest {
    pub part_number: i32,
    pub size: i64,
    pub signed: SignedRequest,
    pub expires_at: i64,
}

/// A completed upload: the media, and whether this call made it (a repeated complete returns the
/// media the first made).
#[derive(Clone, Debug)]
pub struct Completed {
    pub media: Media,
    pub created: bool,
}

/// Checks the request and the caller's role; answers a duplicate when the family has these bytes
/// already (by the SHA-256 the thumbnailer computed, never by a client's word alone); else
/// reserves the bytes and the store's upload under the user's lock. The reservation lives until
/// its TTL; `sweep_expired` releases it then.
pub async fn reserve(
    services: &Services,
    user_id: UserId,
    album_id: AlbumId,
    request: &ReserveRequest<'_>,
) -> Result<Reservation, UploadError> {
    let limits = &services.config.limits;
    let access = services.db.album_access(album_id, user_id).await?;
    if !access.role.can_upload() {
        return Err(UploadError::NotAContributor);
    }
    let content_type = request.content_type.trim().to_ascii_lowercase();
    if !limits.allowed_types.contains(&content_type) {
        return Err(UploadError::UnsupportedType(content_type));
    }
    if request.size <= 0 {
        return Err(UploadError::Empty);
    }
    if request.size > limits.max_upload_bytes {
        return Err(UploadError::TooLarge { size: request.size, max: limits.max_upload_bytes });
    }
    let filename = clean_filename(request.filename).ok_or(UploadError::BadFilename)?;
    let sha256 = request.sha256.map(|hex| Sha256::parse_hex(hex).ok_or(UploadError::BadChecksum)).transpose()?;
    let sha256 = sha256.map(Sha256::to_hex);
    if let Some(sha256) = &sha256
        && let Some(media) = services.db.duplicate_of(sha256, user_id, access.album.id).await?
    {
        tracing::info!(media_id = %media.id, "a duplicate of a stored file was not sent again");
        return Ok(Reservation::Duplicate(Box::new(media)));
    }

    let id = MediaId::new(services.db.next_id());
    let object_key = ObjectKind::Original.key(user_id, id, &content_type);
    let multipart = request.size >= limits.multipart_threshold_bytes;
    let upload = services
        .under_user_lock(user_id, "reserve", async {
            // Under the lock the free space cannot shrink except by the thumbnailer adding
            // derivatives, which the reserving UPDATE checks again.
            let fresh = services.db.user(user_id).await?;
            if fresh.free_bytes() < request.size {
                return Err(UploadError::QuotaExceeded { size: request.size, free: fresh.free_bytes() });
            }
            let multipart_upload_id = match multipart {
                // A declared SHA-256 makes every part carry its own, checked by the store.
                true => Some(services.storage.create_multipart(&object_key, &content_type, sha256.is_some()).await?),
                false => None,
            };
            let new = NewUpload {
                id,
                user_id,
                album_id: access.album.id,
                filename: &filename,
                content_type: &content_type,
                size_bytes: request.size,
                object_key: &object_key,
                multipart_upload_id: multipart_upload_id.as_deref(),
                part_size: multipart.then(|| limits.part_size_for(request.size)),
                expires_at: now_ms() + millis(limits.reservation_ttl),
                declared_sha256: sha256.as_deref(),
            };
            match services.db.reserve_upload(&new).await {
                Ok(upload) => Ok(upload),
                Err(err) => {
                    if let Some(upload_id) = &multipart_upload_id
                        && let Err(abort) = services.storage.abort_multipart(&object_key, upload_id).await
                    {
                        tracing::warn!(error = %abort, "could not abort a refused multipart upload; the lifecycle rule will");
                    }
                    Err(match err {
                        ReserveError::QuotaExceeded { free_bytes } => {
                            UploadError::QuotaExceeded { size: request.size, free: free_bytes }
                        }
                        ReserveError::Db(db) => db.into(),
                    })
                }
            }
        })
        .await?;
    tracing::info!(upload_id = %upload.id, size = upload.size_bytes, multipart, "upload reserved");
    Ok(Reservation::Send(send_instructions(services, &upload, &[]).await?))
}

/// One of the caller's unfinished uploads as the store has it, with fresh URLs for what has not
/// arrived: any device can continue it after a reload, a closed tab or expired URLs, sending
/// only the missing parts, under the same reservation.
pub async fn progress(services: &Services, user_id: UserId, upload_id: MediaId) -> Result<UploadProgress, UploadError> {
    let upload = own_upload(services, user_id, upload_id).await?;
    Ok(progress_of(services, upload).await?)
}

/// The caller's unfinished uploads, newest first, after the `before` id.
pub async fn unfinished(
    services: &Services,
    user_id: UserId,
    before: Option<MediaId>,
    limit: i64,
) -> Result<Vec<UploadProgress>, UploadError> {
    let mut found = Vec::new();
    for upload in services.db.uploads_of(user_id, before, limit).await? {
        found.push(progress_of(services, upload).await?);
    }
    Ok(found)
}

/// An unfinished upload: what the store holds of it, and how to send the rest.
#[derive(Clone, Debug)]
pub struct UploadProgress {
    pub upload: Upload,
    /// The parts the store holds (a multipart upload); empty for a single PUT.
    pub parts_done: Vec<StoredPart>,
    /// Every byte is in the store (the object of a single PUT, or every part): only the complete
    /// is left.
    pub arrived: bool,
    /// URLs for what has not arrived: the missing parts, or the PUT.
    pub send: SendInstructions,
}

async fn progress_of(services: &Services, upload: Upload) -> Result<UploadProgress, StorageError> {
    let storage = &services.storage;
    let (parts_done, arrived) = match &upload.multipart_upload_id {
        Some(store_upload_id) => {
            let parts = parts_held(services, &upload.object_key, store_upload_id).await?;
            let all = parts.len() as i64 == part_count(&upload);
            (parts, all)
        }
        None => match storage.head(&upload.object_key).await {
            Ok(_) => (Vec::new(), true),
            Err(err) if err.is_not_found() => (Vec::new(), false),
            Err(err) => return Err(err),
        },
    };
    let done: Vec<i32> = parts_done.iter().map(|part| part.number).collect();
    let send = send_instructions(services, &upload, &done).await?;
    Ok(UploadProgress { upload, parts_done, arrived, send })
}

/// The parts the store holds of a multipart upload; none once the store finished or forgot it.
async fn parts_held(services: &Services, key: &str, store_upload_id: &str) -> Result<Vec<StoredPart>, StorageError> {
    match services.storage.list_parts(key, store_upload_id).await {
        Err(err) if err.is_not_found() => Ok(Vec::new()),
        listed => listed,
    }
}

fn part_count(upload: &Upload) -> i64 {
    upload.part_size.map_or(1, |part_size| (upload.size_bytes + part_size - 1) / part_size)
}

/// The size of a part of a multipart upload, or None when it has no such part.
fn part_size_of(upload: &Upload, part_number: i32) -> Option<i64> {
    let part_size = upload.part_size?;
    upload.multipart_upload_id.as_ref()?;
    (1..=part_count(upload))
        .contains(&i64::from(part_number))
        .then(|| part_size.min(upload.size_bytes - i64::from(part_number - 1) * part_size))
}

/// A URL for one part of one of the caller's uploads, signed with the part's SHA-256: the store
/// refuses other bytes (the client sends the same part again).
pub async fn part_url(
    services: &Services,
    user_id: UserId,
    upload_id: MediaId,
    part_number: i32,
    sha256: &str,
) -> Result<PartRequest, UploadError> {
    let sha256 = Sha256::parse_hex(sha256).ok_or(UploadError::BadChecksum)?;
    let upload = own_upload(services, user_id, upload_id).await?;
    let (Some(store_upload_id), Some(size)) = (&upload.multipart_upload_id, part_size_of(&upload, part_number)) else {
        return Err(UploadError::NoSuchPart(part_number));
    };
    let ttl = services.config.limits.upload_url_ttl;
    let signed = services
        .storage
        .presign_part(&upload.object_key, store_upload_id, part_number, size, Some(sha256), ttl)
        .await?;
    Ok(PartRequest { part_number, size, signed, expires_at: now_ms() + millis(ttl) })
}

/// URLs for sending an upload's bytes, leaving out the parts in `done`.
async fn send_instructions(
    services: &Services,
    upload: &Upload,
    done: &[i32],
) -> Result<SendInstructions, StorageError> {
    let storage = &services.storage;
    let ttl = services.config.limits.upload_url_ttl;
    let expires_at = now_ms() + millis(ttl);
    let method = match (&upload.multipart_upload_id, upload.part_size) {
        (Some(store_upload_id), Some(part_size)) => {
            let count = part_count(upload);
            let mut parts = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
            for part_number in 1..=i32::try_from(count).unwrap_or(i32::MAX) {
                let Some(size) = part_size_of(upload, part_number).filter(|_| !done.contains(&part_number)) else {
                    continue;
                };
                let url = match upload.checksummed_parts() {
                    true => None,
                    false => Some(
                        storage
                            .presign_part(&upload.object_key, store_upload_id, part_number, size, None, ttl)
                            .await?
                            .url,
                    ),
                };
                parts.push(PartUrl { part_number, url, size });
            }
            SendMethod::Multipart { part_size, parts }
        }
        _ => SendMethod::Put(
            storage
                .presign_put(&upload.object_key, upload.size_bytes, &upload.content_type, upload.declared_sha256(), ttl)
                .await?,
        ),
    };
    Ok(SendInstructions { upload_id: upload.id, expires_at, method })
}

/// Finishes an upload under the user's lock: the store's multipart upload is completed with the
/// given parts (or the ones the store lists), the object's real size is charged instead of the
/// reservation, and `media.uploaded` goes out so the thumbnailer starts. Completing twice returns
/// the media the first call made.
pub async fn complete(
    services: &Services,
    user_id: UserId,
    upload_id: MediaId,
    parts: Option<Vec<(i32, String)>>,
) -> Result<Completed, UploadError> {
    complete_with_hints(services, user_id, upload_id, parts, &MetadataHints::default()).await
}

/// [`complete`] with what an import's sidecar says of the file (#18): its date and place until the
/// thumbnailer reads the file, and after that only where the file says nothing (its EXIF wins).
pub async fn complete_with_hints(
    services: &Services,
    user_id: UserId,
    upload_id: MediaId,
    parts: Option<Vec<(i32, String)>>,
    hints: &MetadataHints,
) -> Result<Completed, UploadError> {
    let completed = services
        .under_user_lock(user_id, "complete", complete_locked(services, user_id, upload_id, parts, hints))
        .await?;
    if completed.created {
        let media = &completed.media;
        publish_uploaded(services, media.id).await;
        services.metrics.uploads_completed.inc();
        services.metrics.upload_bytes.inc_by(u64::try_from(media.size_bytes).unwrap_or_default());
        tracing::info!(media_id = %media.id, size = media.size_bytes, "upload completed");
    }
    Ok(completed)
}

/// Best effort: the outbox row written with the media makes the relay publish it if this fails.
pub(crate) async fn publish_uploaded(services: &Services, media_id: MediaId) {
    let event = Event::MediaUploaded { media_id };
    if matches!(services.events, EventBus::LeftInOutbox) {
        return;
    }
    match services.events.publish(&event).await {
        Ok(()) => {
            if let Err(err) = services.db.mark_media_event_published(&event).await {
                tracing::warn!(error = %err, "event published but not marked; it will be published again");
            }
        }
        Err(err) => tracing::warn!(error = %err, %media_id, "event not published now; the outbox relay will"),
    }
}

async fn complete_locked(
    services: &Services,
    user_id: UserId,
    upload_id: MediaId,
    parts: Option<Vec<(i32, String)>>,
    hints: &MetadataHints,
) -> Result<Completed, UploadError> {
    let upload = match own_upload(services, user_id, upload_id).await {
        Ok(upload) => upload,
        Err(UploadError::Db(DbError::NotFound)) => {
            // Already completed: the reservation became this media.
            let (media, _) = services.db.media_for_user(upload_id, user_id).await?;
            if media.owner_id != user_id {
                return Err(DbError::NotFound.into());
            }
            return Ok(Completed { media, created: false });
        }
        Err(other) => return Err(other),
    };

    if let Some(store_upload_id) = &upload.multipart_upload_id {
        // The parts of a checksummed upload are named with their checksums, which only the
        // store's own list has.
        let parts: Vec<CompletedPartRef> = match parts.filter(|_| !upload.checksummed_parts()) {
            Some(parts) => {
                parts.into_iter().map(|(number, etag)| CompletedPartRef { number, etag, sha256: None }).collect()
            }
            None => {
                parts_held(services, &upload.object_key, store_upload_id).await?.into_iter().map(Into::into).collect()
            }
        };
        match services.storage.complete_multipart(&upload.object_key, store_upload_id, &parts).await {
            // NotFound: an earlier complete finished it before crashing; the HEAD below decides.
            Ok(()) | Err(StorageError::NotFound) => {}
            Err(StorageError::Refused { code, message }) => return Err(UploadError::PartsMissing { code, message }),
            Err(other) => return Err(other.into()),
        }
    }

    let object = match services.storage.head(&upload.object_key).await {
        Ok(object) => object,
        Err(StorageError::NotFound) => return Err(UploadError::NotArrived),
        Err(other) => return Err(other.into()),
    };
    if object.size > upload.size_bytes {
        release(services, &upload).await?;
        tracing::warn!(
            upload_id = %upload.id,
            declared = upload.size_bytes,
            actual = object.size,
            "upload larger than declared, refused"
        );
        return Err(UploadError::LargerThanDeclared { declared: upload.size_bytes, actual: object.size });
    }

    let new = NewMedia {
        id: upload.id,
        album_id: upload.album_id,
        owner_id: upload.user_id,
        kind: MediaKind::of_content_type(&upload.content_type),
        filename: &upload.filename,
        content_type: &upload.content_type,
        size_bytes: object.size,
        object_key: &upload.object_key,
        taken_at: hints.taken_at.unwrap_or_else(now_ms),
        declared_sha256: upload.declared_sha256.as_deref(),
        hints,
    };
    let media = services.db.complete_upload(&upload, &new).await?;
    Ok(Completed { media, created: true })
}

/// Cancels one of the caller's uploads: its parts or object are deleted and the reserved bytes
/// given back.
pub async fn abort(services: &Services, user_id: UserId, upload_id: MediaId) -> Result<(), UploadError> {
    services
        .under_user_lock(user_id, "release", async {
            let upload = own_upload(services, user_id, upload_id).await?;
            release(services, &upload).await
        })
        .await
}

/// Releases reservations whose upload never completed, batch by batch, each under its owner's
/// lock so a late complete cannot race it. Returns how many it released.
pub async fn sweep_expired(services: &Services, batch: i64) -> Result<u64, UploadError> {
    let mut swept = 0;
    loop {
        let expired = services.db.expired_uploads(now_ms(), batch).await?;
        if expired.is_empty() {
            return Ok(swept);
        }
        for upload in &expired {
            services.under_user_lock(upload.user_id, "sweep", release(services, upload)).await?;
            swept += 1;
        }
    }
}

/// Deletes what the store holds of an upload and gives its reserved bytes back. The caller holds
/// the user's lock.
async fn release(services: &Services, upload: &Upload) -> Result<(), UploadError> {
    services.storage.discard_upload(&upload.object_key, upload.multipart_upload_id.as_deref()).await?;
    services.db.release_upload(upload).await?;
    Ok(())
}

/// The upload if it is the caller's; someone else's is "not found", as if it did not exist.
async fn own_upload(services: &Services, user_id: UserId, upload_id: MediaId) -> Result<Upload, UploadError> {
    let upload = services.db.upload(upload_id).await?;
    if upload.user_id != user_id {
        return Err(DbError::NotFound.into());
    }
    Ok(upload)
}

/// The last path component a browser or phone may have sent, without control characters, if
/// 1 to 255 characters remain.
pub fn clean_filename(raw: &str) -> Option<String> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    (1..=255).contains(&name.chars().count()).then_some(name)
}

/// Sizes as a person reads them: "2.5 MB".
pub fn human_bytes(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{value:.1} {}", UNITS[unit]) }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filename_keeps_its_last_component_without_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\Mum\\IMG 1.jpg").as_deref(), Some("IMG 1.jpg"));
        assert_eq!(clean_filename("dcim/a\u{7}b.jpg ").as_deref(), Some("ab.jpg"));
        assert_eq!(clean_filename("photos/"), None);
        assert_eq!(clean_filename(&"x".repeat(256)), None);
    }

    #[test]
    fn sizes_read_as_a_person_says_them() {
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(2_500_000), "2.5 MB");
        assert_eq!(human_bytes(-5), "-5 bytes");
    }
}
