//! Ways in without a password (#17): passkeys, the state of a passkey ceremony between its two
//! requests, and the one-time sign-in links the admin makes for a family member.

use super::{Db, DbError, DbResult};
use crate::id::{PasskeyId, SignInLinkId, UserId};
use crate::now_ms;

/// How a session began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInMethod {
    Password,
    Passkey,
    /// The admin's one-time link.
    Link,
    /// An OpenID Connect provider (Google, the family's Keycloak).
    Oidc,
}

impl SignInMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::Passkey => "passkey",
            SignInMethod::Link => "link",
            SignInMethod::Oidc => "oidc",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [SignInMethod::Password, SignInMethod::Passkey, SignInMethod::Link, SignInMethod::Oidc]
            .into_iter()
            .find(|method| method.as_str() == text)
    }
}

/// What a ceremony's state is for, so a sign-in's state cannot finish a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CeremonyPurpose {
    PasskeyRegistration,
    PasskeySignIn,
    /// A trip to an OpenID provider and back (its id is the `state` parameter).
    Oidc,
}

impl CeremonyPurpose {
    fn as_str(self) -> &'static str {
        match self {
            CeremonyPurpose::PasskeyRegistration => "passkey_registration",
            CeremonyPurpose::PasskeySignIn => "passkey_sign_in",
            CeremonyPurpose::Oidc => "oidc",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: PasskeyId,
    pub user_id: UserId,
    /// The authenticator's id for it (base64url).
    pub credential_id: String,
    /// The verified credential as webauthn-rs keeps it (JSON).
    pub credential: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignInLink {
    pub id: SignInLinkId,
    pub user_id: UserId,
    pub user_name: String,
    pub user_email: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// An account at an OpenID provider linked to a person.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OidcIdentity {
    pub provider: String,
    pub subject: String,
    pub user_id: UserId,
    pub email: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const PASSKEY_COLUMNS: &str = "id, user_id, credential_id, credential, name, created_at, last_used_at";

impl Db {
    /// The person's WebAuthn user handle, made the first time it is asked for.
    pub async fn passkey_handle(&self, user_id: UserId, fresh: &str) -> DbResult<String> {
        sqlx::query("UPDATE users SET passkey_handle = $1 WHERE id = $2 AND passkey_handle IS NULL")
            .bind(fresh)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        let (handle,): (String,) = sqlx::query_as("SELECT passkey_handle FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(self.pool())
            .await?;
        Ok(handle)
    }

    pub async fn passkeys_of(&self, user_id: UserId) -> DbResult<Vec<PasskeyRow>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at"
        ));
        Ok(sqlx::query_as(sql).bind(user_id).fetch_all(self.pool()).await?)
    }

    /// The passkey with this credential id, if it belongs to the person with this handle.
    pub async fn passkey_for_sign_in(&self, handle: &str, credential_id: &str) -> DbResult<PasskeyRow> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM passkeys p JOIN users u ON u.id = p.user_id \
             WHERE p.credential_id = $1 AND u.passkey_handle = $2",
            PASSKEY_COLUMNS.split(", ").map(|column| format!("p.{column}")).collect::<Vec<_>>().join(", ")
        ));
        Ok(sqlx::query_as(sql).bind(credential_id).bind(handle).fetch_one(self.pool()).await?)
    }

    /// Keeps a new passkey; `Conflict` when its credential is already someone's.
    pub async fn add_passkey(
        &self,
        user_id: UserId,
        credential_id: &str,
        credential: &str,
        name: &str,
    ) -> DbResult<PasskeyRow> {
        let id = PasskeyId::new(self.next_id());
        sqlx::query(
            "INSERT INTO passkeys (id, user_id, credential_id, credential, name, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(user_id)
        .bind(credential_id)
        .bind(credential)
        .bind(name)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        let sql = sqlx::AssertSqlSafe(format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE id = $1"));
        Ok(sqlx::query_as(sql).bind(id).fetch_one(self.pool()).await?)
    }

    /// Records a sign-in with a passkey and its new signature counter.
    pub async fn passkey_used(&self, id: PasskeyId, credential: &str) -> DbResult<()> {
        sqlx::query("UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3")
            .bind(credential)
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Removes one of the person's passkeys; false when they have none with this id.
    pub async fn remove_passkey(&self, user_id: UserId, id: PasskeyId) -> DbResult<bool> {
        let removed = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(removed.rows_affected() > 0)
    }

    pub async fn begin_ceremony(
        &self,
        id: &str,
        purpose: CeremonyPurpose,
        user_id: Option<UserId>,
        state: &str,
        expires_at: i64,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO auth_ceremonies (id, purpose, user_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(purpose.as_str())
        .bind(user_id)
        .bind(state)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes a ceremony's state and who began it, once: a second take finds nothing. One of
    /// another purpose or past its time is `NotFound` too.
    pub async fn take_ceremony(&self, id: &str, purpose: CeremonyPurpose) -> DbResult<(String, Option<UserId>)> {
        let (state, owner, expires_at): (String, Option<UserId>, i64) = sqlx::query_as(
            "DELETE FROM auth_ceremonies WHERE id = $1 AND purpose = $2 RETURNING state, user_id, expires_at",
        )
        .bind(id)
        .bind(purpose.as_str())
        .fetch_one(self.pool())
        .await?;
        if expires_at <= now_ms() {
            return Err(DbError::NotFound);
        }
        Ok((state, owner))
    }

    pub async fn create_sign_in_link(
        &self,
        token_hash: &str,
        user_id: UserId,
        created_by: UserId,
        expires_at: i64,
    ) -> DbResult<SignInLinkId> {
        let id = SignInLinkId::new(self.next_id());
        sqlx::query(
            "INSERT INTO sign_in_links (id, token_hash, user_id, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(token_hash)
        .bind(user_id)
        .bind(created_by)
        .bind(now_ms())
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Marks an unused, unrevoked, unexpired link as used and returns whose it is; `NotFound`
    /// otherwise. One statement, so two uses at once cannot both succeed.
    pub async fn use_sign_in_link(&self, token_hash: &str) -> DbResult<UserId> {
        let now = now_ms();
        let (user_id,): (UserId,) = sqlx::query_as(
            "UPDATE sign_in_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_one(self.pool())
        .await?;
        Ok(user_id)
    }

    /// Revokes a link not used yet; false when there is no such link or it was used.
    pub async fn revoke_sign_in_link(&self, id: SignInLinkId) -> DbResult<bool> {
        let revoked = sqlx::query(
            "UPDATE sign_in_links SET revoked_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(revoked.rows_affected() > 0)
    }

    /// Every link made, newest first: the admin's audit list.
    pub async fn sign_in_links(&self, limit: i64) -> DbResult<Vec<SignInLink>> {
        Ok(sqlx::query_as(
            "SELECT l.id, l.user_id, u.display_name AS user_name, u.email AS user_email, \
             c.display_name AS created_by_name, l.created_at, l.expires_at, l.used_at, l.revoked_at \
             FROM sign_in_links l JOIN users u ON u.id = l.user_id JOIN users c ON c.id = l.created_by \
             ORDER BY l.created_at DESC, l.id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Whose this provider account is, recording that it was used; `NotFound` when nobody's.
    pub async fn oidc_identity_used(&self, provider: &str, subject: &str) -> DbResult<UserId> {
        let (user_id,): (UserId,) = sqlx::query_as(
            "UPDATE oidc_identities SET last_used_at = $1 WHERE provider = $2 AND subject = $3 RETURNING user_id",
        )
        .bind(now_ms())
        .bind(provider)
        .bind(subject)
        .fetch_one(self.pool())
        .await?;
        Ok(user_id)
    }

    /// Links a provider account to a person; `Conflict` when it is linked already (to anyone),
    /// or the person has another account at this provider.
    pub async fn link_oidc_identity(&self, tx: Option<&mut super::Tx>, identity: &OidcIdentity) -> DbResult<()> {
        let query = sqlx::query(
            "INSERT INTO oidc_identities (provider, subject, user_id, email, created_at) \
             SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
             (SELECT 1 FROM oidc_identities WHERE provider = $1 AND user_id = $3)",
        )
        .bind(&identity.provider)
        .bind(&identity.subject)
        .bind(identity.user_id)
        .bind(&identity.email)
        .bind(identity.created_at);
        let inserted = match tx {
            Some(tx) => query.execute(&mut **tx).await?,
            None => query.execute(self.pool()).await?,
        };
        if inserted.rows_affected() == 0 { Err(DbError::Conflict) } else { Ok(()) }
    }

    pub async fn oidc_identities_of(&self, user_id: UserId) -> DbResult<Vec<OidcIdentity>> {
        Ok(sqlx::query_as(
            "SELECT provider, subject, user_id, email, created_at, last_used_at FROM oidc_identities \
             WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Unlinks the person's account at this provider; false when there is none.
    pub async fn unlink_oidc_identity(&self, user_id: UserId, provider: &str) -> DbResult<bool> {
        let removed = sqlx::query("DELETE FROM oidc_identities WHERE user_id = $1 AND provider = $2")
            .bind(user_id)
            .bind(provider)
            .execute(self.pool())
            .await?;
        Ok(removed.rows_affected() > 0)
    }

    /// Ceremonies begun and never finished.
    pub async fn delete_expired_ceremonies(&self) -> DbResult<u64> {
        let result = sqlx::query("DELETE FROM auth_ceremonies WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}
