//! The connections a process needs, built once from configuration. Each binary builds one; tests
//! build as many as they like (there is no global state).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::cdn::{CloudFrontInvalidator, CloudFrontSigner, Invalidator};
use crate::config::{Config, ExposeSecret, StorageConfig};
use crate::db::Db;
use crate::events::{EventBus, LocalEvents};
use crate::id::UserId;
use crate::lock::UserLocks;
use crate::metrics::{Metrics, Outcome};
use crate::notifier::Notifier;
use crate::storage::Storage;
use crate::view_urls::ViewUrls;

#[derive(Clone)]
pub struct Services {
    pub config: Config,
    pub db: Db,
    pub storage: Storage,
    pub locks: UserLocks,
    pub events: EventBus,
    pub redis: Option<redis::aio::ConnectionManager>,
    /// The origin browsers fetch objects from (for the web album's Content-Security-Policy).
    pub storage_origin: Option<String>,
    /// Wakes the in-process purge job when someone empties their trash.
    pub purge_requested: Arc<Notify>,
    pub view_urls: ViewUrls,
    /// CloudFront invalidations, when a distribution is configured.
    pub invalidator: Option<Arc<dyn Invalidator>>,
    pub metrics: Arc<Metrics>,
    /// Real-time signals to open browsers.
    pub notifier: Notifier,
}

impl Services {
    /// Connects to everything the configuration names, starting the embedded S3 endpoint when no
    /// S3 is configured. Returns the in-process event queue's receiver when there is no Redis.
    pub async fn connect(
        config: Config,
        shutdown: CancellationToken,
    ) -> anyhow::Result<(Services, Option<LocalEvents>)> {
        // TLS to PostgreSQL (RDS) and Redis (ElastiCache) goes through rustls, which needs one
        // process-wide crypto provider when several are compiled in (the AWS SDK brings its own).
        // Installing it twice is harmless, so every process and test can call this.
        let _ = rustls::crypto::ring::default_provider().install_default();
        crate::private_files::private_dir(&config.data_dir)
            .with_context(|| format!("cannot create PICUP_DATA_DIR {}", config.data_dir.display()))?;

        let db = Db::connect(config.database_url.expose_secret())
            .await
            .context("cannot open the database (DATABASE_URL)")?;

        let (storage, storage_origin) = connect_storage(&config, shutdown).await?;
        let metrics = Metrics::new();
        let Messaging { locks, events, redis, local_events, notifier } = Messaging::connect(&config, &metrics).await?;
        let (signer, invalidator) = connect_cdn(&config).await?;
        let storage_origin = Some(match &signer {
            Some(signer) => origin_of(&signer.resource_url("")),
            None => origin_of(&storage_origin),
        });
        let view_urls = ViewUrls::new(
            storage.clone(),
            signer,
            config.limits.view_url_ttl,
            redis.clone().map(|connection| (connection, config.redis_prefix.clone())),
        );
        let purge_requested = Arc::new(Notify::new());
        Ok((
            Services {
                config,
                db,
                storage,
                locks,
                events,
                redis,
                storage_origin,
                purge_requested,
                view_urls,
                invalidator,
                metrics,
                notifier,
            },
            local_events,
        ))
    }

