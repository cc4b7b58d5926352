//! Queries for the worker's housekeeping: the CDN invalidation queue and the quota and storage
//! audits.

use super::{Db, DbResult};
use crate::id::{MediaId, UserId};
use crate::now_ms;

/// One user's counters next to what the rows say they should be.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QuotaAudit {
    pub user_id: UserId,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
    pub actual_used: i64,
    pub actual_reserved: i64,
}

impl QuotaAudit {
    pub fn drifted(&self) -> bool {
        self.used_bytes != self.actual_used || self.reserved_bytes != self.actual_reserved
    }
}

const AUDIT: &str = "SELECT u.id AS user_id, u.used_bytes, u.reserved_bytes, \
       CAST(COALESCE((SELECT SUM(m.size_bytes + m.derivative_bytes) FROM media m WHERE m.owner_id = u.id), 0) AS BIGINT) AS actual_used, \
       CAST(COALESCE((SELECT SUM(x.size_bytes) FROM uploads x WHERE x.user_id = u.id), 0) AS BIGINT) AS actual_reserved \
     FROM users u";

impl Db {
    /// Every object key the rows account for: media (originals and derivatives) and uploads in
    /// progress. Anything else in the bucket is an orphan; anything here missing is a loss.
    pub async fn referenced_object_keys(&self) -> DbResult<Vec<String>> {
        let rows: Vec<(Option<String>,)> = sqlx::query_as(
            "SELECT object_key FROM media UNION ALL SELECT thumbnail_key FROM media \
             UNION ALL SELECT preview_key FROM media UNION ALL SELECT playable_key FROM media \
             UNION ALL SELECT motion_key FROM media \
             UNION ALL SELECT object_key FROM uploads",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().filter_map(|(key,)| key).collect())
    }

    /// Which of `ids` still have a media row or an upload row (they share ids). One statement,
    /// so a reservation that completes meanwhile is seen in one place or the other.
    pub async fn live_object_ids(&self, ids: &[MediaId]) -> DbResult<std::collections::HashSet<MediaId>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let placeholders = (1..=ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id FROM media WHERE id IN ({placeholders}) UNION SELECT id FROM uploads WHERE id IN ({placeholders})"
        ));
        let mut query = sqlx::query_as(sql);
        for id in ids {
            query = query.bind(*id);
        }
        let rows: Vec<(MediaId,)> = query.fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Claims up to `limit` queued paths for `lease_ms`, so two jobs never send the same batch.
    pub async fn claim_invalidations(&self, limit: i64, lease_ms: i64) -> DbResult<Vec<String>> {
        let now = now_ms();
        let rows: Vec<(String,)> = sqlx::query_as(
            "UPDATE cdn_invalidations SET claimed_until = $1, attempts = attempts + 1 \
             WHERE claimed_until < $2 AND path IN \
               (SELECT path FROM cdn_invalidations WHERE claimed_until < $2 ORDER BY created_at LIMIT $3) \
             RETURNING path",
        )
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(path,)| path).collect())
    }

    pub async fn finish_invalidations(&self, paths: &[String]) -> DbResult<()> {
        let mut tx = self.begin().await?;
        for path in paths {
            sqlx::query("DELETE FROM cdn_invalidations WHERE path = $1").bind(path).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Puts claimed paths back, to be tried again no earlier than `retry_at`.
    pub async fn postpone_invalidations(&self, paths: &[String], retry_at: i64) -> DbResult<()> {
        let mut tx = self.begin().await?;
        for path in paths {
            sqlx::query("UPDATE cdn_invalidations SET claimed_until = $1 WHERE path = $2")
                .bind(retry_at)
                .bind(path)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn queued_invalidations(&self) -> DbResult<i64> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cdn_invalidations").fetch_one(self.pool()).await?;
        Ok(count)
    }

    pub async fn quota_audit(&self) -> DbResult<Vec<QuotaAudit>> {
        let sql = sqlx::AssertSqlSafe(format!("{AUDIT} ORDER BY u.id"));
        Ok(sqlx::query_as(sql).fetch_all(self.pool()).await?)
    }

    /// Sets a user's counters to what the rows say, in one statement.
    pub async fn fix_quota(&self, user_id: UserId) -> DbResult<()> {
        sqlx::query(
            "UPDATE users SET \
               used_bytes = CAST(COALESCE((SELECT SUM(m.size_bytes + m.derivative_bytes) FROM media m WHERE m.owner_id = $1), 0) AS BIGINT), \
               reserved_bytes = CAST(COALESCE((SELECT SUM(x.size_bytes) FROM uploads x WHERE x.user_id = $1), 0) AS BIGINT) \
             WHERE id = $1",
        )
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
