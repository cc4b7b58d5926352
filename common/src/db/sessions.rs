use super::users::{USER_COLUMNS_QUALIFIED, User};
use super::{Db, DbResult};
use crate::id::UserId;
use crate::now_ms;

impl Db {
    /// Stores only the SHA-256 of a session token, so a leaked database does not log anyone in.
    pub async fn create_session(&self, token_hash: &str, user_id: UserId, expires_at: i64) -> DbResult<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now_ms())
            .bind(expires_at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str) -> DbResult<User> {
        // One round trip: this runs on every authenticated request.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
            USER_COLUMNS_QUALIFIED
        ));
        Ok(sqlx::query_as(sql).bind(token_hash).bind(now_ms()).fetch_one(self.pool()).await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(self.pool()).await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self) -> DbResult<u64> {
        let result =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now_ms()).execute(self.pool()).await?;
        Ok(result.rows_affected())
    }
}
