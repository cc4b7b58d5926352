//! One facade over the object store. The same aws-sdk-s3 code talks to AWS S3, any S3-compatible
//! store, and the embedded endpoint; keys are made here, never from a file name.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation, retry::RetryConfig,
    timeout::TimeoutConfig,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};

use crate::breaker::Breaker;
use crate::checksum::Sha256;
use crate::config::ExposeSecret;
use crate::config::{S3Config, StorageResilience};
use crate::db::QuarterTurns;
use crate::id::{MediaId, UserId};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("object not found")]
    NotFound,
    #[error("object store refused the request: {code}: {message}")]
    Refused { code: String, message: String },
    #[error("object store unreachable: {0}")]
    Unavailable(String),
    #[error("cannot sign URL: {0}")]
    Presign(String),
}

impl StorageError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound)
    }

    fn from_sdk<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
        err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> Self {
        if let SdkError::ServiceError(service) = err {
            let status = service.raw().status().as_u16();
            if status == 404 {
                return StorageError::NotFound;
            }
            // Still failing after the SDK's retries: the store is down, not refusing us.
            if status >= 500 {
                return StorageError::Unavailable(format!("object store answered {status}"));
            }
            let e = service.err();
            return match e.code() {
                Some("NoSuchKey" | "NoSuchUpload" | "NotFound") => StorageError::NotFound,
                code => StorageError::Refused {
                    code: code.unwrap_or("unknown").to_owned(),
                    message: e.message().unwrap_or_default().to_owned(),
                },
            };
        }
        StorageError::Unavailable(aws_sdk_s3::error::DisplayErrorContext(err).to_string())
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// The kinds of object picup stores. The kind decides the key and how long browsers may cache it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Original,
    Thumbnail,
    Preview,
    Poster,
    Playable,
    /// A motion photo's video, cut out of the photo.
    Motion,
}

impl ObjectKind {
    /// Server-made keys: the uploader and media id, never the file name.
    pub fn key(self, owner_id: UserId, media_id: MediaId, content_type: &str) -> String {
        match self {
            ObjectKind::Original => format!("originals/{owner_id}/{media_id}.{}", extension_for(content_type)),
            ObjectKind::Thumbnail => format!("derivatives/{owner_id}/{media_id}/thumb.webp"),
            ObjectKind::Preview => format!("derivatives/{owner_id}/{media_id}/preview.jpg"),
            ObjectKind::Poster => format!("derivatives/{owner_id}/{media_id}/poster.jpg"),
            ObjectKind::Playable => format!("derivatives/{owner_id}/{media_id}/play.mp4"),
            ObjectKind::Motion => format!("derivatives/{owner_id}/{media_id}/motion.mp4"),
        }
    }

    /// A thumbnail's, preview's or poster's key for media a member turned: each turn has its own
    /// (`thumb-r90.webp`), so no cache ever serves one turn's image for another's. Unturned, and
    /// for every other kind, [`ObjectKind::key`].
    pub fn turned_key(self, owner_id: UserId, media_id: MediaId, turns: QuarterTurns) -> String {
        let key = self.key(owner_id, media_id, "");
        let turnable = matches!(self, ObjectKind::Thumbnail | ObjectKind::Preview | ObjectKind::Poster);
        match key.rsplit_once('.') {
            Some((stem, extension)) if turnable && turns.get() != 0 => {
                format!("{stem}-r{}.{extension}", turns.degrees())
            }
            _ => key,
        }
    }

    /// The media (or upload: they share the id) a server-made key belongs to; `None` for a key
    /// picup did not make.
    pub fn media_id_of(key: &str) -> Option<MediaId> {
        let mut segments = key.split('/');
        let id = match (segments.next()?, segments.next()?, segments.next()?, segments.next()) {
            ("originals", _, file, None) => file.split_once('.')?.0,
            ("derivatives", _, id, Some(_)) => id,
            _ => return None,
        };
        id.parse().ok()
    }

