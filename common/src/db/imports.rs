//! What an import (#18) asks of the database beyond the uploads' own queries.

use super::{Db, DbResult};
use crate::id::UserId;

impl Db {
    /// The SHA-256 (hex) of every file the user has added and not deleted: the one the
    /// thumbnailer computed, or, before it did, the one the upload declared. A file whose bytes
    /// did not match what was declared failed, and is not counted.
    pub async fn owned_checksums(&self, user_id: UserId) -> DbResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(sha256, declared_sha256) FROM media \
             WHERE owner_id = $1 AND deleted_at IS NULL AND status <> 'failed' \
             AND COALESCE(sha256, declared_sha256) IS NOT NULL",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }
}
