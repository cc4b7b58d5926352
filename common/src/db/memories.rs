//! "On this day" (#20): photos taken on this month and day in earlier years, from the albums the
//! person may see; and once a day, a feed item and notification that there are some.

use super::access::may_see_album;
use super::media::MEDIA_COLUMNS;
use super::{Backend, Db, DbResult, Media};
use crate::id::UserId;
use crate::now_ms;

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

/// The feed kind of the daily "on this day" item.
pub const ON_THIS_DAY: &str = "on_this_day";

impl OnThisDay {
    /// The day it is at `ms` (epoch milliseconds) in a zone `offset_ms` east of UTC.
    pub fn at(ms: i64, offset_ms: i64) -> OnThisDay {
        let (year, month, day) = crate::civil_from_days((ms + offset_ms).div_euclid(86_400_000));
        OnThisDay { year, month, day, offset_ms }
    }

    /// The day as `YYYY-MM-DD`: the key of its feed item, one per person.
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The taken time's month and day (`MM-DD`), its year, and its month (`YYYY-MM`), in the person's
/// zone (`offset` is the SQL of the offset in milliseconds), as SQL: the time shifted so that its
/// UTC fields are theirs.
pub(super) struct TakenInZone {
    pub month_day: String,
    pub year: String,
    pub year_month: String,
}

pub(super) fn taken_in_zone(backend: Backend, offset: &str) -> TakenInZone {
    match backend {
        Backend::Sqlite => {
            let shifted = format!("(m.taken_at + {offset}) / 1000, 'unixepoch'");
            TakenInZone {
                month_day: format!("strftime('%m-%d', {shifted})"),
                year: format!("CAST(strftime('%Y', {shifted}) AS INTEGER)"),
                year_month: format!("strftime('%Y-%m', {shifted})"),
            }
        }
        Backend::Postgres => {
            let shifted = format!("to_timestamp((m.taken_at + {offset}) / 1000.0) AT TIME ZONE 'UTC'");
            TakenInZone {
                month_day: format!("to_char({shifted}, 'MM-DD')"),
                year: format!("CAST(EXTRACT(YEAR FROM {shifted}) AS BIGINT)"),
                year_month: format!("to_char({shifted}, 'YYYY-MM')"),
            }
        }
    }
}

/// The memories of user `$1` on month-day `$3` before year `$4`: ready photos and videos, out of
/// the trash, in albums they may see (`m` is the media, `a` its album).
fn memories_from(backend: Backend) -> String {
    let TakenInZone { month_day, year, .. } = taken_in_zone(backend, "$2");
    format!(
        "FROM media m JOIN albums a ON a.id = m.album_id \
         WHERE m.deleted_at IS NULL AND m.live_photo_of IS NULL AND m.status = 'ready' AND {may_see} \
         AND {month_day} = $3 AND {year} < $4",
        may_see = may_see_album("a", "$1"),
    )
}

impl Db {
    /// Ready photos and videos taken on `on`'s month and day (in the person's time zone) in an
    /// earlier year, newest first.
    pub async fn memories(&self, user_id: UserId, on: OnThisDay) -> DbResult<Vec<Media>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLUMNS} {from} ORDER BY m.taken_at DESC, m.id DESC LIMIT {MEMORIES_LIMIT}",
            from = memories_from(self.backend()),
        ));
        Ok(sqlx::query_as(sql)
            .bind(user_id)
            .bind(on.offset_ms)
            .bind(format!("{:02}-{:02}", on.month, on.day))
            .bind(on.year)
            .fetch_all(self.pool())
            .await?)
    }

    /// Adds the user's "on this day" feed item and notification for `on` ("3 photos from 2019
    /// and 2023"), when they have memories that day and have not had it yet: at most one per
    /// person and day however often this runs, and however many workers run it at once (the
    /// unique `(user_id, kind, day)` decides). Its photo is the newest memory, its album that
    /// photo's, its count how many there are. Returns whether it added one.
    pub async fn announce_memories(&self, user_id: UserId, on: OnThisDay) -> DbResult<bool> {
        let date = on.date();
        let announced: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM feed_items WHERE user_id = $1 AND kind = $2 AND day = $3")
                .bind(user_id)
                .bind(ON_THIS_DAY)
                .bind(&date)
                .fetch_optional(self.pool())
                .await?;
        if announced.is_some() {
            return Ok(false);
        }
        let year = taken_in_zone(self.backend(), "$2").year;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {year} AS taken_year, COUNT(*) {from} GROUP BY 1 ORDER BY 1 DESC",
            from = memories_from(self.backend()),
        ));
        let years: Vec<(i64, i64)> = sqlx::query_as(sql)
            .bind(user_id)
            .bind(on.offset_ms)
            .bind(format!("{:02}-{:02}", on.month, on.day))
            .bind(on.year)
            .fetch_all(self.pool())
            .await?;
        let count: i64 = years.iter().map(|(_, count)| count).sum();
        let newest = self.memories(user_id, on).await?;
        let Some(cover) = newest.first() else { return Ok(false) };
        let years = years.iter().map(|(year, _)| year.to_string()).collect::<Vec<_>>().join(",");
        let now = now_ms();
        let added = sqlx::query(
            "INSERT INTO feed_items (user_id, id, kind, actor_id, album_id, media_id, item_count, notify, \
               created_at, updated_at, day, years) VALUES ($1, $2, $3, $1, $4, $5, $6, 1, $7, $7, $8, $9) \
             ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(self.next_id())
        .bind(ON_THIS_DAY)
        .bind(cover.album_id)
        .bind(cover.id)
        .bind(count)
        .bind(now)
        .bind(&date)
        .bind(years)
        .execute(self.pool())
        .await?;
        Ok(added.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_the_persons() {
        let utc = |ms| OnThisDay::at(ms, 0).date();
        assert_eq!(utc(0), "1970-01-01");
        assert_eq!(utc(20_424 * 86_400_000), "2025-12-02");
        assert_eq!(utc(11_016 * 86_400_000 + 1), "2000-02-29");
        assert_eq!(utc(-1), "1969-12-31");
        // 20:00 UTC on 1 December is 2 December in Seoul.
        let evening = 20_423 * 86_400_000 + 20 * 3_600_000;
        assert_eq!(OnThisDay::at(evening, 9 * 3_600_000).date(), "2025-12-02");
    }
}
