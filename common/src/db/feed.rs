//! The activity outbox and its fan-out (the push model): what happened is written as an
//! `activities` row in the same transaction as the thing itself; fanning it out writes one
//! `feed_items` row per recipient and marks the activity done, in one transaction, so it happens
//! once in effect however often it is tried.

use super::access::{album_people, may_see_album};
use super::{Db, DbResult, Tx};
use crate::id::{AlbumId, CommentId, MediaId, UserId};
use crate::now_ms;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// New photos or videos in an album (one feed item per person, album and hour).
    PhotosAdded,
    Like,
    Comment,
    /// Someone joined an album (by invitation or added by its owner).
    MemberJoined,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::PhotosAdded => "photos_added",
            ActivityKind::Like => "like",
            ActivityKind::Comment => "comment",
            ActivityKind::MemberJoined => "member_joined",
        }
    }

    fn parse(value: &str) -> Option<ActivityKind> {
        [ActivityKind::PhotosAdded, ActivityKind::Like, ActivityKind::Comment, ActivityKind::MemberJoined]
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }
}

#[derive(Clone, Debug)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub actor_id: UserId,
    pub album_id: AlbumId,
    pub media_id: Option<MediaId>,
    pub comment_id: Option<CommentId>,
}

impl NewActivity {
    pub fn new(kind: ActivityKind, actor_id: UserId, album_id: AlbumId) -> Self {
        NewActivity { kind, actor_id, album_id, media_id: None, comment_id: None }
    }

    pub fn media(self, media_id: MediaId) -> Self {
        NewActivity { media_id: Some(media_id), ..self }
    }

    pub fn comment(self, comment_id: CommentId) -> Self {
        NewActivity { comment_id: Some(comment_id), ..self }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    kind: String,
    actor_id: UserId,
    album_id: AlbumId,
    media_id: Option<MediaId>,
    comment_id: Option<CommentId>,
    created_at: i64,
}

/// One entry of a person's feed (and, when `notify`, of their notifications).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeedItem {
    pub id: i64,
    pub kind: String,
    pub actor_id: UserId,
    pub actor_name: String,
    pub album_id: AlbumId,
    pub album_title: String,
    pub media_id: Option<MediaId>,
    pub comment_id: Option<CommentId>,
    pub comment_body: Option<String>,
    pub thumbnail_key: Option<String>,
    pub item_count: i64,
    #[sqlx(try_from = "super::Flag")]
    pub notify: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub read_at: Option<i64>,
    /// An "on this day" item's day (`YYYY-MM-DD`) and the years of its photos ("2023,2019").
    pub day: Option<String>,
    pub years: Option<String>,
}

#[derive(Clone, Copy, Debug)]
pub struct FeedCursor {
    pub updated_at: i64,
    pub id: i64,
}

/// Albums with more members than this are not fanned out to every member: their new photos go
/// to the album's owner and to the uploader's followers; everyone sees them in the album itself.
pub const FANOUT_MEMBER_LIMIT: i64 = 200;

/// New photos by one person in one album within this window grow one feed item.
const PHOTOS_GROUP_WINDOW_MS: i64 = 60 * 60 * 1000;

/// What someone who joins an album finds of its recent past in their feed.
const JOIN_BACKFILL: i64 = 20;

