use super::access::{Role, album_role, may_see_album, simple_mode};
use super::feed::{ActivityKind, NewActivity, record_activity};
use super::{Db, DbError, DbResult, Tx};
use crate::id::{AlbumId, UserId};
use crate::now_ms;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Album {
    pub id: AlbumId,
    pub owner_id: UserId,
    pub title: String,
    pub created_at: i64,
    pub updated_at: i64,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub media_count: i64,
    pub cover_key: Option<String>,
    /// The people who share it, its owner included.
    pub member_count: i64,
    pub owner_name: String,
}

impl Album {}

/// An album as one user sees it; `album_access` returns it only when the user may see the album.
#[derive(Clone, Debug)]
pub struct AlbumAccess {
    pub album: Album,
    pub role: Role,
    /// The user is in simple mode (see `access::may_delete_or_rename`).
    pub simple_mode: bool,
}

#[derive(sqlx::FromRow)]
struct AccessRow {
    #[sqlx(flatten)]
    album: Album,
    #[sqlx(try_from = "super::Flag")]
    simple_mode: bool,
}

/// The albums the user may see (`$1` is the user), with their role, counts and cover.
fn album_select() -> String {
    format!(
        "SELECT a.id, a.owner_id, a.title, a.created_at, a.updated_at, {role} AS role, \
           (SELECT COUNT(*) FROM media x WHERE x.album_id = a.id AND x.deleted_at IS NULL \
                AND x.live_photo_of IS NULL) AS media_count, \
           (SELECT x.thumbnail_key FROM media x WHERE x.album_id = a.id AND x.deleted_at IS NULL \
                AND x.thumbnail_key IS NOT NULL ORDER BY x.taken_at DESC, x.id DESC LIMIT 1) AS cover_key, \
           1 + (SELECT COUNT(*) FROM album_members am WHERE am.album_id = a.id) AS member_count, \
           (SELECT o.display_name FROM users o WHERE o.id = a.owner_id) AS owner_name \
         FROM albums a WHERE {may_see}",
        role = album_role("a", "$1"),
        may_see = may_see_album("a", "$1"),
    )
}

/// The same album and role without its counts and owner's name: what an access check needs, at
/// the cost of one indexed lookup however many photos the album holds.
fn album_access_select() -> String {
    format!(
        "SELECT a.id, a.owner_id, a.title, a.created_at, a.updated_at, {role} AS role, \
           CAST(0 AS BIGINT) AS media_count, CAST(NULL AS TEXT) AS cover_key, CAST(0 AS BIGINT) AS member_count, \
           CAST('' AS TEXT) AS owner_name \
         FROM albums a WHERE {may_see}",
        role = album_role("a", "$1"),
        may_see = may_see_album("a", "$1"),
    )
}

impl Db {
    pub async fn create_album(&self, owner_id: UserId, title: &str) -> DbResult<AlbumAccess> {
        let id = AlbumId::new(self.next_id());
        let now = now_ms();
        sqlx::query("INSERT INTO albums (id, owner_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(id)
            .bind(owner_id)
            .bind(title)
            .bind(now)
            .execute(self.pool())
            .await?;
        self.album_view(id, owner_id).await
    }

    /// The album with its counts and cover if `user_id` may see it (to show it).
    pub async fn album_view(&self, album_id: AlbumId, user_id: UserId) -> DbResult<AlbumAccess> {
        self.album_with(&album_select(), album_id, user_id).await
    }

    /// The album and the user's role if they may see it, else `NotFound` (a stranger cannot tell
    /// it exists). Its `media_count` and `cover_key` are not filled in; see `album_view`.
    pub async fn album_access(&self, album_id: AlbumId, user_id: UserId) -> DbResult<AlbumAccess> {
        self.album_with(&album_access_select(), album_id, user_id).await
    }

    async fn album_with(&self, select: &str, album_id: AlbumId, user_id: UserId) -> DbResult<AlbumAccess> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT s.*, {simple_mode} AS simple_mode FROM ({select} AND a.id = $2) s",
            simple_mode = simple_mode("$1")
        ));
        let row: AccessRow = sqlx::query_as(sql).bind(user_id).bind(album_id).fetch_one(self.pool()).await?;
        Ok(AlbumAccess { role: row.album.role, album: row.album, simple_mode: row.simple_mode })
    }

    /// Albums the user owns or was shared, newest first, after the `before` id.
    pub async fn list_albums(&self, user_id: UserId, before: Option<i64>, limit: i64) -> DbResult<Vec<Album>> {
        let sql = sqlx::AssertSqlSafe(format!("{} AND a.id < $2 ORDER BY a.id DESC LIMIT $3", album_select()));
        Ok(sqlx::query_as(sql)
            .bind(user_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    pub async fn rename_album(&self, album_id: AlbumId, title: &str) -> DbResult<()> {
        sqlx::query("UPDATE albums SET title = $1, updated_at = $2 WHERE id = $3 AND deleted_at IS NULL")
            .bind(title)
            .bind(now_ms())
            .bind(album_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deletes an album by moving it and its media to the trash; restoring any of its media
    /// brings the album back.
    pub async fn delete_album(&self, album_id: AlbumId) -> DbResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE albums SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(now)
            .bind(album_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE media SET deleted_at = $1, updated_at = $1 WHERE album_id = $2 AND deleted_at IS NULL")
            .bind(now)
            .bind(album_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_album_member(&self, album_id: AlbumId, user_id: UserId, role: Role) -> DbResult<()> {
        let mut tx = self.begin().await?;
        self.add_album_member_tx(&mut tx, album_id, user_id, role).await?;
        self.commit_activity(tx).await
    }

    /// Adds or changes a member. The album's owner is never a member of their own album. The
    /// caller commits with `commit_activity`: a new member is an activity.
    pub async fn add_album_member_tx(
        &self,
        tx: &mut Tx,
        album_id: AlbumId,
        user_id: UserId,
        role: Role,
    ) -> DbResult<()> {
        if role == Role::Owner {
            return Err(DbError::Conflict);
        }
        let (owner_id,): (UserId,) =
            sqlx::query_as("SELECT owner_id FROM albums WHERE id = $1").bind(album_id).fetch_one(&mut **tx).await?;
        if owner_id == user_id {
            return Err(DbError::Conflict);
        }
        let replaced = sqlx::query("DELETE FROM album_members WHERE album_id = $1 AND user_id = $2")
            .bind(album_id)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO album_members (album_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(album_id)
            .bind(user_id)
            .bind(role.as_str())
            .bind(now_ms())
            .execute(&mut **tx)
            .await?;
        if replaced.rows_affected() == 0 {
            let activity = NewActivity::new(ActivityKind::MemberJoined, user_id, album_id);
            record_activity(tx, self.next_id(), &activity).await?;
        }
        Ok(())
    }
}
