use super::{Db, DbResult, Role, Tx};
use crate::id::{AlbumId, UserId};
use crate::now_ms;

#[derive(Clone, Debug)]
pub struct Invite {
    pub album_id: Option<AlbumId>,
    pub role: Option<Role>,
}

impl Db {
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