    /// Derivatives are rewritten under the same key only with the same content, so they are
    /// immutable to caches; originals never change either.
    pub fn cache_control(self) -> &'static str {
        "private, max-age=31536000, immutable"
    }
}

pub fn extension_for(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/heic" => "heic",
        "image/heif" => "heif",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        _ => "bin",
    }
}

/// A URL the browser calls with the given method and headers.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SignedRequest {
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
}

/// A part of a multipart upload as the store holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPart {
    pub number: i32,
    pub etag: String,
    pub size: i64,
    /// The part's checksum, when its upload is checksummed and the store reports it.
    pub sha256: Option<Sha256>,
}

/// A part named on complete: its number and ETag, and its SHA-256 for a checksummed upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedPartRef {
    pub number: i32,
    pub etag: String,
    pub sha256: Option<Sha256>,
}

impl From<StoredPart> for CompletedPartRef {
    fn from(part: StoredPart) -> Self {
        Self { number: part.number, etag: part.etag, sha256: part.sha256 }
    }
}

/// An object as a listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    /// When it was last written, in epoch milliseconds.
    pub modified_ms: i64,
}

#[derive(Clone, Debug)]
pub struct ObjectInfo {
    pub size: i64,
    pub content_type: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Storage {
    client: Client,
    /// Signs URLs with the endpoint browsers can reach.
    public_client: Client,
    bucket: String,
    /// Shared by every clone: a dead store fails calls at once instead of tying up each request.
    breaker: Arc<Breaker>,
}

impl Storage {
    pub async fn connect(config: &S3Config, resilience: &StorageResilience) -> Self {
        let credentials = config
            .credentials
            .as_ref()
            .map(|(id, secret)| Credentials::new(id, secret.expose_secret(), None, None, "picup-config"));
        let shared = match credentials {
            Some(_) => None,
            None => Some(aws_config::defaults(BehaviorVersion::latest()).load().await),
        };
        let build = |endpoint: Option<&String>| {
            let mut builder = match &shared {
                Some(shared) => aws_sdk_s3::config::Builder::from(shared),
                None => aws_sdk_s3::config::Builder::new().behavior_version(BehaviorVersion::latest()),
            };
            builder = builder
                .region(Region::new(config.region.clone()))
                .force_path_style(config.force_path_style)
                // Standard retries: transient errors (5xx, throttling, timeouts, cut connections)
                // are tried again with exponential backoff and full jitter.
                .retry_config(RetryConfig::standard().with_max_attempts(resilience.max_attempts))
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(resilience.connect_timeout)
                        // A store that accepts and then says nothing: no byte for this long.
                        // Big bodies keep flowing, so they are bounded by the attempt timeout.
                        .read_timeout(resilience.read_timeout)
                        .operation_attempt_timeout(Duration::from_secs(300))
                        .build(),
                )
                // Checksums the SDK would add on its own end up in presigned URLs, where a
                // browser cannot supply them.
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
            if let Some(credentials) = &credentials {
                builder = builder.credentials_provider(credentials.clone());
            }
            if let Some(endpoint) = endpoint {
                builder = builder.endpoint_url(endpoint);
            }
            Client::from_conf(builder.build())
        };
        let client = build(config.endpoint.as_ref());
        let public_client = build(config.public_endpoint.as_ref().or(config.endpoint.as_ref()));
        let breaker = Arc::new(Breaker::new(resilience.breaker_threshold, resilience.breaker_cooldown));
        Storage { client, public_client, bucket: config.bucket.clone(), breaker }
    }

    /// Whether the store is known to be down (calls are being refused without trying).
    pub fn is_failing(&self) -> bool {
        self.breaker.is_open()
    }

    /// Every call that goes to the store passes the breaker; presigning does not (it is local).
    async fn call<T>(&self, operation: impl Future<Output = StorageResult<T>>) -> StorageResult<T> {
        if let Err(wait) = self.breaker.admit() {
            return Err(StorageError::Unavailable(format!(
                "object store failing; calls paused for {} s",
                wait.as_secs_f64().ceil()
            )));
        }
        let result = operation.await;
        self.breaker.record(!matches!(result, Err(StorageError::Unavailable(_))));
        result
    }

