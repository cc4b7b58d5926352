use super::access::{MediaAccess, Role, album_role, may_remove_media, may_see_album, simple_mode};
use super::outbox::insert_outbox;
use super::{Db, DbError, DbResult, Tx};
use crate::events::Event;
use crate::id::{AlbumId, MediaId, UserId};
use crate::months::MonthCount;
use crate::now_ms;
use crate::storage::ObjectKind;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Media {
    pub id: MediaId,
    pub album_id: AlbumId,
    pub owner_id: UserId,
    #[sqlx(try_from = "String")]
    pub kind: MediaKind,
    #[sqlx(try_from = "String")]
    pub status: MediaStatus,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub object_key: String,
    pub derivative_bytes: i64,
    pub thumbnail_key: Option<String>,
    pub preview_key: Option<String>,
    pub playable_key: Option<String>,
    pub taken_at: i64,
    /// Whether `taken_at` was read from the file; if not, it is when it was uploaded.
    #[sqlx(try_from = "super::Flag")]
    pub taken_at_known: bool,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
    pub failure_reason: Option<String>,
    /// Why it failed, for programs: `checksum_mismatch`; None for a file that could not be read.
    pub failure_code: Option<String>,
    pub attempts: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted_at: Option<i64>,
    pub thumbhash: Option<String>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub like_count: i64,
    pub comment_count: i64,
    /// The SHA-256 of the stored original, computed by the thumbnailer (hex); trusted.
    pub sha256: Option<String>,
    /// The SHA-256 the uploading client declared (hex); checked against the stored bytes.
    pub declared_sha256: Option<String>,
    /// An iPhone Live Photo's content identifier, in its still and its movie.
    pub content_identifier: Option<String>,
    /// The video this photo plays as its motion: its own (a motion photo's) or its Live Photo movie's.
    pub motion_key: Option<String>,
    /// The Live Photo this movie is the motion of; such a movie is not listed on its own.
    pub live_photo_of: Option<MediaId>,
    /// How a member turned it, on top of the file's own orientation; the thumbnail and preview
    /// show the turn, and `width` and `height` are the turned size.
    #[sqlx(try_from = "i64")]
    pub quarter_turns: QuarterTurns,
}

/// A member's turn of a photo or video: quarter turns clockwise, 0 to 3, applied after the
/// orientation the file itself gives (EXIF, or a video's display matrix). The original is never
/// changed; only what picup makes from it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "u8", into = "u8")]
pub struct QuarterTurns(u8);

impl QuarterTurns {
    /// 0 to 3.
    pub fn get(self) -> u8 {
        self.0
    }

    pub fn degrees(self) -> u16 {
        u16::from(self.0) * 90
    }

    /// This turn, then `more` quarter turns clockwise (3 is one counterclockwise).
    pub fn then(self, more: QuarterTurns) -> QuarterTurns {
        QuarterTurns((self.0 + more.0) % 4)
    }

    /// A quarter or three quarters: width and height change places.
    pub fn swaps_sides(self) -> bool {
        self.0 % 2 == 1
    }
}

impl From<u8> for QuarterTurns {
    fn from(turns: u8) -> Self {
        QuarterTurns(turns % 4)
    }
}

impl From<QuarterTurns> for u8 {
    fn from(turns: QuarterTurns) -> u8 {
        turns.0
    }
}

impl TryFrom<i64> for QuarterTurns {
    type Error = super::UnknownValue;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u8::try_from(value)
            .ok()
            .filter(|turns| *turns < 4)
            .map(QuarterTurns)
            .ok_or(super::UnknownValue(value.to_string()))
    }
}

/// What a media item is, decided once from its content type when its upload completes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Photo,
    Video,
}

impl MediaKind {
    pub fn of_content_type(content_type: &str) -> MediaKind {
        if content_type.starts_with("video/") { MediaKind::Video } else { MediaKind::Photo }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
        }
    }
}

impl TryFrom<String> for MediaKind {
    type Error = super::UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "photo" => Ok(MediaKind::Photo),
            "video" => Ok(MediaKind::Video),
            _ => Err(super::UnknownValue(value)),
        }
    }
}

/// Where a media item is: its thumbnails being made, shown, or refused with a reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaStatus {
    Processing,
    Ready,
    Failed,
}

