//! s3s-fs checks the `x-amz-checksum-sha256` of a PUT only after it has stored the bytes (a PUT
//! refused as `BadDigest` still replaces the object), and does not check a multipart part's at
//! all. This store wraps it and checks both as S3 does: bytes that are not the SHA-256 they came
//! with fail before s3s-fs keeps anything, and the answer is `BadDigest`. Every other operation
//! is s3s-fs's own.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::Stream;
use s3s::dto::*;
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};
use sha2::Digest;

use crate::checksum::Sha256;

pub struct CheckedStore {
    inner: s3s_fs::FileSystem,
}

impl CheckedStore {
    pub fn new(inner: s3s_fs::FileSystem) -> Self {
        Self { inner }
    }
}

/// Makes `body` fail at its end unless its bytes are `declared` (S3's base64 SHA-256), so s3s-fs
/// drops what it wrote; the flag tells afterwards that this is why.
fn check_body(body: &mut Option<StreamingBlob>, declared: Option<&str>) -> S3Result<Option<Arc<AtomicBool>>> {
    let Some(declared) = declared else { return Ok(None) };
    let expected = Sha256::from_base64(declared)
        .ok_or_else(|| s3_error!(InvalidDigest, "x-amz-checksum-sha256 is not a base64 SHA-256"))?;
    let inner = body.take().ok_or_else(|| s3_error!(IncompleteBody))?;
    let mismatch = Arc::new(AtomicBool::new(false));
    let checked =
        Sha256Checked { body: inner, hasher: Some(sha2::Sha256::new()), expected, mismatch: mismatch.clone() };
    *body = Some(StreamingBlob::wrap(checked));
    Ok(Some(mismatch))
}

/// The store's answer, or `BadDigest` when the body was not its checksum.
fn unless_mismatched<T>(mismatch: Option<Arc<AtomicBool>>, answer: S3Result<T>) -> S3Result<T> {
    match mismatch {
        Some(flag) if flag.load(Ordering::SeqCst) => {
            Err(s3_error!(BadDigest, "The SHA256 you specified did not match the calculated checksum."))
        }
        _ => answer,
    }
}

/// A body that fails at its end when its bytes are not the SHA-256 they came with.
struct Sha256Checked {
    body: StreamingBlob,
    hasher: Option<sha2::Sha256>,
    expected: Sha256,
    mismatch: Arc<AtomicBool>,
}

impl Stream for Sha256Checked {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match ready!(Pin::new(&mut this.body).poll_next(cx)) {
            Some(Ok(bytes)) => {
                if let Some(hasher) = this.hasher.as_mut() {
                    hasher.update(&bytes);
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Some(Err(err)) => Poll::Ready(Some(Err(io::Error::other(err)))),
            None => {
                let arrived = this.hasher.take().map(|hasher| <[u8; 32]>::from(hasher.finalize()));
                if arrived.is_some_and(|arrived| arrived != this.expected.bytes()) {
                    this.mismatch.store(true, Ordering::SeqCst);
                    return Poll::Ready(Some(Err(io::Error::other("the part is not the SHA-256 it came with"))));
                }
                Poll::Ready(None)
            }
        }
    }
}

/// The operations picup and its tests use, passed to s3s-fs as they are.
macro_rules! passed_on {
    ($($operation:ident($input:ty) -> $output:ty;)*) => {
        #[async_trait::async_trait]
        impl S3 for CheckedStore {
            async fn put_object(&self, mut req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
                let mismatch = check_body(&mut req.input.body, req.input.checksum_sha256.as_deref())?;
                unless_mismatched(mismatch, self.inner.put_object(req).await)
            }
            async fn upload_part(&self, mut req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
                let mismatch = check_body(&mut req.input.body, req.input.checksum_sha256.as_deref())?;
                unless_mismatched(mismatch, self.inner.upload_part(req).await)
            }
            /// S3 answers a signed URL's `response-*` parameters with those headers (a download's
            /// `Content-Disposition`, a view's `Cache-Control`); s3s-fs keeps only what was stored.
            async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
                let disposition = req.input.response_content_disposition.clone();
                let cache_control = req.input.response_cache_control.clone();
                let mut response = self.inner.get_object(req).await?;
                if disposition.is_some() {
                    response.output.content_disposition = disposition;
                }
                if cache_control.is_some() {
                    response.output.cache_control = cache_control;
                }
                Ok(response)
            }
            $(
                async fn $operation(&self, req: S3Request<$input>) -> S3Result<S3Response<$output>> {
                    self.inner.$operation(req).await
                }
            )*
        }
    };
}

passed_on! {
    create_bucket(CreateBucketInput) -> CreateBucketOutput;
    delete_bucket(DeleteBucketInput) -> DeleteBucketOutput;
    head_bucket(HeadBucketInput) -> HeadBucketOutput;
    list_buckets(ListBucketsInput) -> ListBucketsOutput;
    get_bucket_location(GetBucketLocationInput) -> GetBucketLocationOutput;
    head_object(HeadObjectInput) -> HeadObjectOutput;
    copy_object(CopyObjectInput) -> CopyObjectOutput;
    delete_object(DeleteObjectInput) -> DeleteObjectOutput;
    delete_objects(DeleteObjectsInput) -> DeleteObjectsOutput;
    list_objects(ListObjectsInput) -> ListObjectsOutput;
    list_objects_v2(ListObjectsV2Input) -> ListObjectsV2Output;
    create_multipart_upload(CreateMultipartUploadInput) -> CreateMultipartUploadOutput;
    upload_part_copy(UploadPartCopyInput) -> UploadPartCopyOutput;
    list_parts(ListPartsInput) -> ListPartsOutput;
    complete_multipart_upload(CompleteMultipartUploadInput) -> CompleteMultipartUploadOutput;
    abort_multipart_upload(AbortMultipartUploadInput) -> AbortMultipartUploadOutput;
}
