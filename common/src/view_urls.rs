//! View URLs: CloudFront signed URLs when a CDN is configured, presigned S3 GETs otherwise. Both
//! are signed per time window so the same object keeps the same URL (and the browser its cache).
//! Signing costs tens of microseconds (S3) to a millisecond (CloudFront's RSA), and a page of 50
//! photos needs 150 URLs, so each process remembers the URLs of the current window; CloudFront
//! URLs are also shared through Redis when several api processes run.

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
    /// (kind and key) -> (window expiry, URL), this process's.
    remembered: Arc<Mutex<HashMap<String, (u64, String)>>>,
    shared: Option<(redis::aio::ConnectionManager, String)>,
}

/// Past this many URLs, those of earlier windows are forgotten.
const REMEMBER_AT_MOST: usize = 100_000;

impl ViewUrls {
    pub fn new(
        storage: Storage,
        signer: Option<CloudFrontSigner>,
        window: Duration,
        redis: Option<(redis::aio::ConnectionManager, String)>,
    ) -> Self {
        ViewUrls { storage, signer, window, remembered: Arc::default(), shared: redis }
    }

    pub fn uses_cdn(&self) -> bool {
        self.signer.is_some()
    }

    /// When the URLs signed now expire: what names the current window.
    pub fn window(&self) -> u64 {
        window_expiry(self.window, SystemTime::now())
    }

    pub async fn url(&self, key: &str, kind: ObjectKind) -> Result<String, StorageError> {
        let expires = self.window();
        let name = format!("{kind:?} {key}");
        if let Some(url) = self.recall(&name, expires) {
            return Ok(url);
        }
        let url = match &self.signer {
            None => self.storage.presign_get(key, self.window, kind).await?,
            Some(signer) => match self.shared_url(key, expires).await {
                Some(url) => url,
                None => {
                    let url = signer
                        .sign(key, self.window, SystemTime::now())
                        .map_err(|e| StorageError::Presign(e.to_string()))?;
                    self.share(key, expires, &url).await;
                    url
                }
            },
        };
        self.remember(name, expires, &url);
        Ok(url)
    }

    fn recall(&self, name: &str, expires: u64) -> Option<String> {
        let remembered = self.remembered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        remembered.get(name).filter(|(at, _)| *at == expires).map(|(_, url)| url.clone())
    }

    fn remember(&self, name: String, expires: u64, url: &str) {
        let mut remembered = self.remembered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if remembered.len() > REMEMBER_AT_MOST {
            remembered.retain(|_, (at, _)| *at == expires);
        }
        remembered.insert(name, (expires, url.to_owned()));
    }

    async fn shared_url(&self, key: &str, expires: u64) -> Option<String> {
        let (connection, prefix) = self.shared.as_ref()?;
        let mut connection = connection.clone();
        // A cache that is down only costs a signature.
        connection.get::<_, Option<String>>(format!("{prefix}:url:{expires}:{key}")).await.ok().flatten()
    }

    async fn share(&self, key: &str, expires: u64, url: &str) {
        let Some((connection, prefix)) = &self.shared else { return };
        let mut connection = connection.clone();
        let seconds = self.window.as_secs().max(1) * 2;
        let stored: redis::RedisResult<()> =
            connection.set_ex(format!("{prefix}:url:{expires}:{key}"), url, seconds).await;
        if let Err(err) = stored {
            tracing::debug!(error = %err, "cannot share a view URL");
        }
    }
}
