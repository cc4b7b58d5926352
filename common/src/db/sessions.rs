use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::sign_in::SignInMethod;
use super::users::{USER_COLUMNS_QUALIFIED, User};
use super::{Db, DbResult};
use crate::id::UserId;
use crate::now_ms;

/// A session as its person sees it: the first 16 hex characters of its token's SHA-256 name it
/// (the token itself is never stored, and the name cannot be turned back into it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    const CHARS: usize = 16;

    pub fn of_hash(token_hash: &str) -> Self {
        Self(token_hash.chars().take(Self::CHARS).collect())
    }

    pub fn parse(text: &str) -> Option<Self> {
        let valid = text.len() == Self::CHARS && text.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        valid.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whose each session token was (by its hash), as the database said in the last few seconds
/// (#19 goal 2): an album's pages are asked for on every scroll, and looking the session up cost
/// the database as much as the page. Ending a session through `Db` forgets it here at once;
/// another api process, with a memory of its own, serves it at most `FOR` longer.
#[derive(Default)]
pub(super) struct SessionMemory {
    entries: Mutex<HashMap<String, (UserId, Instant)>>,
}

impl SessionMemory {
    const FOR: Duration = Duration::from_secs(10);
    const MAX_ENTRIES: usize = 10_000;

    fn recall(&self, token_hash: &str) -> Option<UserId> {
        self.lock().get(token_hash).filter(|(_, at)| at.elapsed() < Self::FOR).map(|(user_id, _)| *user_id)
    }

    fn remember(&self, token_hash: &str, user_id: UserId) {
        let mut entries = self.lock();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (_, at)| at.elapsed() < Self::FOR);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(token_hash.to_owned(), (user_id, Instant::now()));
    }

    fn forget(&self, ended: impl Fn(&str, UserId) -> bool) {
        self.lock().retain(|token_hash, (user_id, _)| !ended(token_hash, *user_id));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, (UserId, Instant)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Its token hashes are not for logs.
impl std::fmt::Debug for SessionMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionMemory({} sessions)", self.lock().len())
    }
}

/// The signed-in user of a session, and when the session was last used.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignedIn {
    #[sqlx(flatten)]
    pub user: User,
    pub last_seen_at: Option<i64>,
}

/// One of a person's sessions.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_agent: Option<String>,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    /// A [`SignInMethod`], as stored.
    pub signed_in_with: String,
    /// The address it began from.
    pub client_ip: Option<String>,
}

impl SessionRow {
    pub fn signed_in_with(&self) -> SignInMethod {
        SignInMethod::parse(&self.signed_in_with).unwrap_or(SignInMethod::Password)
    }
}

/// How stale `last_seen_at` may get before a request writes it again.
const LAST_SEEN_EVERY_MS: i64 = 60_000;
/// The longest User-Agent kept.
const MAX_USER_AGENT_CHARS: usize = 300;

impl Db {
    /// Stores only the SHA-256 of a session token, so a leaked database does not log anyone in.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        expires_at: i64,
        user_agent: Option<&str>,
        method: SignInMethod,
        client_ip: std::net::IpAddr,
    ) -> DbResult<()> {
        let user_agent = user_agent.map(|agent| agent.chars().take(MAX_USER_AGENT_CHARS).collect::<String>());
        let now = now_ms();
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, user_agent, last_seen_at, \
             signed_in_with, client_ip) VALUES ($1, $2, $3, $4, $5, $3, $6, $7)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .bind(user_agent)
        .bind(method.as_str())
        .bind(client_ip.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn session_user(&self, token_hash: &str) -> DbResult<SignedIn> {
        // One round trip: this runs on every authenticated request.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {}, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
            USER_COLUMNS_QUALIFIED
        ));
        let signed_in: SignedIn = sqlx::query_as(sql).bind(token_hash).bind(now_ms()).fetch_one(self.pool()).await?;
        self.sessions.remember(token_hash, signed_in.user.id);
        Ok(signed_in)
    }

    /// Whose the live session is, when `session_user` said so in the last few seconds (see
    /// `SessionMemory`); `None`: ask `session_user`.
    pub fn recent_session_user(&self, token_hash: &str) -> Option<UserId> {
        self.sessions.recall(token_hash)
    }

    /// Records that a session was used, unless it was within the last minute (a write per
    /// request would cost every page).
    pub async fn seen_session(&self, token_hash: &str, last_seen_at: Option<i64>) -> DbResult<()> {
        let now = now_ms();
        if last_seen_at.is_some_and(|seen| now - seen < LAST_SEEN_EVERY_MS) {
            return Ok(());
        }
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The person's live sessions, most recently used first.
    pub async fn sessions_of(&self, user_id: UserId) -> DbResult<Vec<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT token_hash, user_agent, created_at, last_seen_at, signed_in_with, client_ip FROM sessions \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY COALESCE(last_seen_at, created_at) DESC",
        )
        .bind(user_id)
        .bind(now_ms())
        .fetch_all(self.pool())
        .await?)
    }

    /// One live session, by its token's hash.
    pub async fn session(&self, token_hash: &str) -> DbResult<SessionRow> {
        Ok(sqlx::query_as(
            "SELECT token_hash, user_agent, created_at, last_seen_at, signed_in_with, client_ip FROM sessions \
             WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_one(self.pool())
        .await?)
    }

    /// Ends one of the person's sessions; false when they have none of that name.
    pub async fn end_session(&self, user_id: UserId, id: &SessionId) -> DbResult<bool> {
        let ended =
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND substr(token_hash, 1, CAST($3 AS INTEGER)) = $2")
                .bind(user_id)
                .bind(id.as_str())
                .bind(SessionId::CHARS as i64)
                .execute(self.pool())
                .await?;
        self.sessions.forget(|token_hash, owner| owner == user_id && SessionId::of_hash(token_hash) == *id);
        Ok(ended.rows_affected() > 0)
    }

    /// Ends every session of the person but the one they are using; returns how many.
    pub async fn end_other_sessions(&self, user_id: UserId, keep_token_hash: &str) -> DbResult<u64> {
        let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep_token_hash)
            .execute(self.pool())
            .await?;
        self.sessions.forget(|token_hash, owner| owner == user_id && token_hash != keep_token_hash);
        Ok(ended.rows_affected())
    }

    pub async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(self.pool()).await?;
        self.sessions.forget(|remembered, _| remembered == token_hash);
        Ok(())
    }

    pub async fn delete_expired_sessions(&self) -> DbResult<u64> {
        let result =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now_ms()).execute(self.pool()).await?;
        Ok(result.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::SessionId;

    #[test]
    fn a_session_is_named_by_the_start_of_its_token_hash() {
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(SessionId::of_hash(hash).as_str(), "0123456789abcdef");
        assert_eq!(SessionId::parse("0123456789abcdef"), Some(SessionId::of_hash(hash)));
        for wrong in ["0123456789ABCDEF", "0123456789abcde", "0123456789abcdefa", "0123456789abcdeg"] {
            assert_eq!(SessionId::parse(wrong), None, "{wrong}");
        }
    }
}
