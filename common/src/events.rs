//! Events are hints: the database (outbox rows, media status) is the truth, and anything an
//! event would do can be re-driven from it. On Redis they go to a stream that the thumbnailer
//! reads with a consumer group; in standalone mode to an in-process queue.

use crate::id::MediaId;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Event {
    #[serde(rename = "media.uploaded")]
    MediaUploaded { media_id: MediaId },
}

impl Event {
    pub fn topic(&self) -> &'static str {
        match self {
            Event::MediaUploaded { .. } => "media.uploaded",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot publish event: {0}")]
pub struct PublishError(String);

#[derive(Clone)]
pub enum EventBus {
    Local(mpsc::UnboundedSender<Event>),
    Redis {
        connection: redis::aio::ConnectionManager,
        stream: String,
    },
    /// Publishes nothing: the events stay in the outbox for another process's relay (an import
    /// beside a standalone album, whose in-process thumbnailer only that album can reach).
    LeftInOutbox,
}

/// The receiving end of the in-process queue, for the in-process thumbnailer.
pub type LocalEvents = mpsc::UnboundedReceiver<Event>;

/// Keeps the stream from growing without end; consumers are far faster than this.
const STREAM_MAX_LEN: usize = 100_000;

impl EventBus {
    pub fn local() -> (Self, LocalEvents) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (EventBus::Local(sender), receiver)
    }

    pub async fn redis(connection: redis::aio::ConnectionManager, prefix: &str) -> Self {
        EventBus::Redis { connection, stream: media_stream(prefix) }
    }

    pub async fn publish(&self, event: &Event) -> Result<(), PublishError> {
        match self {
            EventBus::Local(sender) => sender.send(event.clone()).map_err(|_| PublishError("queue closed".into())),
            EventBus::LeftInOutbox => Err(PublishError("left in the outbox for the album's relay".into())),
            EventBus::Redis { connection, stream } => {
                let payload = serde_json::to_string(event).map_err(|e| PublishError(e.to_string()))?;
                let mut connection = connection.clone();
                let _: String = connection
                    .xadd_maxlen(
                        stream,
                        redis::streams::StreamMaxlen::Approx(STREAM_MAX_LEN),
                        "*",
                        &[("event", payload)],
                    )
                    .await
                    .map_err(|e| PublishError(e.to_string()))?;
                Ok(())
            }
        }
    }
}

/// The Redis stream that carries `media.uploaded`.
pub fn media_stream(prefix: &str) -> String {
    format!("{prefix}:events:media")
}
