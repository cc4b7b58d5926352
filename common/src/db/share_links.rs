//! Share links (#20): an album opened without an account, read-only, through a token whose hash
//! is all that is kept; optionally with a password and an end.

use super::media::MEDIA_COLUMNS;
use super::{Db, DbError, DbResult, Flag, Media, MediaCursor};
use crate::id::{AlbumId, MediaId, ShareLinkId, UserId};
use crate::now_ms;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ShareLink {
    pub id: ShareLinkId,
    pub album_id: AlbumId,
    pub album_title: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub password_hash: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub allow_download: bool,
    pub revoked_at: Option<i64>,
    pub blocked_until: i64,
}

impl ShareLink {
    /// Revoked or past its end: the link answers "gone".
    pub fn is_gone(&self, now: i64) -> bool {
        self.revoked_at.is_some() || self.expires_at.is_some_and(|end| end <= now)
    }
}

pub struct NewShareLink<'a> {
    pub album_id: AlbumId,
    pub token_hash: &'a str,
    pub created_by: UserId,
    pub expires_at: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub allow_download: bool,
}

const LINK_COLUMNS: &str = "l.id, l.album_id, a.title AS album_title, l.created_at, l.expires_at, l.password_hash, \
     l.allow_download, l.revoked_at, l.blocked_until";

impl Db {
    pub async fn create_share_link(&self, new: &NewShareLink<'_>) -> DbResult<ShareLinkId> {
        let id = ShareLinkId::new(self.next_id());
        sqlx::query(
            "INSERT INTO share_links (id, album_id, token_hash, created_by, created_at, expires_at, password_hash, \
             allow_download) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(new.album_id)
        .bind(new.token_hash)
        .bind(new.created_by)
        .bind(now_ms())
        .bind(new.expires_at)
        .bind(new.password_hash)
        .bind(i64::from(new.allow_download))
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// The link with this token, revoked and expired ones included (they answer "gone", not
    /// "not found"); `NotFound` when no link has it or its album was deleted.
    pub async fn share_link_by_token(&self, token_hash: &str) -> DbResult<ShareLink> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {LINK_COLUMNS} FROM share_links l JOIN albums a ON a.id = l.album_id \
             WHERE l.token_hash = $1 AND a.deleted_at IS NULL"
        ));
        Ok(sqlx::query_as(sql).bind(token_hash).fetch_one(self.pool()).await?)
    }

    pub async fn share_link(&self, id: ShareLinkId) -> DbResult<ShareLink> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {LINK_COLUMNS} FROM share_links l JOIN albums a ON a.id = l.album_id WHERE l.id = $1"
        ));
        Ok(sqlx::query_as(sql).bind(id).fetch_one(self.pool()).await?)
    }

    /// An album's links, newest first, revoked ones included.
    pub async fn share_links_of(&self, album_id: AlbumId) -> DbResult<Vec<ShareLink>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {LINK_COLUMNS} FROM share_links l JOIN albums a ON a.id = l.album_id \
             WHERE l.album_id = $1 ORDER BY l.created_at DESC, l.id DESC"
        ));
        Ok(sqlx::query_as(sql).bind(album_id).fetch_all(self.pool()).await?)
    }

    pub async fn revoke_share_link(&self, id: ShareLinkId) -> DbResult<()> {
        sqlx::query("UPDATE share_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A wrong password: after a few, each try waits longer (as for an account's password).
    pub async fn record_wrong_share_password(&self, id: ShareLinkId) -> DbResult<()> {
        let (failed,): (i64,) = sqlx::query_as(
            "UPDATE share_links SET failed_passwords = failed_passwords + 1 WHERE id = $1 RETURNING failed_passwords",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        if let Some(blocked_until) = super::users::blocked_after_failures(failed) {
            sqlx::query("UPDATE share_links SET blocked_until = $1 WHERE id = $2")
                .bind(blocked_until)
                .bind(id)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    pub async fn grant_share_access(&self, token_hash: &str, id: ShareLinkId, expires_at: i64) -> DbResult<()> {
        sqlx::query("UPDATE share_links SET failed_passwords = 0, blocked_until = 0 WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        sqlx::query("INSERT INTO share_grants (token_hash, link_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(id)
            .bind(expires_at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Whether this browser's grant opens this link.
    pub async fn share_access_granted(&self, token_hash: &str, id: ShareLinkId) -> DbResult<bool> {
        let granted =
            sqlx::query("SELECT 1 FROM share_grants WHERE token_hash = $1 AND link_id = $2 AND expires_at > $3")
                .bind(token_hash)
                .bind(id)
                .bind(now_ms())
                .fetch_optional(self.pool())
                .await?;
        Ok(granted.is_some())
    }

    /// A page of the album a link opens: its ready photos and videos only, newest taken first.
    pub async fn shared_page(&self, album_id: AlbumId, after: Option<MediaCursor>, limit: i64) -> DbResult<Vec<Media>> {
        let after = after.unwrap_or(MediaCursor { taken_at: i64::MAX, id: MediaId::new(i64::MAX) });
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.album_id = $1 AND m.deleted_at IS NULL \
             AND m.live_photo_of IS NULL AND m.status = 'ready' AND (m.taken_at, m.id) < ($2, $3) \
             ORDER BY m.taken_at DESC, m.id DESC LIMIT {limit}"
        ));
        Ok(sqlx::query_as(sql).bind(album_id).bind(after.taken_at).bind(after.id).fetch_all(self.pool()).await?)
    }

    /// Every ready photo and video of an album (or those of `only` in it), oldest taken first: what
    /// its ZIP holds.
    pub async fn album_originals(&self, album_id: AlbumId, only: Option<&[MediaId]>) -> DbResult<Vec<Media>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.album_id = $1 AND m.deleted_at IS NULL \
             AND m.live_photo_of IS NULL AND m.status = 'ready' ORDER BY m.taken_at, m.id"
        ));
        let media: Vec<Media> = sqlx::query_as(sql).bind(album_id).fetch_all(self.pool()).await?;
        Ok(match only {
            Some(ids) => media.into_iter().filter(|m| ids.contains(&m.id)).collect(),
            None => media,
        })
    }

    /// One ready item of the album a link opens; `NotFound` for anything else.
    pub async fn shared_media(&self, album_id: AlbumId, id: MediaId) -> DbResult<Media> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id = $1 AND m.album_id = $2 AND m.deleted_at IS NULL \
             AND m.live_photo_of IS NULL AND m.status = 'ready'"
        ));
        sqlx::query_as(sql).bind(id).bind(album_id).fetch_optional(self.pool()).await?.ok_or(DbError::NotFound)
    }
}