impl TryFrom<String> for MediaStatus {
    type Error = super::UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "processing" => Ok(MediaStatus::Processing),
            "ready" => Ok(MediaStatus::Ready),
            "failed" => Ok(MediaStatus::Failed),
            _ => Err(super::UnknownValue(value)),
        }
    }
}

/// An item of an album's page as someone sees it: where it falls (`taken_at`, `id`), what says
/// whether a view of it written before is still right (`updated_at`, which every change to its
/// row moves), and what changes without it: the counts of likes and comments and their like.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct PageRow {
    pub id: MediaId,
    pub taken_at: i64,
    pub updated_at: i64,
    pub like_count: i64,
    pub comment_count: i64,
    #[sqlx(try_from = "super::Flag")]
    pub liked: bool,
}

impl Media {
    /// Every object this media owns in storage (a Live Photo's motion is its movie's).
    pub fn object_keys(&self) -> Vec<&str> {
        let own_motion = self.motion_key.as_deref().filter(|key| ObjectKind::media_id_of(key) == Some(self.id));
        [
            Some(self.object_key.as_str()),
            self.thumbnail_key.as_deref(),
            self.preview_key.as_deref(),
            self.playable_key.as_deref(),
            own_motion,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// What purging deletes: the row's keys plus every derivative key picup makes for this media,
    /// so a thumbnailer stopped between storing a derivative and recording it leaves no orphan.
    pub fn purge_keys(&self) -> std::collections::BTreeSet<String> {
        let derivatives =
            [ObjectKind::Thumbnail, ObjectKind::Preview, ObjectKind::Poster, ObjectKind::Playable, ObjectKind::Motion]
                .map(|kind| kind.key(self.owner_id, self.id, &self.content_type));
        // And those of its turn, made but maybe not recorded yet (a turn's earlier images are
        // deleted as each new turn is recorded).
        let turned = [ObjectKind::Thumbnail, ObjectKind::Preview, ObjectKind::Poster]
            .map(|kind| kind.turned_key(self.owner_id, self.id, self.quarter_turns));
        self.object_keys().into_iter().map(str::to_owned).chain(derivatives).chain(turned).collect()
    }
}

pub struct NewMedia<'a> {
    pub id: MediaId,
    pub album_id: AlbumId,
    pub owner_id: UserId,
    pub kind: MediaKind,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub object_key: &'a str,
    /// Until the thumbnailer reads the photo's own date, the upload time stands in.
    pub taken_at: i64,
    pub declared_sha256: Option<&'a str>,
    /// What was known of the file before it was read (an import's sidecar).
    pub hints: &'a MetadataHints,
}

/// What someone other than the file says of it (a Google Takeout sidecar, #18): the media's date
/// and place until the thumbnailer reads the file, and after that only where the file says nothing
/// (the file's own EXIF wins).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetadataHints {
    /// Milliseconds since the epoch.
    pub taken_at: Option<i64>,
    /// Latitude and longitude in degrees.
    pub place: Option<(f64, f64)>,
}

/// What the thumbnailer found and made.
#[derive(Clone, Debug, Default)]
pub struct ProcessedMedia {
    pub thumbnail_key: Option<String>,
    pub preview_key: Option<String>,
    pub playable_key: Option<String>,
    pub derivative_bytes: i64,
    pub taken_at: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
    pub thumbhash: Option<String>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The SHA-256 of the original as stored (hex).
    pub sha256: Option<String>,
    pub content_identifier: Option<String>,
    /// A motion photo's own video, cut out of it.
    pub motion_key: Option<String>,
    /// The turn the thumbnail and preview were made with: recorded only while it is still the
    /// media's (a member may have turned it again meanwhile).
    pub turns: QuarterTurns,
}

/// What recording the thumbnailer's work did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// The media is ready; `replaced` are the keys of the derivatives of an earlier turn, which
    /// nothing points at any more (the caller deletes them).
    Ready { replaced: Vec<String> },
    /// A member turned it again while these were made: nothing was recorded (the newer turn's
    /// processing records its own).
    Outturned,
}

/// Position in a media list: ordered by taken-at, then id, newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaCursor {
    pub taken_at: i64,
    pub id: MediaId,
}

