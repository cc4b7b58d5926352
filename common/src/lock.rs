//! The per-user lock that serialises quota changes: rslock on Redis when several api processes
//! share a database, a tokio mutex per user otherwise. Waiting is always bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

use crate::id::UserId;
use crate::metrics::{Metrics, OperationLabels};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("timed out waiting for the lock")]
    Timeout,
    #[error("lock service unavailable: {0}")]
    Unavailable(String),
}

/// Waiters queue per user inside the process first (a fair tokio mutex); only the head of that
/// queue contends for the Redis lock, so hundreds of requests for one user do not spin on Redis.
#[derive(Clone)]
pub struct UserLocks {
    local: Arc<Mutex<HashMap<UserId, Arc<tokio::sync::Mutex<()>>>>>,
    redis: Option<RedisLock>,
    metrics: Arc<Metrics>,
}

#[derive(Clone)]
struct RedisLock {
    manager: rslock::LockManager,
    prefix: String,
    /// Tells a dead Redis from a busy lock: rslock reports both as "unavailable".
    health: redis::aio::ConnectionManager,
}

pub struct UserLockGuard {
    /// Held for as long as the guard lives; dropping it lets the next waiter in.
    _local: OwnedMutexGuard<()>,
    redis: Option<rslock::Lock>,
    /// Dropping it stops the renewals of the Redis lock.
    renewing: Option<tokio::sync::oneshot::Sender<()>>,
}

/// If a holder dies (a killed process), its lock frees itself after this. A live holder renews
/// it every third of it, so a long critical section (an S3 multipart complete of a big video)
/// keeps it however long it takes.
const REDIS_LOCK_TTL: Duration = Duration::from_secs(10);

impl UserLocks {
    pub fn local(metrics: Arc<Metrics>) -> Self {
        UserLocks { local: Arc::default(), redis: None, metrics }
    }

    pub fn redis(
        url: &str,
        prefix: &str,
        health: redis::aio::ConnectionManager,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let mut manager = rslock::LockManager::from_clients(vec![client]);
        // We retry ourselves, with a deadline; rslock's own `acquire` would loop forever.
        manager.set_retry(1, Duration::from_millis(5));
        let redis = Some(RedisLock { manager, prefix: prefix.to_owned(), health });
        Ok(UserLocks { local: Arc::default(), redis, metrics })
    }

    /// Waits at most `wait` for the user's lock.
    pub async fn acquire(&self, user_id: UserId, wait: Duration) -> Result<UserLockGuard, LockError> {
        let started = std::time::Instant::now();
        let acquired = self.acquire_until(user_id, wait).await;
        self.metrics.lock_wait_seconds.observe(started.elapsed().as_secs_f64());
        if let Err(err) = &acquired {
            let outcome = match err {
                LockError::Timeout => "timeout",
                LockError::Unavailable(_) => "unavailable",
            };
            self.metrics.lock_failures.get_or_create(&OperationLabels { operation: "acquire", outcome }).inc();
        }
        acquired
    }

    async fn acquire_until(&self, user_id: UserId, wait: Duration) -> Result<UserLockGuard, LockError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mutex = {
            let mut map = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(user_id).or_default().clone()
        };
        let local = tokio::time::timeout_at(deadline, mutex.lock_owned()).await.map_err(|_| LockError::Timeout)?;
        let (redis, renewing) = match &self.redis {
            None => (None, None),
            Some(redis) => {
                let lock = tokio::time::timeout_at(deadline, redis.acquire(user_id))
                    .await
                    .map_err(|_| LockError::Timeout)??;
                let renewing = redis.keep_renewed(&lock);
                (Some(lock), Some(renewing))
            }
        };
        Ok(UserLockGuard { _local: local, redis, renewing })
    }
}

impl RedisLock {
    async fn acquire(&self, user_id: UserId) -> Result<rslock::Lock, LockError> {
        let key = format!("{}:lock:user:{user_id}", self.prefix);
        let mut next_health_check = tokio::time::Instant::now() + HEALTH_CHECK_AFTER;
        loop {
            match self.manager.lock(key.as_bytes(), REDIS_LOCK_TTL).await {
                Ok(lock) => return Ok(lock),
                Err(rslock::LockError::Unavailable) => {
                    if tokio::time::Instant::now() >= next_health_check {
                        ping(&self.health).await?;
                        next_health_check += HEALTH_CHECK_AFTER;
                    }
                    let pause = rand::random::<u64>() % 20 + 2;
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                Err(err) => return Err(LockError::Unavailable(err.to_string())),
            }
        }
    }
}

impl RedisLock {
    /// Extends the lock every third of its TTL until the returned sender is dropped.
    fn keep_renewed(&self, lock: &rslock::Lock) -> tokio::sync::oneshot::Sender<()> {
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let held = rslock::Lock {
            resource: lock.resource.clone(),
            val: lock.val.clone(),
            validity_time: lock.validity_time,
            lock_manager: self.manager.clone(),
        };
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(REDIS_LOCK_TTL / 3) => {
                        if let Err(err) = held.lock_manager.extend(&held, REDIS_LOCK_TTL).await {
                            tracing::warn!(error = %err, "cannot renew a user lock; it may expire while held");
                        }
                    }
                }
            }
        });
        stop
    }
}

/// How long a lock may stay "unavailable" before we ask whether Redis is there at all.
const HEALTH_CHECK_AFTER: Duration = Duration::from_millis(300);

async fn ping(health: &redis::aio::ConnectionManager) -> Result<(), LockError> {
    let mut connection = health.clone();
    redis::cmd("PING")
        .query_async::<String>(&mut connection)
        .await
        .map(drop)
        .map_err(|e| LockError::Unavailable(format!("redis unreachable: {e}")))
}

impl UserLockGuard {
    /// Releases the lock; call it after the transaction committed.
    pub async fn release(mut self) {
        self.renewing.take();
        if let Some(lock) = self.redis.take() {
            lock.release().await;
        }
    }
}

/// A request whose client went away is dropped mid-way; its Redis lock must not stay held until
/// the TTL runs out (seconds in which that user could not upload), so it is released anyway.
impl Drop for UserLockGuard {
    fn drop(&mut self) {
        if let Some(lock) = self.redis.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(async move { lock.release().await });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_held_lock_makes_the_next_caller_time_out() {
        let locks = UserLocks::local(Metrics::new());
        let held = locks.acquire(UserId::new(1), Duration::from_secs(1)).await.expect("free lock");
        let waited = locks.acquire(UserId::new(1), Duration::from_millis(50)).await;
        assert!(matches!(waited, Err(LockError::Timeout)));
        assert!(locks.acquire(UserId::new(2), Duration::from_millis(50)).await.is_ok(), "other users are not blocked");
        held.release().await;
        assert!(locks.acquire(UserId::new(1), Duration::from_millis(50)).await.is_ok());
    }
}