    /// Sends one SDK request through the breaker.
    async fn send<T, E>(
        &self,
        request: impl Future<Output = Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>>,
    ) -> StorageResult<T>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.call(async { request.await.map_err(|e| StorageError::from_sdk(&e)) }).await
    }

    async fn get_object(&self, key: &str) -> StorageResult<aws_sdk_s3::operation::get_object::GetObjectOutput> {
        self.send(self.client.get_object().bucket(&self.bucket).key(key).send()).await
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Creates the bucket if it is missing (embedded mode only; in production Terraform makes it).
    pub async fn ensure_bucket(&self) -> StorageResult<()> {
        if self.client.head_bucket().bucket(&self.bucket).send().await.is_ok() {
            return Ok(());
        }
        self.client.create_bucket().bucket(&self.bucket).send().await.map_err(|e| StorageError::from_sdk(&e))?;
        Ok(())
    }

    pub async fn ping(&self) -> StorageResult<()> {
        self.send(self.client.head_bucket().bucket(&self.bucket).send()).await?;
        Ok(())
    }

    /// A presigned PUT whose signature covers the size and content type, so the browser cannot
    /// send more bytes or another type than it reserved; with a SHA-256, the store refuses bytes
    /// that are not the ones it names (the browser sends it as a signed `x-amz-checksum-sha256`).
    pub async fn presign_put(
        &self,
        key: &str,
        size: i64,
        content_type: &str,
        sha256: Option<Sha256>,
        ttl: Duration,
    ) -> StorageResult<SignedRequest> {
        let presigned = self
            .public_client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(size)
            .content_type(content_type)
            .set_checksum_sha256(sha256.map(Sha256::to_base64))
            .presigned(presigning(SystemTime::now(), ttl)?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(signed_request(&presigned))
    }

    /// Starts a multipart upload; a `checksummed` one takes only parts that carry their SHA-256
    /// (S3 checks each, and wants them all again on complete).
    pub async fn create_multipart(&self, key: &str, content_type: &str, checksummed: bool) -> StorageResult<String> {
        let request = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .set_checksum_algorithm(checksummed.then_some(ChecksumAlgorithm::Sha256));
        let output = self.send(request.send()).await?;
        output.upload_id.ok_or_else(|| StorageError::Refused {
            code: "NoUploadId".into(),
            message: "CreateMultipartUpload answered without an upload id".into(),
        })
    }

    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: i32,
        size: i64,
        sha256: Option<Sha256>,
        ttl: Duration,
    ) -> StorageResult<SignedRequest> {
        let presigned = self
            .public_client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .content_length(size)
            .set_checksum_sha256(sha256.map(Sha256::to_base64))
            .presigned(presigning(SystemTime::now(), ttl)?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(signed_request(&presigned))
    }

    /// The parts S3 has received for a multipart upload, in order.
    /// The parts of a multipart upload the store holds, in order.
    pub async fn list_parts(&self, key: &str, upload_id: &str) -> StorageResult<Vec<StoredPart>> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let request = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.clone());
            let output = self.send(request.send()).await?;
            for part in output.parts() {
                // S3 always sends the ETag; the embedded s3s-fs leaves it out (and ignores it on
                // complete), so a missing one is passed on empty.
                if let Some(number) = part.part_number {
                    let etag = part.e_tag.clone().unwrap_or_default();
                    let sha256 = part.checksum_sha256.as_deref().and_then(Sha256::from_base64);
                    parts.push(StoredPart { number, etag, size: part.size.unwrap_or_default(), sha256 });
                }
            }
            match output.next_part_number_marker {
                Some(next) if output.is_truncated == Some(true) => marker = Some(next),
                _ => break,
            }
        }
        parts.sort_by_key(|part| part.number);
        Ok(parts)
    }

    /// Completes with the given parts; those of a checksummed upload carry their SHA-256.
    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPartRef],
    ) -> StorageResult<()> {
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|part| {
                        CompletedPart::builder()
                            .part_number(part.number)
                            .e_tag(&part.etag)
                            .set_checksum_sha256(part.sha256.map(Sha256::to_base64))
                            .build()
                    })
                    .collect(),
            ))
            .build();
        let request = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(completed);
        self.send(request.send()).await?;
        Ok(())
    }

    /// Aborting an upload that is already gone is not an error.
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> StorageResult<()> {
        self.call(async {
            missing_is_fine(
                self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(upload_id).send().await,
            )
        })
        .await
    }

    pub async fn head(&self, key: &str) -> StorageResult<ObjectInfo> {
        let output = self.send(self.client.head_object().bucket(&self.bucket).key(key).send()).await?;
        Ok(ObjectInfo { size: output.content_length.unwrap_or_default(), content_type: output.content_type })
    }

    /// Deleting a missing object is not an error (S3 says the same).
    pub async fn delete(&self, key: &str) -> StorageResult<()> {
        self.call(async { missing_is_fine(self.client.delete_object().bucket(&self.bucket).key(key).send().await) })
            .await
    }

    /// Removes whatever an unfinished upload left: its multipart parts and any object.
    pub async fn discard_upload(&self, key: &str, multipart_upload_id: Option<&str>) -> StorageResult<()> {
        if let Some(upload_id) = multipart_upload_id {
            self.abort_multipart(key, upload_id).await?;
        }
        self.delete(key).await
    }

    pub async fn put(&self, key: &str, body: Vec<u8>, content_type: &str, kind: ObjectKind) -> StorageResult<()> {
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .cache_control(kind.cache_control())
            .body(ByteStream::from(body));
        self.send(request.send()).await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> StorageResult<Vec<u8>> {
        let output = self.get_object(key).await?;
        let bytes = output.body.collect().await.map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }

    /// An object's bytes as they arrive, for passing on without holding them.
    pub async fn reader(&self, key: &str) -> StorageResult<impl tokio::io::AsyncRead + Send + Unpin + use<>> {
        Ok(self.get_object(key).await?.body.into_async_read())
    }

    /// Streams an object into a file (videos can be far larger than memory should hold).
    pub async fn download_to(&self, key: &str, path: &std::path::Path) -> StorageResult<u64> {
        let output = self.get_object(key).await?;
        let mut file =
            tokio::fs::File::create(path).await.map_err(|e| StorageError::Unavailable(format!("temp file: {e}")))?;
        let mut body = output.body.into_async_read();
        let copied =
            tokio::io::copy(&mut body, &mut file).await.map_err(|e| StorageError::Unavailable(e.to_string()))?;
        Ok(copied)
    }

    /// One page (up to 1000) of the objects under `prefix`, and the token for the next page.
    pub async fn list_page(
        &self,
        prefix: &str,
        continuation: Option<String>,
    ) -> StorageResult<(Vec<StoredObject>, Option<String>)> {
        let request = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_continuation_token(continuation)
            .send();
        let output = self.send(request).await?;
        let objects = output
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|object| {
                let key = object.key?;
                let modified_ms = object.last_modified.and_then(|time| time.to_millis().ok()).unwrap_or(0);
                Some(StoredObject { key, modified_ms })
            })
            .collect();
        let next = if output.is_truncated == Some(true) { output.next_continuation_token } else { None };
        Ok((objects, next))
    }

    /// A view URL that stays the same for a whole time window, so listing twice gives the same
    /// URL and the browser cache works. It is valid for at least `ttl` after it is handed out.
    /// A URL that saves the object under `filename` instead of opening it (`Content-Disposition:
    /// attachment`), valid for `ttl`.
    pub async fn presign_download(&self, key: &str, filename: &str, ttl: Duration) -> StorageResult<String> {
        let presigned = self
            .public_client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(attachment(filename))
            .presigned(presigning(SystemTime::now(), ttl)?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(presigned.uri().to_owned())
    }

    pub async fn presign_get(&self, key: &str, ttl: Duration, kind: ObjectKind) -> StorageResult<String> {
        let window = ttl.as_secs().max(1);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let start = UNIX_EPOCH + Duration::from_secs(now - now % window);
        let presigned = self
            .public_client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_cache_control(kind.cache_control())
            .presigned(presigning(start, Duration::from_secs(2 * window))?)
            .await
            .map_err(|e| StorageError::Presign(e.to_string()))?;
        Ok(presigned.uri().to_owned())
    }
}

