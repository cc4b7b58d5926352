use super::feed::{ActivityKind, NewActivity, record_activity};
use super::media::{Media, NewMedia, insert_media};
use super::outbox::insert_outbox;
use super::{Db, DbError, DbResult};
use crate::events::Event;
use crate::id::{AlbumId, MediaId, UserId};
use crate::now_ms;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Upload {
    pub id: MediaId,
    pub user_id: UserId,
    pub album_id: AlbumId,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub object_key: String,
    pub multipart_upload_id: Option<String>,
    pub part_size: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    /// The SHA-256 the client declared (hex), checked against the stored bytes.
    pub declared_sha256: Option<String>,
}

impl Upload {
    pub fn declared_sha256(&self) -> Option<crate::checksum::Sha256> {
        self.declared_sha256.as_deref().and_then(crate::checksum::Sha256::parse_hex)
    }

    /// A multipart upload that declared its SHA-256 takes only parts that carry their own.
    pub fn checksummed_parts(&self) -> bool {
        self.multipart_upload_id.is_some() && self.declared_sha256.is_some()
    }
}

pub struct NewUpload<'a> {
    pub id: MediaId,
    pub user_id: UserId,
    pub album_id: AlbumId,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub object_key: &'a str,
    pub multipart_upload_id: Option<&'a str>,
    pub part_size: Option<i64>,
    pub expires_at: i64,
    pub declared_sha256: Option<&'a str>,
}

const UPLOAD_COLUMNS: &str = "id, user_id, album_id, filename, content_type, size_bytes, object_key, \
     multipart_upload_id, part_size, created_at, expires_at, declared_sha256";

/// Why a reservation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    #[error("quota exceeded: {free_bytes} bytes free")]
    QuotaExceeded { free_bytes: i64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ReserveError {
    fn from(err: sqlx::Error) -> Self {
        ReserveError::Db(err.into())
    }
}

impl Db {
    /// Reserves the bytes and writes the reservation row in one transaction. The quota check is
    /// the UPDATE's own condition, so it holds even if two callers slip past the user lock.
    pub async fn reserve_upload(&self, new: &NewUpload<'_>) -> Result<Upload, ReserveError> {
        let mut tx = self.begin().await?;
        let reserved = sqlx::query(
            "UPDATE users SET reserved_bytes = reserved_bytes + $1 \
             WHERE id = $2 AND used_bytes + reserved_bytes + $1 <= quota_bytes",
        )
        .bind(new.size_bytes)
        .bind(new.user_id)
        .execute(&mut *tx)
        .await?;
        if reserved.rows_affected() == 0 {
            let (free_bytes,): (i64,) =
                sqlx::query_as("SELECT quota_bytes - used_bytes - reserved_bytes FROM users WHERE id = $1")
                    .bind(new.user_id)
                    .fetch_one(&mut *tx)
                    .await?;
            return Err(ReserveError::QuotaExceeded { free_bytes: free_bytes.max(0) });
        }
        sqlx::query(
            "INSERT INTO uploads (id, user_id, album_id, filename, content_type, size_bytes, object_key, \
             multipart_upload_id, part_size, created_at, expires_at, declared_sha256) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(new.id)
        .bind(new.user_id)
        .bind(new.album_id)
        .bind(new.filename)
        .bind(new.content_type)
        .bind(new.size_bytes)
        .bind(new.object_key)
        .bind(new.multipart_upload_id)
        .bind(new.part_size)
        .bind(now_ms())
        .bind(new.expires_at)
        .bind(new.declared_sha256)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.upload(new.id).await.map_err(ReserveError::Db)
    }

    pub async fn upload(&self, id: MediaId) -> DbResult<Upload> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1"));
        Ok(sqlx::query_as(sql).bind(id).fetch_one(self.pool()).await?)
    }

    /// Drops a reservation and gives its bytes back. Returns false when it was already gone
    /// (completed, aborted or swept by someone else), in which case nothing changes.
    pub async fn release_upload(&self, upload: &Upload) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM uploads WHERE id = $1").bind(upload.id).execute(&mut *tx).await?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET reserved_bytes = reserved_bytes - $1 WHERE id = $2")
            .bind(upload.size_bytes)
            .bind(upload.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Turns a reservation into media in one transaction: the media row, the quota (the size S3
    /// reported is used, the reservation released) and the outbox row for `media.uploaded`.
    /// `NotFound` when the reservation is gone.
    pub async fn complete_upload(&self, upload: &Upload, media: &NewMedia<'_>) -> DbResult<Media> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM uploads WHERE id = $1").bind(upload.id).execute(&mut *tx).await?;
        if deleted.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        sqlx::query(
            "UPDATE users SET reserved_bytes = reserved_bytes - $1, used_bytes = used_bytes + $2 WHERE id = $3",
        )
        .bind(upload.size_bytes)
        .bind(media.size_bytes)
        .bind(upload.user_id)
        .execute(&mut *tx)
        .await?;
        insert_media(&mut tx, media).await?;
        insert_outbox(&mut tx, self.next_id(), &Event::MediaUploaded { media_id: media.id }).await?;
        let activity = NewActivity::new(ActivityKind::PhotosAdded, upload.user_id, upload.album_id).media(media.id);
        record_activity(&mut tx, self.next_id(), &activity).await?;
        self.commit_activity(tx).await?;
        self.media(media.id).await
    }

    /// The user's reservations, newest first, after the `before` id.
    pub async fn uploads_of(&self, user_id: UserId, before: Option<MediaId>, limit: i64) -> DbResult<Vec<Upload>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ));
        let before = before.unwrap_or(MediaId::new(i64::MAX));
        Ok(sqlx::query_as(sql).bind(user_id).bind(before).bind(limit).fetch_all(self.pool()).await?)
    }

    pub async fn expired_uploads(&self, now: i64, limit: i64) -> DbResult<Vec<Upload>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2"
        ));
        Ok(sqlx::query_as(sql).bind(now).bind(limit).fetch_all(self.pool()).await?)
    }
}