pub(super) const MEDIA_COLUMNS: &str = "m.id, m.album_id, m.owner_id, m.kind, m.status, m.filename, m.content_type, \
     m.size_bytes, m.object_key, m.derivative_bytes, m.thumbnail_key, m.preview_key, m.playable_key, m.taken_at, \
     m.width, m.height, m.duration_ms, m.failure_reason, m.failure_code, m.attempts, m.created_at, m.updated_at, m.deleted_at, \
     m.thumbhash, m.camera_make, m.camera_model, m.latitude, m.longitude, m.like_count, m.comment_count, \
     m.sha256, m.declared_sha256, m.content_identifier, m.motion_key, m.live_photo_of, m.quarter_turns, \
     m.taken_at_known";

pub(super) async fn insert_media(tx: &mut Tx, media: &NewMedia<'_>) -> DbResult<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO media (id, album_id, owner_id, kind, status, filename, content_type, size_bytes, object_key, \
         taken_at, created_at, updated_at, declared_sha256, taken_at_known, latitude, longitude) \
         VALUES ($1, $2, $3, $4, 'processing', $5, $6, $7, $8, $9, $10, $10, $11, $12, \
         CAST($13 AS DOUBLE PRECISION), CAST($14 AS DOUBLE PRECISION))",
    )
    .bind(media.id)
    .bind(media.album_id)
    .bind(media.owner_id)
    .bind(media.kind.as_str())
    .bind(media.filename)
    .bind(media.content_type)
    .bind(media.size_bytes)
    .bind(media.object_key)
    .bind(media.taken_at)
    .bind(now)
    .bind(media.declared_sha256)
    .bind(i64::from(media.hints.taken_at.is_some()))
    // As text, for the reason given where the thumbnailer's findings are recorded.
    .bind(media.hints.place.map(|(latitude, _)| latitude.to_string()))
    .bind(media.hints.place.map(|(_, longitude)| longitude.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// A live photo or video with this (computed, so trusted) SHA-256 that the user added, or that
    /// is in the album: what uploading the same file again would duplicate.
    pub async fn duplicate_of(&self, sha256: &str, user_id: UserId, album_id: AlbumId) -> DbResult<Option<Media>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.sha256 = $1 AND m.deleted_at IS NULL \
             AND (m.owner_id = $2 OR m.album_id = $3) ORDER BY m.id LIMIT 1"
        ));
        Ok(sqlx::query_as(sql).bind(sha256).bind(user_id).bind(album_id).fetch_optional(self.pool()).await?)
    }

    /// The stored original is not what the client sent (its SHA-256 differs): the media fails with
    /// `reason`, and its bytes are given back (the caller deletes the object). Once: a second call
    /// finds it failed already and changes nothing.
    pub async fn mark_media_corrupt(&self, id: MediaId, reason: &str) -> DbResult<()> {
        let mut tx = self.begin().await?;
        // Touching the row first takes its lock on PostgreSQL, so the read below is not stale.
        let touched = sqlx::query("UPDATE media SET updated_at = $1 WHERE id = $2 AND status = 'processing'")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if touched.rows_affected() == 0 {
            return Ok(());
        }
        let (owner_id, bytes): (UserId, i64) =
            sqlx::query_as("SELECT owner_id, size_bytes FROM media WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        sqlx::query(
            "UPDATE media SET status = 'failed', failure_reason = $1, failure_code = 'checksum_mismatch', \
             size_bytes = 0 WHERE id = $2",
        )
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE users SET used_bytes = used_bytes - $1 WHERE id = $2")
            .bind(bytes)
            .bind(owner_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn media(&self, id: MediaId) -> DbResult<Media> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id = $1"));
        Ok(sqlx::query_as(sql).bind(id).fetch_one(self.pool()).await?)
    }

    /// A media item and what the caller may do with it, if they may see it (items in the trash:
    /// their uploader and the album's owner only); else `NotFound`.
    pub async fn media_for_user(&self, id: MediaId, user_id: UserId) -> DbResult<(Media, MediaAccess)> {
        let media = self.media(id).await?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {role} AS role, CAST(CASE WHEN a.owner_id = $1 THEN 1 ELSE 0 END AS BIGINT), {simple_mode} \
             FROM albums a WHERE a.id = $2",
            role = album_role("a", "$1"),
            simple_mode = simple_mode("$1")
        ));
        let (role, owns_album, simple_mode): (Option<String>, super::Flag, super::Flag) =
            sqlx::query_as(sql).bind(user_id).bind(media.album_id).fetch_one(self.pool()).await?;
        let role = role.as_deref().and_then(Role::parse);
        let access = MediaAccess { user_id, role, owns_album: owns_album.into(), simple_mode: simple_mode.into() };
        if !access.may_see(media.owner_id, media.deleted_at.is_some()) {
            return Err(DbError::NotFound);
        }
        Ok((media, access))
    }

    /// A page of an album as `viewer_id` sees it, newest taken first, with their likes, in one
    /// round trip (this is the album's hot path); the rest of each item is `media_with_ids`'.
    /// The row comparison `(taken_at, id) < (..)` lets both databases start the index range at
    /// the cursor, so page 180 000 costs what page 1 does. The access check is part of the
    /// query: rows come back only to someone who may see the album, so an empty page does not
    /// say which; `album_access` does.
    pub async fn album_page(
        &self,
        album_id: AlbumId,
        viewer_id: UserId,
        after: Option<MediaCursor>,
        limit: i64,
    ) -> DbResult<Vec<PageRow>> {
        let after = after.unwrap_or(MediaCursor { taken_at: i64::MAX, id: MediaId::new(i64::MAX) });
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT m.id, m.taken_at, m.updated_at, m.like_count, m.comment_count, CAST(CASE WHEN EXISTS \
               (SELECT 1 FROM likes l WHERE l.media_id = m.id AND l.user_id = $2) THEN 1 ELSE 0 END AS BIGINT) AS liked \
             FROM media m WHERE m.album_id = $1 AND m.deleted_at IS NULL AND m.live_photo_of IS NULL \
             AND (m.taken_at, m.id) < ($3, $4) \
             AND EXISTS (SELECT 1 FROM albums a WHERE a.id = $1 AND {may_see}) \
             ORDER BY m.taken_at DESC, m.id DESC LIMIT {limit}",
            may_see = may_see_album("a", "$2")
        ));
        // The limit is written into the statement: with `LIMIT $5` PostgreSQL costs the generic
        // plan as if a tenth of the album were read, and so planned the statement again on every
        // call, which was half of its CPU under load. A number is safe to inline.
        Ok(sqlx::query_as(sql)
            .bind(album_id)
            .bind(viewer_id)
            .bind(after.taken_at)
            .bind(after.id)
            .fetch_all(self.pool())
            .await?)
    }

    /// The media with these ids, in no order; ids of media purged since are left out. No access
    /// check: the ids come from a query that made it (`album_page`).
    pub async fn media_with_ids(&self, ids: &[MediaId]) -> DbResult<Vec<Media>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id IN ({})",
            placeholders.join(", ")
        ));
        // As many shapes as page sizes: not worth a prepared statement on every connection.
        let mut query = sqlx::query_as(sql).persistent(false);
        for id in ids {
            query = query.bind(*id);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// What changes whenever the album's listed photos or their dates change (the newest
    /// `updated_at` of its media, 0 for none); `None` when the viewer may not see the album.
    pub async fn album_listing_version(&self, album_id: AlbumId, viewer_id: UserId) -> DbResult<Option<i64>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT CAST(COALESCE((SELECT MAX(m.updated_at) FROM media m WHERE m.album_id = $1), 0) AS BIGINT) \
             FROM albums a WHERE a.id = $1 AND {may_see}",
            may_see = may_see_album("a", "$2")
        ));
        Ok(sqlx::query_scalar(sql).bind(album_id).bind(viewer_id).fetch_optional(self.pool()).await?)
    }

    /// The months of the album that hold photos or videos the album's page lists, newest first,
    /// with how many, `offset_ms` east of UTC; empty when the viewer may not see the album.
    pub async fn album_months(
        &self,
        album_id: AlbumId,
        viewer_id: UserId,
        offset_ms: i64,
    ) -> DbResult<Vec<MonthCount>> {
        let year_month = super::memories::taken_in_zone(self.backend(), "$3").year_month;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {year_month} AS month, COUNT(*) AS count FROM media m \
             WHERE m.album_id = $1 AND m.deleted_at IS NULL AND m.live_photo_of IS NULL \
             AND EXISTS (SELECT 1 FROM albums a WHERE a.id = $1 AND {may_see}) \
             GROUP BY 1 ORDER BY 1 DESC",
            may_see = may_see_album("a", "$2")
        ));
        let rows: Vec<(String, i64)> =
            sqlx::query_as(sql).bind(album_id).bind(viewer_id).bind(offset_ms).fetch_all(self.pool()).await?;
        // A month the database wrote is always one `Month` reads; a year past 9999 is left out.
        Ok(rows
            .into_iter()
            .filter_map(|(month, count)| Some(MonthCount { month: month.parse().ok()?, count }))
            .collect())
    }

    /// Joins a Live Photo's still and movie once both are ready (the same owner, album and
    /// content identifier): the movie becomes the photo's motion and leaves the lists, still
    /// stored and counted as the movie. Run when either becomes ready, after its own commit, so
    /// the second to finish always finds the first. Returns the photo, when a pair was made.
    pub async fn pair_live_photo(&self, id: MediaId) -> DbResult<Option<MediaId>> {
        let media = self.media(id).await?;
        let Some(identifier) = media.content_identifier.as_deref() else { return Ok(None) };
        let other_kind = match media.kind {
            MediaKind::Photo => MediaKind::Video,
            MediaKind::Video => MediaKind::Photo,
        };
        let other: Option<(MediaId,)> = sqlx::query_as(
            "SELECT id FROM media WHERE owner_id = $1 AND album_id = $2 AND content_identifier = $3 AND kind = $4 \
             AND status = 'ready' AND deleted_at IS NULL AND live_photo_of IS NULL AND id <> $5 ORDER BY id LIMIT 1",
        )
        .bind(media.owner_id)
        .bind(media.album_id)
        .bind(identifier)
        .bind(other_kind.as_str())
        .bind(media.id)
        .fetch_optional(self.pool())
        .await?;
        let Some((other,)) = other else { return Ok(None) };
        let (photo, movie) = if media.kind == MediaKind::Photo { (media.id, other) } else { (other, media.id) };
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE media SET live_photo_of = $1, updated_at = $3 WHERE id = $2 AND live_photo_of IS NULL")
            .bind(photo)
            .bind(movie)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE media SET updated_at = $3, motion_key = \
             (SELECT COALESCE(v.playable_key, v.object_key) FROM media v WHERE v.id = $2) \
             WHERE id = $1 AND motion_key IS NULL",
        )
        .bind(photo)
        .bind(movie)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(photo))
    }

    /// Moves media to the trash, with the movie of a Live Photo.
    pub async fn trash_media(&self, id: MediaId) -> DbResult<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE media SET deleted_at = $1, updated_at = $1 WHERE (id = $2 OR live_photo_of = $2) \
             AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Brings media back from the trash, and its album too if the album was deleted with it.
    pub async fn restore_media(&self, id: MediaId) -> DbResult<()> {
        let mut tx = self.begin().await?;
        let restored = sqlx::query(
            "UPDATE media SET deleted_at = NULL, updated_at = $1 WHERE (id = $2 OR live_photo_of = $2) \
             AND deleted_at IS NOT NULL AND purge_requested = 0",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if restored.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        sqlx::query("UPDATE albums SET deleted_at = NULL WHERE id = (SELECT album_id FROM media WHERE id = $1)")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user's trash: deleted media they uploaded or that sit in an album they own.
    pub async fn list_trash(&self, user_id: UserId, after: Option<i64>, limit: i64) -> DbResult<Vec<Media>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.deleted_at IS NOT NULL AND m.purge_requested = 0 \
             AND m.live_photo_of IS NULL \
             AND {may_remove} AND m.id < $2 ORDER BY m.id DESC LIMIT $3",
            may_remove = may_remove_media("m", "$1")
        ));
        Ok(sqlx::query_as(sql).bind(user_id).bind(after.unwrap_or(i64::MAX)).bind(limit).fetch_all(self.pool()).await?)
    }

    /// Empties the user's trash: the items are marked for the purge job, which deletes the
    /// objects and gives the bytes back. Returns how many items were marked.
    pub async fn request_trash_purge(&self, user_id: UserId) -> DbResult<u64> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE media SET purge_requested = 1, updated_at = $2 WHERE deleted_at IS NOT NULL AND purge_requested = 0 \
             AND {may_remove}",
            may_remove = may_remove_media("media", "$1")
        ));
        let result = sqlx::query(sql).bind(user_id).bind(now_ms()).execute(self.pool()).await?;
        Ok(result.rows_affected())
    }

    /// Media whose time in the trash is over, or whose owner emptied the trash.
    pub async fn media_to_purge(&self, deleted_before: i64, limit: i64) -> DbResult<Vec<Media>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.deleted_at IS NOT NULL \
             AND (m.purge_requested = 1 OR m.deleted_at < $1) ORDER BY m.id LIMIT $2"
        ));
        Ok(sqlx::query_as(sql).bind(deleted_before).bind(limit).fetch_all(self.pool()).await?)
    }

    /// Deletes a purged media row and gives its bytes back to its owner, once: a second call for
    /// the same row finds nothing and changes nothing. With a CDN, the object paths are queued for
    /// invalidation in the same transaction.
    pub async fn delete_purged_media(&self, media: &Media, queue_invalidations: bool) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let (original, derivatives): (i64, i64) = match sqlx::query_as(
            "DELETE FROM media WHERE id = $1 AND deleted_at IS NOT NULL RETURNING size_bytes, derivative_bytes",
        )
        .bind(media.id)
        .fetch_optional(&mut *tx)
        .await?
        {
            Some(sizes) => sizes,
            None => return Ok(false),
        };
        sqlx::query("UPDATE users SET used_bytes = used_bytes - $1 WHERE id = $2")
            .bind(original + derivatives)
            .bind(media.owner_id)
            .execute(&mut *tx)
            .await?;
        if queue_invalidations {
            for key in media.object_keys() {
                // A path already queued stays queued once.
                sqlx::query("DELETE FROM cdn_invalidations WHERE path = $1").bind(key).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO cdn_invalidations (path, created_at) VALUES ($1, $2)")
                    .bind(key)
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // An album deleted with its media goes once nothing of it is left in the trash.
        sqlx::query(
            "DELETE FROM albums WHERE id = $1 AND deleted_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM media WHERE album_id = $1)",
        )
        .bind(media.album_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records what the thumbnailer made, if the media still has the turn it was made with.
    /// Idempotent: a second run replaces the derivatives' byte count instead of adding to it.
    pub async fn mark_media_ready(&self, id: MediaId, processed: &ProcessedMedia) -> DbResult<Recorded> {
        let mut tx = self.begin().await?;
        // Touching the row first takes its lock on PostgreSQL, so the read below is not stale.
        sqlx::query("UPDATE media SET updated_at = $1 WHERE id = $2").bind(now_ms()).bind(id).execute(&mut *tx).await?;
        let (owner_id, old_bytes, turns, old_thumbnail, old_preview): (
            UserId,
            i64,
            i64,
            Option<String>,
            Option<String>,
        ) = sqlx::query_as(
            "SELECT owner_id, derivative_bytes, quarter_turns, thumbnail_key, preview_key FROM media WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if QuarterTurns::try_from(turns).ok() != Some(processed.turns) {
            return Ok(Recorded::Outturned);
        }
        sqlx::query(
            "UPDATE media SET status = 'ready', thumbnail_key = $1, preview_key = $2, playable_key = $3, \
             derivative_bytes = $4, taken_at = COALESCE($5, taken_at), \
             taken_at_known = CASE WHEN $5 IS NULL THEN taken_at_known ELSE 1 END, \
             width = $6, height = $7, duration_ms = $8, \
             thumbhash = $9, camera_make = $10, camera_model = $11, \
             latitude = COALESCE(CAST($12 AS DOUBLE PRECISION), latitude), \
             longitude = COALESCE(CAST($13 AS DOUBLE PRECISION), longitude), failure_reason = NULL, sha256 = $15, content_identifier = $16, \
             motion_key = COALESCE($17, motion_key) WHERE id = $14",
        )
        .bind(processed.thumbnail_key.as_deref())
        .bind(processed.preview_key.as_deref())
        .bind(processed.playable_key.as_deref())
        .bind(processed.derivative_bytes)
        .bind(processed.taken_at)
        .bind(processed.width)
        .bind(processed.height)
        .bind(processed.duration_ms)
        .bind(processed.thumbhash.as_deref())
        .bind(processed.camera_make.as_deref())
        .bind(processed.camera_model.as_deref())
        // As text: sqlx 0.9's Any driver sends a NULL f64 typed as float4, PostgreSQL keeps that
        // type in the prepared statement, and the next photo with GPS then fails to bind.
        .bind(processed.latitude.map(|v| v.to_string()))
        .bind(processed.longitude.map(|v| v.to_string()))
        .bind(id)
        .bind(processed.sha256.as_deref())
        .bind(processed.content_identifier.as_deref())
        .bind(processed.motion_key.as_deref())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE users SET used_bytes = used_bytes + $1 WHERE id = $2")
            .bind(processed.derivative_bytes - old_bytes)
            .bind(owner_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let new_keys = [&processed.thumbnail_key, &processed.preview_key];
        let replaced = [old_thumbnail, old_preview]
            .into_iter()
            .flatten()
            .filter(|old| !new_keys.iter().any(|new| new.as_deref() == Some(old.as_str())))
            .collect();
        Ok(Recorded::Ready { replaced })
    }

    /// Turns a ready photo or video `turns` further (clockwise) and sends it back to the
    /// thumbnailer, in one transaction with the outbox row of its `media.uploaded`: it is
    /// processing again, with no attempts used, its width and height already swapped. `Conflict`
    /// when it is not ready (still processing, failed, or in the trash), `NotFound` when gone.
    pub async fn turn_media(&self, id: MediaId, turns: QuarterTurns) -> DbResult<Media> {
        let mut tx = self.begin().await?;
        let sides_swap = i64::from(turns.swaps_sides());
        let turned = sqlx::query(
            "UPDATE media SET quarter_turns = (quarter_turns + $1) % 4, status = 'processing', attempts = 0, \
             width = CASE WHEN $2 = 1 THEN height ELSE width END, \
             height = CASE WHEN $2 = 1 THEN width ELSE height END, updated_at = $3 \
             WHERE id = $4 AND status = 'ready' AND deleted_at IS NULL",
        )
        .bind(i64::from(turns.get()))
        .bind(sides_swap)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if turned.rows_affected() == 0 {
            drop(tx);
            self.media(id).await?;
            return Err(DbError::Conflict);
        }
        insert_outbox(&mut tx, self.next_id(), &Event::MediaUploaded { media_id: id }).await?;
        tx.commit().await?;
        self.media(id).await
    }

    /// Counts a processing attempt; returns the new count so the caller can give up after N.
    pub async fn count_processing_attempt(&self, id: MediaId) -> DbResult<i64> {
        let (attempts,): (i64,) = sqlx::query_as(
            "UPDATE media SET attempts = attempts + 1, updated_at = $1 WHERE id = $2 RETURNING attempts",
        )
        .bind(now_ms())
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok(attempts)
    }

    /// Gives back an attempt that failed for a reason outside the file (the object store was
    /// down), so an outage cannot use up a good photo's attempts and mark it failed.
    pub async fn refund_processing_attempt(&self, id: MediaId) -> DbResult<()> {
        sqlx::query("UPDATE media SET attempts = attempts - 1 WHERE id = $1 AND attempts > 0")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn mark_media_failed(&self, id: MediaId, reason: &str) -> DbResult<()> {
        sqlx::query("UPDATE media SET status = 'failed', failure_reason = $1, updated_at = $2 WHERE id = $3")
            .bind(reason)
            .bind(now_ms())
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Marks media as just re-sent, so the next re-drive waits for them again.
    pub async fn touch_media(&self, ids: &[MediaId]) -> DbResult<()> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        for id in ids {
            sqlx::query("UPDATE media SET updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Media still processing since before `updated_before`: their event was lost or their
    /// processor died.
    pub async fn stuck_media(&self, updated_before: i64, limit: i64) -> DbResult<Vec<MediaId>> {
        let rows: Vec<(MediaId,)> = sqlx::query_as(
            "SELECT id FROM media WHERE status = 'processing' AND updated_at < $1 ORDER BY updated_at LIMIT $2",
        )
        .bind(updated_before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}