pub(super) async fn record_activity(tx: &mut Tx, id: i64, activity: &NewActivity) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO activities (id, kind, actor_id, album_id, media_id, comment_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(activity.kind.as_str())
    .bind(activity.actor_id)
    .bind(activity.album_id)
    .bind(activity.media_id)
    .bind(activity.comment_id)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The user's feed (`$1` is the user), from the albums they may still see.
fn feed_select() -> String {
    format!(
        "SELECT f.id, f.kind, f.actor_id, u.display_name AS actor_name, f.album_id, \
           a.title AS album_title, f.media_id, f.comment_id, c.body AS comment_body, x.thumbnail_key, f.item_count, \
           f.notify, f.created_at, f.updated_at, f.read_at, f.day, f.years \
         FROM feed_items f JOIN users u ON u.id = f.actor_id JOIN albums a ON a.id = f.album_id \
         LEFT JOIN media x ON x.id = f.media_id AND x.deleted_at IS NULL \
         LEFT JOIN comments c ON c.id = f.comment_id \
         WHERE f.user_id = $1 AND {may_see}",
        may_see = may_see_album("a", "$1")
    )
}

impl Db {
    /// Activities not fanned out yet, oldest first.
    pub async fn pending_activities(&self, limit: i64) -> DbResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM activities WHERE fanned_out_at IS NULL ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    /// Fans one activity out to its recipients' feeds. Returns who got a notification (for
    /// real-time delivery); empty when the activity was already fanned out (or is gone).
    pub async fn fan_out(&self, activity_id: i64) -> DbResult<Vec<UserId>> {
        let mut tx = self.begin().await?;
        // Claiming by the update makes a second, concurrent fan-out of the same activity a no-op.
        let claimed = sqlx::query("UPDATE activities SET fanned_out_at = $1 WHERE id = $2 AND fanned_out_at IS NULL")
            .bind(now_ms())
            .bind(activity_id)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            return Ok(Vec::new());
        }
        let row: ActivityRow = sqlx::query_as(
            "SELECT id, kind, actor_id, album_id, media_id, comment_id, created_at FROM activities WHERE id = $1",
        )
        .bind(activity_id)
        .fetch_one(&mut *tx)
        .await?;
        let Some(kind) = ActivityKind::parse(&row.kind) else {
            tx.commit().await?;
            return Ok(Vec::new());
        };
        let notified = match kind {
            ActivityKind::Like | ActivityKind::Comment => fan_out_to_media_owner(&mut tx, &row).await?,
            ActivityKind::PhotosAdded => fan_out_new_photos(&mut tx, &row).await?,
            ActivityKind::MemberJoined => fan_out_new_member(&mut tx, &row).await?,
        };
        tx.commit().await?;
        Ok(notified)
    }

    /// The feed, newest first; `notifications_only` keeps the items that notified the user.
    pub async fn feed(
        &self,
        user_id: UserId,
        before: Option<FeedCursor>,
        limit: i64,
        notifications_only: bool,
    ) -> DbResult<Vec<FeedItem>> {
        let before = before.unwrap_or(FeedCursor { updated_at: i64::MAX, id: i64::MAX });
        let only = if notifications_only { "AND f.notify = 1" } else { "" };
        let sql = sqlx::AssertSqlSafe(format!(
            "{} {only} AND (f.updated_at, f.id) < ($2, $3) \
             ORDER BY f.updated_at DESC, f.id DESC LIMIT $4",
            feed_select()
        ));
        Ok(sqlx::query_as(sql)
            .bind(user_id)
            .bind(before.updated_at)
            .bind(before.id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    pub async fn unread_notifications(&self, user_id: UserId) -> DbResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM feed_items WHERE user_id = $1 AND notify = 1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(self.pool())
            .await?)
    }

    /// Marks the given notifications read, or all of them.
    pub async fn mark_notifications_read(&self, user_id: UserId, ids: Option<&[i64]>) -> DbResult<()> {
        let now = now_ms();
        match ids {
            None => {
                sqlx::query("UPDATE feed_items SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                    .bind(now)
                    .bind(user_id)
                    .execute(self.pool())
                    .await?;
            }
            Some(ids) => {
                let mut tx = self.begin().await?;
                for id in ids {
                    sqlx::query(
                        "UPDATE feed_items SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
                    )
                    .bind(now)
                    .bind(user_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

/// A like or comment: the photo's owner hears of it (unless they did it themselves).
async fn fan_out_to_media_owner(tx: &mut Tx, row: &ActivityRow) -> DbResult<Vec<UserId>> {
    let owner: Option<UserId> = sqlx::query_scalar("SELECT owner_id FROM media WHERE id = $1")
        .bind(row.media_id)
        .fetch_optional(&mut **tx)
        .await?;
    match owner {
        Some(owner) if owner != row.actor_id => {
            insert_item(tx, owner, row, true).await?;
            Ok(vec![owner])
        }
        _ => Ok(Vec::new()),
    }
}

/// New photos: every member and the owner (all of them for albums up to the fan-out limit; the
/// owner and the uploader's followers beyond it), grouped per uploader, album and hour. Set-based,
/// so an album of hundreds costs a few statements, not hundreds.
async fn fan_out_new_photos(tx: &mut Tx, row: &ActivityRow) -> DbResult<Vec<UserId>> {
    let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM album_members WHERE album_id = $1")
        .bind(row.album_id)
        .fetch_one(&mut **tx)
        .await?;
    // $1 album, $2 actor. Beyond the limit: the owner, and the people who follow the actor.
    let people = album_people("$1");
    let recipients = if members <= FANOUT_MEMBER_LIMIT {
        format!("SELECT p.user_id FROM ({people}) p WHERE p.user_id <> $2")
    } else {
        format!(
            "SELECT p.user_id FROM ({people}) p WHERE p.user_id <> $2 \
             AND (p.user_id IN (SELECT owner_id FROM albums WHERE id = $1) \
                  OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = p.user_id AND f.followee_id = $2))"
        )
    };
    let now = now_ms();
    let since = now - PHOTOS_GROUP_WINDOW_MS;
    let grow = sqlx::AssertSqlSafe(format!(
        "UPDATE feed_items SET item_count = item_count + 1, media_id = $3, updated_at = $4, read_at = NULL \
         WHERE kind = 'photos_added' AND album_id = $1 AND actor_id = $2 AND updated_at > $5 \
           AND user_id IN ({recipients})"
    ));
    sqlx::query(grow)
        .bind(row.album_id)
        .bind(row.actor_id)
        .bind(row.media_id)
        .bind(now)
        .bind(since)
        .execute(&mut **tx)
        .await?;
    let start = sqlx::AssertSqlSafe(format!(
        "INSERT INTO feed_items (user_id, id, kind, actor_id, album_id, media_id, notify, created_at, updated_at) \
         SELECT r.user_id, $3, 'photos_added', $2, $1, $4, 1, $5, $5 FROM ({recipients}) r \
         WHERE NOT EXISTS (SELECT 1 FROM feed_items f WHERE f.user_id = r.user_id AND f.kind = 'photos_added' \
           AND f.album_id = $1 AND f.actor_id = $2 AND f.updated_at > $6) \
         ON CONFLICT (user_id, id) DO NOTHING"
    ));
    sqlx::query(start)
        .bind(row.album_id)
        .bind(row.actor_id)
        .bind(row.id)
        .bind(row.media_id)
        .bind(now)
        .bind(since)
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(recipients.as_str()))
        .bind(row.album_id)
        .bind(row.actor_id)
        .fetch_all(&mut **tx)
        .await?)
}

/// A new member: the owner is notified, the other members see it in their feed, and the new
/// member's feed gets the album's recent past.
async fn fan_out_new_member(tx: &mut Tx, row: &ActivityRow) -> DbResult<Vec<UserId>> {
    sqlx::query(
        "INSERT INTO feed_items (user_id, id, kind, actor_id, album_id, notify, created_at, updated_at) \
         SELECT user_id, $1, 'member_joined', $2, $3, 0, $4, $4 FROM album_members \
         WHERE album_id = $3 AND user_id <> $2 ON CONFLICT (user_id, id) DO NOTHING",
    )
    .bind(row.id)
    .bind(row.actor_id)
    .bind(row.album_id)
    .bind(row.created_at)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO feed_items (user_id, id, kind, actor_id, album_id, media_id, notify, created_at, updated_at) \
         SELECT a.user_id, x.id, x.kind, x.actor_id, x.album_id, x.media_id, 0, x.created_at, x.created_at \
         FROM (SELECT $2 AS user_id) a JOIN activities x ON x.album_id = $1 AND x.kind = 'photos_added' \
           AND x.actor_id <> $2 AND x.id < $3 \
         WHERE x.id IN (SELECT id FROM activities WHERE album_id = $1 AND kind = 'photos_added' AND id < $3 \
           ORDER BY id DESC LIMIT $4) \
         ON CONFLICT (user_id, id) DO NOTHING",
    )
    .bind(row.album_id)
    .bind(row.actor_id)
    .bind(row.id)
    .bind(JOIN_BACKFILL)
    .execute(&mut **tx)
    .await?;
    let owner: UserId =
        sqlx::query_scalar("SELECT owner_id FROM albums WHERE id = $1").bind(row.album_id).fetch_one(&mut **tx).await?;
    if owner == row.actor_id {
        return Ok(Vec::new());
    }
    insert_item(tx, owner, row, true).await?;
    Ok(vec![owner])
}

/// One feed item, dated when it happened; a second insert of the same activity for the same
/// person changes nothing.
async fn insert_item(tx: &mut Tx, user_id: UserId, row: &ActivityRow, notify: bool) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO feed_items (user_id, id, kind, actor_id, album_id, media_id, comment_id, notify, \
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (user_id, id) DO NOTHING",
    )
    .bind(user_id)
    .bind(row.id)
    .bind(&row.kind)
    .bind(row.actor_id)
    .bind(row.album_id)
    .bind(row.media_id)
    .bind(row.comment_id)
    .bind(i64::from(notify))
    .bind(row.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
