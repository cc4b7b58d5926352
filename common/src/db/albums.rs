use super::feed::{ActivityKind, NewActivity, record_activity};
use super::{Db, DbError, DbResult, Tx};
use crate::now_ms;

/// What a user may do with an album. Owners manage it, contributors add to it, viewers look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Contributor,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Contributor => "contributor",
            Role::Owner => "owner",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "viewer" => Some(Role::Viewer),
            "contributor" => Some(Role::Contributor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    pub fn can_upload(self) -> bool {
        self >= Role::Contributor
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Album {
    pub id: i64,
    pub owner_id: i64,
    pub title: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub role: String,
    pub media_count: i64,
    pub cover_key: Option<String>,
}

impl Album {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

/// An album as one user sees it; `album_access` returns it only when the user may see the album.
#[derive(Clone, Debug)]
pub struct AlbumAccess {
    pub album: Album,
    pub role: Role,
}

const ALBUM_SELECT: &str = "SELECT a.id, a.owner_id, a.title, a.created_at, a.updated_at, \
       CASE WHEN a.owner_id = $1 THEN 'owner' ELSE m.role END AS role, \
       (SELECT COUNT(*) FROM media x WHERE x.album_id = a.id AND x.deleted_at IS NULL) AS media_count, \
       (SELECT x.thumbnail_key FROM media x WHERE x.album_id = a.id AND x.deleted_at IS NULL \
            AND x.thumbnail_key IS NOT NULL ORDER BY x.taken_at DESC, x.id DESC LIMIT 1) AS cover_key \
     FROM albums a LEFT JOIN album_members m ON m.album_id = a.id AND m.user_id = $1 \
     WHERE a.deleted_at IS NULL AND (a.owner_id = $1 OR m.user_id IS NOT NULL)";

/// The same album and role without its counts: what an access check needs, at the cost of one
/// indexed lookup however many photos the album holds.
const ALBUM_ACCESS_SELECT: &str = "SELECT a.id, a.owner_id, a.title, a.created_at, a.updated_at, \
       CASE WHEN a.owner_id = $1 THEN 'owner' ELSE m.role END AS role, \
       CAST(0 AS BIGINT) AS media_count, CAST(NULL AS TEXT) AS cover_key \
     FROM albums a LEFT JOIN album_members m ON m.album_id = a.id AND m.user_id = $1 \
     WHERE a.deleted_at IS NULL AND (a.owner_id = $1 OR m.user_id IS NOT NULL)";

/// The condition, for queries that are not about the album itself, that the user may see it:
/// the same rule as `ALBUM_ACCESS_SELECT`'s.
pub(super) fn may_see_album(album_id: &str, user_id: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM albums a LEFT JOIN album_members am ON am.album_id = a.id AND am.user_id = {user_id} \
         WHERE a.id = {album_id} AND a.deleted_at IS NULL AND (a.owner_id = {user_id} OR am.user_id IS NOT NULL))"
    )
}

impl Db {
    pub async fn create_album(&self, owner_id: i64, title: &str) -> DbResult<AlbumAccess> {
        let id = self.next_id();
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
    pub async fn album_view(&self, album_id: i64, user_id: i64) -> DbResult<AlbumAccess> {
        self.album_with(ALBUM_SELECT, album_id, user_id).await
    }

    /// The album and the user's role if they may see it, else `NotFound` (a stranger cannot tell
    /// it exists). Its `media_count` and `cover_key` are not filled in; see `album_view`.
    pub async fn album_access(&self, album_id: i64, user_id: i64) -> DbResult<AlbumAccess> {
        self.album_with(ALBUM_ACCESS_SELECT, album_id, user_id).await
    }

    async fn album_with(&self, select: &str, album_id: i64, user_id: i64) -> DbResult<AlbumAccess> {
        let sql = sqlx::AssertSqlSafe(format!("{select} AND a.id = $2"));
        let album: Album = sqlx::query_as(sql).bind(user_id).bind(album_id).fetch_one(self.pool()).await?;
        Ok(AlbumAccess { role: album.role(), album })
    }

    /// Albums the user owns or was shared, newest first, after the `before` id.
    pub async fn list_albums(&self, user_id: i64, before: Option<i64>, limit: i64) -> DbResult<Vec<Album>> {
        let sql = sqlx::AssertSqlSafe(format!("{ALBUM_SELECT} AND a.id < $2 ORDER BY a.id DESC LIMIT $3"));
        Ok(sqlx::query_as(sql)
            .bind(user_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    pub async fn rename_album(&self, album_id: i64, title: &str) -> DbResult<()> {
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
    pub async fn delete_album(&self, album_id: i64) -> DbResult<()> {
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

    pub async fn add_album_member(&self, album_id: i64, user_id: i64, role: Role) -> DbResult<()> {
        let mut tx = self.begin().await?;
        self.add_album_member_tx(&mut tx, album_id, user_id, role).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds or changes a member. The album's owner is never a member of their own album.
    pub async fn add_album_member_tx(&self, tx: &mut Tx, album_id: i64, user_id: i64, role: Role) -> DbResult<()> {
        if role == Role::Owner {
            return Err(DbError::Conflict);
        }
        let (owner_id,): (i64,) =
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
