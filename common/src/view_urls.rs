//! View URLs: CloudFront signed URLs when a CDN is configured, presigned S3 GETs otherwise. Both
//! are signed per time window so the same object keeps the same URL (and the browser its cache).
//! RSA signing costs about a millisecond, so CloudFront URLs are cached per object and window:
//! in Redis when several api processes share it, in process otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use redis::AsyncCommands;

use crate::cdn::{CloudFrontSigner, window_expiry};
use crate::storage::{ObjectKind, Storage, StorageError};

#[derive(Clone)]
pub struct ViewUrls {
    storage: Storage,
    signer: Option<CloudFrontSigner>,
    window: Duration,
    cache: UrlCache,
}

#[derive(Clone)]
enum UrlCache {
    Local(Arc<Mutex<HashMap<String, (u64, String)>>>),
    Redis { connection: redis::aio::ConnectionManager, prefix: String },
}

impl ViewUrls {
    pub fn new(
        storage: Storage,
        signer: Option<CloudFrontSigner>,
        window: Duration,
        redis: Option<(redis::aio::ConnectionManager, String)>,
    ) -> Self {
        let cache = match redis {
            Some((connection, prefix)) => UrlCache::Redis { connection, prefix },
            None => UrlCache::Local(Arc::default()),
        };
        ViewUrls { storage, signer, window, cache }
    }

    pub fn uses_cdn(&self) -> bool {
        self.signer.is_some()
    }

    pub async fn url(&self, key: &str, kind: ObjectKind) -> Result<String, StorageError> {
        let Some(signer) = &self.signer else {
            return self.storage.presign_get(key, self.window, kind).await;
        };
        let now = SystemTime::now();
        let expires = window_expiry(self.window, now);
        if let Some(url) = self.cached(key, expires).await {
            return Ok(url);
        }
        let url = signer.sign(key, self.window, now).map_err(|e| StorageError::Presign(e.to_string()))?;
        self.remember(key, expires, &url).await;
        Ok(url)
    }

    async fn cached(&self, key: &str, expires: u64) -> Option<String> {
        match &self.cache {
            UrlCache::Local(map) => {
                let map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                map.get(key).filter(|(at, _)| *at == expires).map(|(_, url)| url.clone())
            }
            UrlCache::Redis { connection, prefix } => {
                let mut connection = connection.clone();
                // A cache that is down only costs a signature.
                connection.get::<_, Option<String>>(format!("{prefix}:url:{expires}:{key}")).await.ok().flatten()
            }
        }
    }

    async fn remember(&self, key: &str, expires: u64, url: &str) {
        match &self.cache {
            UrlCache::Local(map) => {
                let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if map.len() > 100_000 {
                    map.retain(|_, (at, _)| *at == expires);
                }
                map.insert(key.to_owned(), (expires, url.to_owned()));
            }
            UrlCache::Redis { connection, prefix } => {
                let mut connection = connection.clone();
                let seconds = self.window.as_secs().max(1) * 2;
                let stored: redis::RedisResult<()> =
                    connection.set_ex(format!("{prefix}:url:{expires}:{key}"), url, seconds).await;
                if let Err(err) = stored {
                    tracing::debug!(error = %err, "cannot cache a view URL");
                }
            }
        }
    }
}
