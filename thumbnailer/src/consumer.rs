//! The Redis Streams consumer: several thumbnailers share one consumer group; a message whose
//! consumer stopped answering is claimed by another after `claim_idle`; an item that keeps
//! failing is marked failed after `max_attempts` and its message moved to the dead-letter stream.

use std::sync::Arc;
use std::time::Duration;

use picup_common::events::{Event, media_stream};
use picup_common::services::Services;
use redis::AsyncCommands;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamInfoGroupsReply, StreamReadOptions, StreamReadReply,
};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::decode::Decoder;
use crate::job::{self, Outcome};
use picup_common::config::ExposeSecret;

pub const GROUP: &str = "thumbnailers";

/// How often the queue gauges are refreshed.
const LAG_CHECK_EVERY: Duration = Duration::from_secs(15);

pub fn dead_letter_stream(prefix: &str) -> String {
    format!("{}:dead", media_stream(prefix))
}

pub struct Consumer {
    services: Services,
    connection: redis::aio::ConnectionManager,
    /// Only for the blocking read: a multiplexed connection answers in order, so a read that
    /// waits 2 s for new events would hold up every other command sent on it (acks, locks).
    reader: redis::aio::ConnectionManager,
    stream: String,
    name: String,
    /// Its decode children stay warm between items.
    decoder: Decoder,
}

/// How long one read waits for new events.
const READ_BLOCK_MS: usize = 2000;

