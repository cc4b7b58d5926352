use super::{Db, DbError, DbResult, Tx};
use crate::id::UserId;
use crate::now_ms;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: i64,
    pub quota_bytes: i64,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
    pub failed_logins: i64,
    pub login_blocked_until: i64,
    pub created_at: i64,
    /// False for someone who joined through an OpenID provider and never chose a password.
    #[sqlx(try_from = "super::Flag")]
    pub password_set: bool,
    /// Simple mode (#20): they only look; see [`super::access::may_delete_or_rename`].
    #[sqlx(try_from = "super::Flag")]
    pub simple_mode: bool,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.is_admin != 0
    }

    pub fn free_bytes(&self) -> i64 {
        self.quota_bytes - self.used_bytes - self.reserved_bytes
    }
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    /// False when `password_hash` is of a random password nobody knows.
    pub password_set: bool,
    pub quota_bytes: i64,
}

pub(super) const USER_COLUMNS_QUALIFIED: &str = "u.id, u.email, u.display_name, u.password_hash, u.is_admin, \
     u.quota_bytes, u.used_bytes, u.reserved_bytes, u.failed_logins, u.login_blocked_until, u.created_at, u.password_set, \
     u.simple_mode";

const USER_COLUMNS: &str = "id, email, display_name, password_hash, is_admin, quota_bytes, used_bytes, \
     reserved_bytes, failed_logins, login_blocked_until, created_at, password_set, simple_mode";

impl Db {
    /// Creates a user; the first user of an installation becomes its admin. The count and the
    /// insert share one transaction so two first registrations cannot both become admin.
    pub async fn create_user(&self, tx: &mut Tx, new: &NewUser<'_>) -> DbResult<User> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&mut **tx).await?;
        let id = UserId::new(self.next_id());
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, is_admin, quota_bytes, created_at, \
             password_set) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(i64::from(count == 0))
        .bind(new.quota_bytes)
        .bind(now_ms())
        .bind(i64::from(new.password_set))
        .execute(&mut **tx)
        .await?;
        user_by_id(&mut **tx, id).await
    }

    pub async fn count_users(&self) -> DbResult<i64> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(self.pool()).await?;
        Ok(count)
    }

    pub async fn user(&self, id: UserId) -> DbResult<User> {
        user_by_id(self.pool(), id).await
    }

    pub async fn user_by_email(&self, email: &str) -> DbResult<User> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"));
        Ok(sqlx::query_as(sql).bind(email).fetch_one(self.pool()).await?)
    }

    pub async fn list_users(&self) -> DbResult<Vec<User>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"));
        Ok(sqlx::query_as(sql).fetch_all(self.pool()).await?)
    }

    /// Counts a failed password and, past a few, blocks logins with a doubling delay.
    pub async fn record_failed_login(&self, user_id: UserId) -> DbResult<()> {
        let mut tx = self.begin().await?;
        let (failed,): (i64,) =
            sqlx::query_as("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        if let Some(blocked_until) = blocked_after_failures(failed) {
            sqlx::query("UPDATE users SET login_blocked_until = $1 WHERE id = $2")
                .bind(blocked_until)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn reset_failed_logins(&self, user_id: UserId) -> DbResult<()> {
        sqlx::query("UPDATE users SET failed_logins = 0, login_blocked_until = 0 WHERE id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A new password; the failed-sign-in count starts again.
    pub async fn set_password(&self, user_id: UserId, password_hash: &str) -> DbResult<()> {
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_set = 1, failed_logins = 0, login_blocked_until = 0 \
             WHERE id = $2",
        )
        .bind(password_hash)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Turns simple mode on or off, by the person themselves or by the family's admin.
    pub async fn set_simple_mode(&self, user_id: UserId, on: bool) -> DbResult<User> {
        self.set_user_setting(user_id, UserSetting::SimpleMode, i64::from(on)).await
    }

    pub async fn set_quota(&self, user_id: UserId, quota_bytes: i64) -> DbResult<User> {
        self.set_user_setting(user_id, UserSetting::Quota, quota_bytes).await
    }

    /// Changes one of a person's settings and reads them back; `NotFound` when there is no such
    /// person.
    async fn set_user_setting(&self, user_id: UserId, setting: UserSetting, value: i64) -> DbResult<User> {
        let column = match setting {
            UserSetting::SimpleMode => "simple_mode",
            UserSetting::Quota => "quota_bytes",
        };
        let sql = sqlx::AssertSqlSafe(format!("UPDATE users SET {column} = $1 WHERE id = $2"));
        let result = sqlx::query(sql).bind(value).bind(user_id).execute(self.pool()).await?;
        if result.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        self.user(user_id).await
    }
}

/// The settings the admin (or the person) changes one at a time; each names its column.
enum UserSetting {
    SimpleMode,
    Quota,
}

pub(super) async fn user_by_id<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: UserId,
) -> DbResult<User> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
    Ok(sqlx::query_as(sql).bind(id).fetch_one(executor).await?)
}

/// Until when guessing waits after `failed` wrong passwords in a row: the first few are free,
/// then each try waits twice as long, up to 15 minutes. One rule for accounts and share links.
pub(super) fn blocked_after_failures(failed: i64) -> Option<i64> {
    const FREE_ATTEMPTS: i64 = 5;
    (failed >= FREE_ATTEMPTS).then(|| {
        let delay_secs = (1_i64 << (failed - FREE_ATTEMPTS).min(10)).min(15 * 60);
        now_ms() + delay_secs * 1000
    })
}
