use super::{Db, DbResult, Role, Tx};
use crate::id::{AlbumId, UserId};
use crate::now_ms;

#[derive(Clone, Debug)]
pub struct Invite {
    pub album_id: Option<AlbumId>,
    pub role: Option<Role>,
}

/// An invite as its link shows it to whoever opens it: who made it and into which album, whether
/// it still works. No token and no member list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InvitePreview {
    pub album_id: Option<AlbumId>,
    /// None for an invite into the family only, or into an album deleted since.
    pub album_title: Option<String>,
    role: Option<String>,
    pub invited_by: String,
    pub expires_at: i64,
    #[sqlx(try_from = "super::Flag")]
    pub used: bool,
    #[sqlx(try_from = "super::Flag")]
    pub album_deleted: bool,
}

impl InvitePreview {
    /// The role it gives in its album.
    pub fn role(&self) -> Option<Role> {
        self.role.as_deref().and_then(Role::parse)
    }

    /// Unused, not expired, and its album (if any) not deleted.
    pub fn usable(&self, now: i64) -> bool {
        !self.used && self.expires_at > now && !self.album_deleted
    }
}

impl Db {
    /// The invite with this token's hash, used or not; `NotFound` when there is none.
    pub async fn invite_preview(&self, token_hash: &str) -> DbResult<InvitePreview> {
        Ok(sqlx::query_as(
            "SELECT i.album_id, CASE WHEN a.deleted_at IS NULL THEN a.title END AS album_title, i.role, \
               u.display_name AS invited_by, i.expires_at, \
               CAST(CASE WHEN i.used_by IS NULL THEN 0 ELSE 1 END AS BIGINT) AS used, \
               CAST(CASE WHEN a.deleted_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS album_deleted \
             FROM invites i JOIN users u ON u.id = i.created_by LEFT JOIN albums a ON a.id = i.album_id \
             WHERE i.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_one(self.pool())
        .await?)
    }

    /// Someone already in the family uses an album invite: it is used up by them and they join
    /// the album with its role, in one transaction. `NotFound` when it was used or expired
    /// meanwhile.
    pub async fn accept_album_invite(&self, token_hash: &str, user_id: UserId) -> DbResult<AlbumId> {
        let mut tx = self.begin().await?;
        let invite = self.consume_invite(&mut tx, token_hash, user_id).await?;
        let (Some(album_id), Some(role)) = (invite.album_id, invite.role) else {
            return Err(super::DbError::NotFound);
        };
        self.add_album_member_tx(&mut tx, album_id, user_id, role).await?;
        self.commit_activity(tx).await?;
        Ok(album_id)
    }

    pub async fn create_invite(
        &self,
        token_hash: &str,
        created_by: UserId,
        album: Option<(AlbumId, Role)>,
        expires_at: i64,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO invites (token_hash, created_by, album_id, role, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(created_by)
        .bind(album.map(|(id, _)| id))
        .bind(album.map(|(_, role)| role.as_str()))
        .bind(now_ms())
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Marks an unused, unexpired invite as used by `user_id`; `NotFound` when there is none.
    /// Runs in the registration's transaction so a failed registration leaves the invite usable.
    pub async fn consume_invite(&self, tx: &mut Tx, token_hash: &str, user_id: UserId) -> DbResult<Invite> {
        let (album_id, role): (Option<AlbumId>, Option<String>) = sqlx::query_as(
            "UPDATE invites SET used_by = $1 WHERE token_hash = $2 AND used_by IS NULL AND expires_at > $3 \
             RETURNING album_id, role",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
        Ok(Invite { album_id, role: role.as_deref().and_then(Role::parse) })
    }
}