    /// Runs `work` under the user's lock, the one that serialises changes to their quota, waiting
    /// at most the configured time for it; releases it after `work` (and its transaction) ended,
    /// and counts the outcome in `picup_quota_operations_total{operation}`.
    pub async fn under_user_lock<T, E>(
        &self,
        user_id: UserId,
        operation: &'static str,
        work: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, E>
    where
        E: From<crate::lock::LockError> + Outcome,
    {
        let result = match self.locks.acquire(user_id, self.config.limits.lock_wait).await {
            Ok(guard) => {
                let result = work.await;
                guard.release().await;
                result
            }
            Err(err) => Err(err.into()),
        };
        self.metrics.count_quota(operation, result.as_ref().map_or_else(Outcome::outcome, |_| "ok"));
        result
    }

    /// Checks every backend a request depends on, for `/readyz`.
    pub async fn check_ready(&self) -> Result<(), String> {
        self.db.ping().await.map_err(|e| format!("database: {e}"))?;
        self.storage.ping().await.map_err(|e| format!("object store: {e}"))?;
        if let Some(redis) = &self.redis {
            let mut connection = redis.clone();
            let _: String = redis::cmd("PING").query_async(&mut connection).await.map_err(|e| format!("redis: {e}"))?;
        }
        Ok(())
    }
}

/// The object store: S3, or the embedded endpoint over the data folder (started here). Returns
/// it with the origin browsers fetch from.
async fn connect_storage(config: &Config, shutdown: CancellationToken) -> anyhow::Result<(Storage, String)> {
    let (storage, embedded, storage_origin) = match &config.storage {
        StorageConfig::S3(s3) => {
            let origin = s3
                .public_endpoint
                .clone()
                .or_else(|| s3.endpoint.clone())
                .unwrap_or_else(|| format!("https://{}.s3.{}.amazonaws.com", s3.bucket, s3.region));
            (Storage::connect(s3, &config.storage_resilience).await, false, origin)
        }
        StorageConfig::Embedded { addr, public_endpoint } => {
            let embedded = crate::embedded_s3::start(
                &config.data_dir,
                *addr,
                public_endpoint.clone(),
                &config.public_url,
                shutdown,
            )
            .await?;
            let origin = embedded.config.public_endpoint.clone().unwrap_or_default();
            (Storage::connect(&embedded.config, &config.storage_resilience).await, true, origin)
        }
    };
    if embedded {
        storage.ensure_bucket().await.context("cannot create the embedded bucket")?;
    }
    Ok((storage, storage_origin))
}

/// The per-user lock, the event queue and the browser notifier: on Redis when it is configured,
/// in this process otherwise.
struct Messaging {
    locks: UserLocks,
    events: EventBus,
    redis: Option<redis::aio::ConnectionManager>,
    local_events: Option<LocalEvents>,
    notifier: Notifier,
}

impl Messaging {
    async fn connect(config: &Config, metrics: &Arc<Metrics>) -> anyhow::Result<Messaging> {
        Ok(match &config.redis_url {
            Some(url) => {
                let url = url.expose_secret();
                let client = redis::Client::open(url).context("REDIS_URL is not a valid Redis URL")?;
                // Bounded waits: a Redis that hangs must not hang requests (they answer 503).
                let manager_config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_secs(3)))
                    .set_response_timeout(Some(Duration::from_secs(3)))
                    .set_number_of_retries(2);
                let connection = redis::aio::ConnectionManager::new_with_config(client, manager_config)
                    .await
                    .context("cannot reach Redis (REDIS_URL)")?;
                let locks = UserLocks::redis(url, &config.redis_prefix, connection.clone(), metrics.clone())?;
                let events = EventBus::redis(connection.clone(), &config.redis_prefix).await;
                let notifier = Notifier::redis(url, &config.redis_prefix, connection.clone());
                Messaging { locks, events, redis: Some(connection), local_events: None, notifier }
            }
            None => {
                let (events, receiver) = EventBus::local();
                Messaging {
                    locks: UserLocks::local(metrics.clone()),
                    events,
                    redis: None,
                    local_events: Some(receiver),
                    notifier: Notifier::local(),
                }
            }
        })
    }
}

/// CloudFront's URL signer and invalidator, when a distribution is configured.
async fn connect_cdn(config: &Config) -> anyhow::Result<(Option<CloudFrontSigner>, Option<Arc<dyn Invalidator>>)> {
    let Some(cdn) = &config.cdn else { return Ok((None, None)) };
    let signer = CloudFrontSigner::new(
        &cdn.domain,
        &cdn.key_pair_id,
        cdn.private_key_pem.expose_secret(),
        cdn.ip_range.clone(),
    )?;
    let invalidator: Option<Arc<dyn Invalidator>> = match &cdn.distribution_id {
        Some(id) => Some(Arc::new(CloudFrontInvalidator::new(id).await)),
        None => None,
    };
    Ok((Some(signer), invalidator))
}

/// `scheme://host[:port]` of a URL (a CSP source must not carry a path).
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or_default()),
        None => url.to_owned(),
    }
}