impl Consumer {
    pub async fn new(services: Services, name: String) -> anyhow::Result<Consumer> {
        let connection = services.redis.clone().ok_or_else(|| anyhow::anyhow!("the Redis consumer needs REDIS_URL"))?;
        let url = services.config.redis_url.as_ref().map(|u| u.expose_secret().to_owned()).unwrap_or_default();
        let reader_config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(3)))
            .set_response_timeout(Some(Duration::from_millis(READ_BLOCK_MS as u64) + Duration::from_secs(3)));
        let reader = redis::aio::ConnectionManager::new_with_config(redis::Client::open(url)?, reader_config).await?;
        let stream = media_stream(&services.config.redis_prefix);
        let decoder = Decoder::new(&services.config.thumbnailer);
        let consumer = Consumer { services, connection, reader, stream, name, decoder };
        consumer.create_group().await?;
        Ok(consumer)
    }

    /// Creates the group (and stream) unless it exists. "0": a new group also takes what was
    /// published before it existed.
    async fn create_group(&self) -> redis::RedisResult<()> {
        let mut conn = self.connection.clone();
        match conn.xgroup_create_mkstream::<_, _, _, ()>(&self.stream, GROUP, "0").await {
            Err(err) if err.code() != Some("BUSYGROUP") => Err(err),
            _ => Ok(()),
        }
    }

    /// Reads and processes until `shutdown`; items run concurrently up to the configured cap.
    pub async fn run(self, shutdown: CancellationToken) {
        let this = Arc::new(self);
        let slots = Arc::new(Semaphore::new(this.services.config.thumbnailer.concurrency));
        tracing::info!(consumer = %this.name, stream = %this.stream, "thumbnailer consuming");
        let mut next_lag_check = tokio::time::Instant::now();
        while !shutdown.is_cancelled() {
            if tokio::time::Instant::now() >= next_lag_check {
                this.measure_lag().await;
                next_lag_check += LAG_CHECK_EVERY;
            }
            let batch = tokio::select! {
                () = shutdown.cancelled() => break,
                batch = this.next_batch(slots.available_permits().max(1)) => batch,
            };
            match batch {
                Ok(messages) => {
                    for (id, event) in messages {
                        let Ok(slot) = slots.clone().acquire_owned().await else { break };
                        let this = this.clone();
                        tokio::spawn(async move {
                            this.handle(&id, event).await;
                            drop(slot);
                        });
                    }
                }
                Err(err) if err.code() == Some("NOGROUP") => {
                    // Redis restarted without persistence: the group is gone; make it again.
                    tracing::warn!("consumer group missing; creating it again");
                    if let Err(err) = this.create_group().await {
                        tracing::warn!(error = %err, "cannot create the consumer group");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the event stream; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        // Let running items finish (their messages stay pending otherwise and are claimed later).
        let _all = slots.acquire_many(this.services.config.thumbnailer.concurrency as u32).await;
        tracing::info!(consumer = %this.name, "thumbnailer stopped");
    }

    /// Messages abandoned by stopped consumers first, then new ones (waiting up to 2 s).
    pub async fn next_batch(&self, count: usize) -> redis::RedisResult<Vec<(String, Option<Event>)>> {
        let mut conn = self.connection.clone();
        let idle = self.services.config.thumbnailer.claim_idle.as_millis() as usize;
        let claimed: StreamAutoClaimReply = conn
            .xautoclaim_options(
                &self.stream,
                GROUP,
                &self.name,
                idle,
                "0-0",
                StreamAutoClaimOptions::default().count(count),
            )
            .await?;
        let mut messages: Vec<(String, Option<Event>)> =
            claimed.claimed.iter().map(|m| (m.id.clone(), decode(&m.map))).collect();
        if !messages.is_empty() {
            tracing::info!(count = messages.len(), "took over messages from a stopped thumbnailer");
            return Ok(messages);
        }
        let options = StreamReadOptions::default().group(GROUP, &self.name).count(count).block(READ_BLOCK_MS);
        let mut reader = self.reader.clone();
        let reply: Option<StreamReadReply> = reader.xread_options(&[&self.stream], &[">"], &options).await?;
        for key in reply.map(|r| r.keys).unwrap_or_default() {
            messages.extend(key.ids.into_iter().map(|m| (m.id.clone(), decode(&m.map))));
        }
        Ok(messages)
    }

    /// Processes one message and acknowledges it unless the failure was transient (then the
    /// message stays pending and is claimed again after `claim_idle`).
    pub async fn handle(&self, id: &str, event: Option<Event>) {
        let Some(Event::MediaUploaded { media_id }) = event else {
            tracing::error!(message_id = %id, "unreadable event; moved to the dead-letter stream");
            self.dead_letter(id, "unreadable event").await;
            self.ack(id).await;
            return;
        };
        match job::process_with(&self.services, &self.decoder, media_id).await {
            Ok(Outcome::Failed(reason)) => {
                self.dead_letter(id, &format!("media {media_id}: {reason}")).await;
                self.ack(id).await;
            }
            Ok(_) => self.ack(id).await,
            Err(err) => {
                tracing::warn!(%media_id, error = format!("{err:#}"), "processing failed; the message will be retried")
            }
        }
    }

    /// Reads the group's lag and pending count into the queue gauges.
    async fn measure_lag(&self) {
        let mut conn = self.connection.clone();
        match conn.xinfo_groups::<_, StreamInfoGroupsReply>(&self.stream).await {
            Ok(reply) => {
                if let Some(group) = reply.groups.iter().find(|g| g.name == GROUP) {
                    let metrics = &self.services.metrics;
                    metrics.queue_lag.set(i64::try_from(group.lag.unwrap_or_default()).unwrap_or(i64::MAX));
                    metrics.queue_pending.set(i64::try_from(group.pending).unwrap_or(i64::MAX));
                }
            }
            Err(err) => tracing::debug!(error = %err, "cannot read the queue's lag"),
        }
    }

    async fn ack(&self, id: &str) {
        let mut conn = self.connection.clone();
        let acked: redis::RedisResult<i64> = conn.xack(&self.stream, GROUP, &[id]).await;
        if let Err(err) = acked {
            tracing::warn!(message_id = %id, error = %err, "cannot acknowledge; the item may be processed again (harmless)");
        }
    }

    async fn dead_letter(&self, id: &str, reason: &str) {
        let mut conn = self.connection.clone();
        let dead = dead_letter_stream(&self.services.config.redis_prefix);
        self.services.metrics.dead_letters.inc();
        let added: redis::RedisResult<String> = conn.xadd(&dead, "*", &[("message_id", id), ("reason", reason)]).await;
        if let Err(err) = added {
            tracing::warn!(message_id = %id, error = %err, "cannot write to the dead-letter stream");
        }
    }
}

fn decode(map: &std::collections::HashMap<String, redis::Value>) -> Option<Event> {
    let value = map.get("event")?;
    let text: String = redis::from_redis_value_ref(value).ok()?;
    serde_json::from_str(&text).ok()
}
