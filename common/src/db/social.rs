//! Likes, comments and following. Counters on `media` change in the same transaction as the row
//! they count, and only when that row really appeared or went, so they stay exact under any
//! number of concurrent requests.

use super::feed::{ActivityKind, NewActivity, record_activity};
use super::{Db, DbResult};
use crate::id::{AlbumId, CommentId, MediaId, UserId};
use crate::now_ms;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Comment {
    pub id: CommentId,
    pub media_id: MediaId,
    pub author_id: UserId,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Person {
    pub id: UserId,
    pub display_name: String,
    pub at: i64,
}

const COMMENT_SELECT: &str = "SELECT c.id, c.media_id, c.author_id, u.display_name AS author_name, c.body, \
       c.created_at, c.edited_at FROM comments c JOIN users u ON u.id = c.author_id";

impl Db {
    /// Likes a photo; liking twice is the same as once. Returns the like count.
    pub async fn like(&self, media_id: MediaId, album_id: AlbumId, user_id: UserId) -> DbResult<i64> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO likes (media_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (media_id, user_id) DO NOTHING",
        )
        .bind(media_id)
        .bind(user_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            sqlx::query("UPDATE media SET like_count = like_count + 1 WHERE id = $1")
                .bind(media_id)
                .execute(&mut *tx)
                .await?;
            let activity = NewActivity::new(ActivityKind::Like, user_id, album_id).media(media_id);
            record_activity(&mut tx, self.next_id(), &activity).await?;
        }
        let count =
            sqlx::query_scalar("SELECT like_count FROM media WHERE id = $1").bind(media_id).fetch_one(&mut *tx).await?;
        self.commit_activity(tx).await?;
        Ok(count)
    }

    /// Takes a like back; unliking what was not liked changes nothing. Returns the like count.
    pub async fn unlike(&self, media_id: MediaId, user_id: UserId) -> DbResult<i64> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM likes WHERE media_id = $1 AND user_id = $2")
            .bind(media_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 1 {
            sqlx::query("UPDATE media SET like_count = like_count - 1 WHERE id = $1")
                .bind(media_id)
                .execute(&mut *tx)
                .await?;
        }
        let count =
            sqlx::query_scalar("SELECT like_count FROM media WHERE id = $1").bind(media_id).fetch_one(&mut *tx).await?;
        self.commit_activity(tx).await?;
        Ok(count)
    }

    /// Who liked a photo, most recent first, before the cursor `(at, user id)`.
    pub async fn likers(&self, media_id: MediaId, before: Option<(i64, i64)>, limit: i64) -> DbResult<Vec<Person>> {
        let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
        Ok(sqlx::query_as(
            "SELECT u.id, u.display_name, l.created_at AS at FROM likes l JOIN users u ON u.id = l.user_id \
             WHERE l.media_id = $1 AND (l.created_at, u.id) < ($2, $3) \
             ORDER BY l.created_at DESC, u.id DESC LIMIT $4",
        )
        .bind(media_id)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Which of these media the user liked.
    pub async fn liked_by(&self, media_ids: &[MediaId], user_id: UserId) -> DbResult<Vec<MediaId>> {
        if media_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are integers from our own rows, so listing them inline is safe.
        let list = media_ids.iter().map(MediaId::to_string).collect::<Vec<_>>().join(",");
        let sql =
            sqlx::AssertSqlSafe(format!("SELECT media_id FROM likes WHERE user_id = $1 AND media_id IN ({list})"));
        // Not prepared: each list of ids is a new statement, and caching them would only evict
        // the statements that are used again.
        Ok(sqlx::query_scalar(sql).persistent(false).bind(user_id).fetch_all(self.pool()).await?)
    }

    pub async fn add_comment(
        &self,
        media_id: MediaId,
        album_id: AlbumId,
        author_id: UserId,
        body: &str,
    ) -> DbResult<Comment> {
        let id = CommentId::new(self.next_id());
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO comments (id, media_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(media_id)
            .bind(author_id)
            .bind(body)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE media SET comment_count = comment_count + 1 WHERE id = $1")
            .bind(media_id)
            .execute(&mut *tx)
            .await?;
        let activity = NewActivity::new(ActivityKind::Comment, author_id, album_id).media(media_id).comment(id);
        record_activity(&mut tx, self.next_id(), &activity).await?;
        self.commit_activity(tx).await?;
        self.comment(id).await
    }

    pub async fn comment(&self, id: CommentId) -> DbResult<Comment> {
        let sql = sqlx::AssertSqlSafe(format!("{COMMENT_SELECT} WHERE c.id = $1"));
        Ok(sqlx::query_as(sql).bind(id).fetch_one(self.pool()).await?)
    }

    /// A photo's comments, oldest first (a conversation), after the `after` id.
    pub async fn comments(&self, media_id: MediaId, after: Option<i64>, limit: i64) -> DbResult<Vec<Comment>> {
        let sql =
            sqlx::AssertSqlSafe(format!("{COMMENT_SELECT} WHERE c.media_id = $1 AND c.id > $2 ORDER BY c.id LIMIT $3"));
        Ok(sqlx::query_as(sql).bind(media_id).bind(after.unwrap_or(0)).bind(limit).fetch_all(self.pool()).await?)
    }

    pub async fn edit_comment(&self, id: CommentId, body: &str) -> DbResult<Comment> {
        sqlx::query("UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3")
            .bind(body)
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        self.comment(id).await
    }

    pub async fn delete_comment(&self, id: CommentId) -> DbResult<()> {
        let mut tx = self.begin().await?;
        let media_id: Option<MediaId> = sqlx::query_scalar("DELETE FROM comments WHERE id = $1 RETURNING media_id")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(media_id) = media_id {
            sqlx::query("UPDATE media SET comment_count = comment_count - 1 WHERE id = $1")
                .bind(media_id)
                .execute(&mut *tx)
                .await?;
            // Its feed items point at a comment that is gone.
            sqlx::query("DELETE FROM feed_items WHERE comment_id = $1").bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn follow(&self, follower_id: UserId, followee_id: UserId) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO follows (follower_id, followee_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (follower_id, followee_id) DO NOTHING",
        )
        .bind(follower_id)
        .bind(followee_id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn unfollow(&self, follower_id: UserId, followee_id: UserId) -> DbResult<()> {
        sqlx::query("DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2")
            .bind(follower_id)
            .bind(followee_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The people the user follows, most recent first.
    pub async fn following(&self, follower_id: UserId) -> DbResult<Vec<Person>> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.display_name, f.created_at AS at FROM follows f JOIN users u ON u.id = f.followee_id \
             WHERE f.follower_id = $1 ORDER BY f.created_at DESC, u.id DESC",
        )
        .bind(follower_id)
        .fetch_all(self.pool())
        .await?)
    }
}
