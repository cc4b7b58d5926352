//! Real-time "you have something new" signals to open browsers (Server-Sent Events). A signal
//! carries only the user id: the browser's stream then reads the unread count from the database,
//! so a lost or doubled signal is harmless.
//!
//! With Redis, signals go through a pub/sub channel that every api process listens to, so a like
//! handled by one replica reaches a browser connected to another. Without Redis there is one
//! process and signals stay in it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::id::UserId;
use futures::StreamExt;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct Notifier {
    subscribers: Arc<Mutex<HashMap<UserId, broadcast::Sender<()>>>>,
    redis: Option<RedisChannel>,
}

#[derive(Clone)]
struct RedisChannel {
    url: String,
    channel: String,
    connection: redis::aio::ConnectionManager,
}

impl Notifier {
    pub fn local() -> Self {
        Notifier { subscribers: Arc::default(), redis: None }
    }

    pub fn redis(url: &str, prefix: &str, connection: redis::aio::ConnectionManager) -> Self {
        let channel = format!("{prefix}:notifications");
        Notifier { subscribers: Arc::default(), redis: Some(RedisChannel { url: url.to_owned(), channel, connection }) }
    }

    /// A receiver that wakes when the user has something new.
    pub fn subscribe(&self, user_id: UserId) -> broadcast::Receiver<()> {
        let mut subscribers = self.subscribers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        subscribers.retain(|_, sender| sender.receiver_count() > 0);
        subscribers.entry(user_id).or_insert_with(|| broadcast::channel(16).0).subscribe()
    }

    /// Tells every process that these users have something new.
    pub async fn notify(&self, user_ids: &[UserId]) {
        if user_ids.is_empty() {
            return;
        }
        let Some(redis) = &self.redis else {
            user_ids.iter().for_each(|id| self.deliver(*id));
            return;
        };
        let mut connection = redis.connection.clone();
        for id in user_ids {
            let published: redis::RedisResult<i64> =
                redis::cmd("PUBLISH").arg(&redis.channel).arg(id.to_string()).query_async(&mut connection).await;
            if let Err(err) = published {
                // Browsers on this process still hear it; the others see it on their next read.
                tracing::warn!(error = %err, "cannot publish a notification signal");
                self.deliver(*id);
            }
        }
    }

    fn deliver(&self, user_id: UserId) {
        let subscribers = self.subscribers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sender) = subscribers.get(&user_id) {
            // No receiver left is fine: nobody is watching.
            let _ = sender.send(());
        }
    }

    /// Listens to the Redis channel until `shutdown`, reconnecting after failures. Without Redis
    /// there is nothing to listen to.
    pub async fn listen(self, shutdown: CancellationToken) {
        let Some(redis) = self.redis.clone() else { return };
        while !shutdown.is_cancelled() {
            match self.listen_once(&redis, &shutdown).await {
                Ok(()) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "notification channel lost; reconnecting");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
            }
        }
    }

    async fn listen_once(&self, redis: &RedisChannel, shutdown: &CancellationToken) -> redis::RedisResult<()> {
        let client = redis::Client::open(redis.url.as_str())?;
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(&redis.channel).await?;
        let mut messages = pubsub.on_message();
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                message = messages.next() => message,
            };
            let Some(message) = message else {
                return Err(redis::RedisError::from((redis::ErrorKind::Io, "subscription ended")));
            };
            let payload: String = message.get_payload()?;
            if let Ok(user_id) = payload.parse() {
                self.deliver(user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_reaches_only_the_user_it_is_for() {
        let notifier = Notifier::local();
        let mut grandma = notifier.subscribe(UserId::new(1));
        let mut grandson = notifier.subscribe(UserId::new(2));
        notifier.notify(&[UserId::new(1)]).await;
        assert!(grandma.try_recv().is_ok());
        assert!(grandson.try_recv().is_err());
    }
}