/// `attachment` with the name twice (RFC 6266): plain for old browsers (non-ASCII and quotes
/// replaced), and UTF-8 for the rest ("제주 2019.jpg" stays itself).
pub fn attachment(filename: &str) -> String {
    let plain: String = filename
        .chars()
        .map(|c| {
            let keep = c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\');
            if keep { c } else { '_' }
        })
        .collect();
    let mut encoded = String::new();
    for byte in filename.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}")
}

/// For deletes and aborts: the thing being gone already is what we wanted.
fn missing_is_fine<T, E>(result: Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>) -> StorageResult<()>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result.map_err(|e| StorageError::from_sdk(&e)) {
        Ok(_) | Err(StorageError::NotFound) => Ok(()),
        Err(other) => Err(other),
    }
}

fn presigning(start: SystemTime, expires_in: Duration) -> StorageResult<PresigningConfig> {
    // S3 refuses presigned URLs that live longer than seven days.
    let expires_in = expires_in.min(Duration::from_secs(7 * 24 * 3600));
    PresigningConfig::builder()
        .start_time(start)
        .expires_in(expires_in)
        .build()
        .map_err(|e| StorageError::Presign(e.to_string()))
}

fn signed_request(presigned: &PresignedRequest) -> SignedRequest {
    SignedRequest {
        url: presigned.uri().to_owned(),
        // The browser sets Host and Content-Length itself and refuses to be told.
        headers: presigned
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host") && !name.eq_ignore_ascii_case("content-length"))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::ObjectKind;
    use crate::db::QuarterTurns;
    use crate::id::{MediaId, UserId};

    #[test]
    fn every_key_picup_makes_names_its_media() {
        let kinds = [ObjectKind::Original, ObjectKind::Thumbnail, ObjectKind::Preview, ObjectKind::Poster];
        for kind in kinds.into_iter().chain([ObjectKind::Playable]) {
            let key = kind.key(UserId::new(7), MediaId::new(1_234_567_890_123), "image/jpeg");
            assert_eq!(ObjectKind::media_id_of(&key), Some(MediaId::new(1_234_567_890_123)), "{key}");
        }
    }

    #[test]
    fn each_turn_has_its_own_derivative_keys() {
        let (owner, media) = (UserId::new(7), MediaId::new(12));
        let thumbnail = |turns: u8| ObjectKind::Thumbnail.turned_key(owner, media, QuarterTurns::from(turns));
        assert_eq!(thumbnail(0), ObjectKind::Thumbnail.key(owner, media, ""), "unturned keys stay as they were");
        assert_eq!(thumbnail(1), "derivatives/7/12/thumb-r90.webp");
        assert_eq!(
            ObjectKind::Preview.turned_key(owner, media, QuarterTurns::from(3)),
            "derivatives/7/12/preview-r270.jpg"
        );
        assert_eq!(thumbnail(4), thumbnail(0), "four quarter turns are none");
        assert_eq!(ObjectKind::Playable.turned_key(owner, media, QuarterTurns::from(1)), "derivatives/7/12/play.mp4");
        assert_eq!(ObjectKind::media_id_of(&thumbnail(2)), Some(media));
    }

    #[test]
    fn keys_picup_did_not_make_name_no_media() {
        for key in
            ["originals/7/x.jpg", "originals/7/12", "derivatives/7/12", "other/7/12.jpg", "originals/7/8/12.jpg", ""]
        {
            assert_eq!(ObjectKind::media_id_of(key), None, "{key}");
        }
    }
}
