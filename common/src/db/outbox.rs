use super::{Db, DbResult, Tx};
use crate::events::Event;
use crate::now_ms;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxEvent {
    pub id: i64,
    pub topic: String,
    pub payload: String,
}

impl OutboxEvent {
    pub fn event(&self) -> Option<Event> {
        serde_json::from_str(&self.payload).ok()
    }
}

pub(super) async fn insert_outbox(tx: &mut Tx, id: i64, event: &Event) -> DbResult<()> {
    let payload = serde_json::to_string(event).unwrap_or_default();
    sqlx::query("INSERT INTO outbox (id, topic, payload, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(event.topic())
        .bind(payload)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Db {
    /// Unpublished events, oldest first.
    pub async fn unpublished_events(&self, limit: i64) -> DbResult<Vec<OutboxEvent>> {
        Ok(sqlx::query_as("SELECT id, topic, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    pub async fn count_unpublished(&self) -> DbResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL").fetch_one(self.pool()).await?)
    }

    pub async fn mark_published(&self, id: i64) -> DbResult<()> {
        sqlx::query("UPDATE outbox SET published_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Marks the unpublished outbox rows of a media's upload as published (used after the api
    /// published the event itself right after the commit).
    pub async fn mark_media_event_published(&self, event: &Event) -> DbResult<()> {
        let payload = serde_json::to_string(event).unwrap_or_default();
        sqlx::query("UPDATE outbox SET published_at = $1 WHERE payload = $2 AND published_at IS NULL")
            .bind(now_ms())
            .bind(payload)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
