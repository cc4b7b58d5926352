//! "On this day" (#20): photos taken on this month and day in earlier years, from the albums the
//! person may see.

use super::access::may_see_album;
use super::media::MEDIA_COLUMNS;
use super::{Backend, Db, DbResult, Media};
use crate::id::UserId;

/// A day of the year in the person's time zone, and the year it is for them now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnThisDay {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// The person's time zone, as milliseconds east of UTC.
    pub offset_ms: i64,
}

/// The most a memories list holds.
pub const MEMORIES_LIMIT: i64 = 200;

impl Db {
    /// Ready photos and videos taken on `on`'s month and day (in the person's time zone) in an
    /// earlier year, newest first.
    pub async fn memories(&self, user_id: UserId, on: OnThisDay) -> DbResult<Vec<Media>> {
        // The taken time in the person's zone, as a timestamp whose UTC fields are theirs.
        let (month_day, year) = match self.backend() {
            Backend::Sqlite => (
                "strftime('%m-%d', (m.taken_at + $2) / 1000, 'unixepoch')",
                "CAST(strftime('%Y', (m.taken_at + $2) / 1000, 'unixepoch') AS INTEGER)",
            ),
            Backend::Postgres => (
                "to_char(to_timestamp((m.taken_at + $2) / 1000.0) AT TIME ZONE 'UTC', 'MM-DD')",
                "CAST(EXTRACT(YEAR FROM to_timestamp((m.taken_at + $2) / 1000.0) AT TIME ZONE 'UTC') AS BIGINT)",
            ),
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} FROM media m JOIN albums a ON a.id = m.album_id \
             WHERE m.deleted_at IS NULL AND m.live_photo_of IS NULL AND m.status = 'ready' AND {may_see} \
             AND {month_day} = $3 AND {year} < $4 \
             ORDER BY m.taken_at DESC, m.id DESC LIMIT {MEMORIES_LIMIT}",
            may_see = may_see_album("a", "$1"),
        ));
        Ok(sqlx::query_as(sql)
            .bind(user_id)
            .bind(on.offset_ms)
            .bind(format!("{:02}-{:02}", on.month, on.day))
            .bind(on.year)
            .fetch_all(self.pool())
            .await?)
    }
}
