//! The months of an album's timeline (#19): which months hold photos, and where each starts, in
//! the viewer's time zone, so a thumb on the scrubber reaches July 2015 at once.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::civil_from_days;
use crate::db::{Db, DbError, DbResult};
use crate::id::{AlbumId, UserId};

const DAY_MS: i64 = 86_400_000;

/// A time zone's distance from UTC, as the viewer's device says it (minutes east of UTC, what
/// `-new Date().getTimezoneOffset()` gives), at most 14 hours either way (UTC+14, Kiribati).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UtcOffset {
    minutes: i64,
}

impl UtcOffset {
    pub const MAX_MINUTES: i64 = 14 * 60;

    pub fn from_minutes(minutes: i64) -> Option<UtcOffset> {
        (minutes.abs() <= Self::MAX_MINUTES).then_some(UtcOffset { minutes })
    }

    pub fn ms(self) -> i64 {
        self.minutes * 60_000
    }
}

/// A calendar month, `2015-07`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    /// 1 to 12.
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Month { year, month })
    }

    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { month: self.month + 1, ..self } }
    }

    /// The month a moment (milliseconds since 1970 UTC) falls in, `offset_ms` east of UTC.
    pub fn of(at_ms: i64, offset_ms: i64) -> Month {
        let (year, month, _) = civil_from_days((at_ms + offset_ms).div_euclid(DAY_MS));
        Month { year: i32::try_from(year).unwrap_or(i32::MAX), month }
    }

    /// The first millisecond of the month, `offset_ms` east of UTC, in milliseconds since 1970 UTC.
    pub fn start_ms(self, offset_ms: i64) -> i64 {
        days_from_civil(i64::from(self.year), self.month, 1) * DAY_MS - offset_ms
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Month, Self::Err> {
        const EXPECTED: &str = "a month like 2015-07";
        let (year, month) = text.split_once('-').ok_or(EXPECTED)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(EXPECTED);
        }
        Month::new(year.parse().map_err(|_| EXPECTED)?, month.parse().map_err(|_| EXPECTED)?).ok_or(EXPECTED)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Month, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A month of an album and how many photos and videos it holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MonthCount {
    pub month: Month,
    pub count: i64,
}

/// The months of albums already counted, kept while nothing in the album changed: counting a
/// 100,000-photo album's months costs the database tens of milliseconds; seeing whether anything
/// changed since (the newest `media.updated_at` of the album, which every add, trash, restore,
/// pairing and date read writes) costs one index lookup. An entry also ends after `MAX_AGE`, so
/// two servers whose clocks differ cannot keep a stale count longer than that.
#[derive(Default)]
pub struct MonthsCache {
    entries: Mutex<HashMap<(AlbumId, i64), Counted>>,
}

struct Counted {
    version: i64,
    at: Instant,
    months: Arc<Vec<MonthCount>>,
}

impl MonthsCache {
    const MAX_AGE: Duration = Duration::from_secs(60);
    /// Albums times time zones kept; past it the cache starts again (it is only a shortcut).
    const MAX_ENTRIES: usize = 4096;

    /// The album's months with photos, newest first, `offset` from UTC, as `viewer` may see
    /// them: `NotFound` when they may not see the album.
    pub async fn album_months(
        &self,
        db: &Db,
        album_id: AlbumId,
        viewer_id: UserId,
        offset: UtcOffset,
    ) -> DbResult<Arc<Vec<MonthCount>>> {
        let version = db.album_listing_version(album_id, viewer_id).await?.ok_or(DbError::NotFound)?;
        let key = (album_id, offset.ms());
        if let Some(counted) = self.lock().get(&key)
            && counted.version == version
            && counted.at.elapsed() < Self::MAX_AGE
        {
            return Ok(counted.months.clone());
        }
        let months = Arc::new(db.album_months(album_id, viewer_id, offset.ms()).await?);
        let mut entries = self.lock();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, Counted { version, at: Instant::now(), months: months.clone() });
        Ok(months)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(AlbumId, i64), Counted>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Days from 1970-01-01 to a date (Howard Hinnant's algorithm; the inverse of `civil_from_days`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_at_most_fourteen_hours_from_utc() {
        assert_eq!(UtcOffset::from_minutes(540).map(UtcOffset::ms), Some(32_400_000));
        assert_eq!(UtcOffset::from_minutes(-720).map(UtcOffset::ms), Some(-43_200_000));
        assert!(UtcOffset::from_minutes(14 * 60 + 1).is_none());
        assert!(UtcOffset::from_minutes(-14 * 60 - 1).is_none());
    }

    #[test]
    fn months_read_and_write_as_year_dash_month() {
        let july: Month = "2015-07".parse().expect("a month");
        assert_eq!(july.to_string(), "2015-07");
        assert_eq!(july.next().to_string(), "2015-08");
        assert_eq!("2015-12".parse::<Month>().expect("december").next().to_string(), "2016-01");
        for wrong in ["2015-13", "2015-00", "2015-7", "15-07", "2015/07", "", "july"] {
            assert!(wrong.parse::<Month>().is_err(), "{wrong}");
        }
    }

    #[test]
    fn a_month_starts_at_midnight_of_its_first_day_where_the_viewer_is() {
        let july: Month = "2015-07".parse().expect("a month");
        // 2015-07-01T00:00:00Z
        assert_eq!(july.start_ms(0), 1_435_708_800_000);
        // In Seoul (UTC+9) July starts nine hours earlier.
        assert_eq!(july.start_ms(9 * 3_600_000), 1_435_708_800_000 - 9 * 3_600_000);
        // A photo at 2015-06-30T20:00Z is June in London and July in Seoul.
        let evening = 1_435_708_800_000 - 4 * 3_600_000;
        assert_eq!(Month::of(evening, 0).to_string(), "2015-06");
        assert_eq!(Month::of(evening, 9 * 3_600_000).to_string(), "2015-07");
        // Leap years and the far past round-trip.
        for text in ["2000-02", "2000-03", "1900-03", "1969-12", "2024-02"] {
            let month: Month = text.parse().expect("a month");
            assert_eq!(Month::of(month.start_ms(0), 0), month, "{text}");
            assert_eq!(Month::of(month.next().start_ms(0) - 1, 0), month, "{text}");
        }
    }
}
