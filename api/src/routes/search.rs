//! `GET /search`: what the family typed, across everything the person may see.
//!
//! `q` holds words; each must match a title, file name, camera or comment (any part of a word:
//! "제주" finds "제주도여행", "jeju" finds "Jeju Island"), or, if it names a year or month
//! ("2019", "2019-07", "2019년"), the date a photo was taken. `from`/`to` (a year, month or day)
//! bound the date, `camera` the camera, and `area=south,west,north,east` the place.

use std::time::UNIX_EPOCH;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use picup_common::db::{SearchQuery, SearchWord};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::routes::media::media_cursor;
use crate::routes::next_page;
use crate::state::AppState;
use crate::views::MediaView;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    camera: Option<String>,
    area: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Serialize)]
struct AlbumHit {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct SearchResults {
    /// Albums whose title holds every word (first page only).
    albums: Vec<AlbumHit>,
    items: Vec<MediaView>,
    next_cursor: Option<String>,
}

const MAX_WORDS: usize = 8;
const MAX_WORD_CHARS: usize = 100;

async fn search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<SearchParams>,
) -> ApiResult<axum::Json<SearchResults>> {
    let words = words(params.q.as_deref().unwrap_or_default())?;
    let query = SearchQuery {
        taken_from: params.from.as_deref().map(|from| period("from", from).map(|(start, _)| start)).transpose()?,
        taken_until: params.to.as_deref().map(|to| period("to", to).map(|(_, end)| end)).transpose()?,
        camera: params.camera.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
        area: params.area.as_deref().map(area).transpose()?,
        words,
    };
    if query.words.is_empty()
        && query.taken_from.is_none()
        && query.taken_until.is_none()
        && query.camera.is_none()
        && query.area.is_none()
    {
        return Err(ApiError::field("q", "type something to look for"));
    }
    let after = params.cursor.as_deref().map(media_cursor).transpose()?;
    let limit = params.limit.unwrap_or(50).clamp(1, 200);
    let db = &state.services.db;
    let mut media = db.search_media(user.id, &query, after, limit + 1).await?;
    let next_cursor = next_page(&mut media, limit, |last| format!("{}.{}", last.taken_at, last.id));
    let albums = if after.is_none() {
        db.search_albums(user.id, &query.words, 20)
            .await?
            .into_iter()
            .map(|(id, title)| AlbumHit { id: id.to_string(), title })
            .collect()
    } else {
        Vec::new()
    };
    let items = MediaView::for_viewer(&state, &media, user.id).await?;
    Ok(axum::Json(SearchResults { albums, items, next_cursor }))
}

fn words(q: &str) -> ApiResult<Vec<SearchWord>> {
    let words: Vec<SearchWord> = q
        .split_whitespace()
        .map(|word| SearchWord { text: word.to_lowercase(), period: period("q", word).ok() })
        .collect();
    if words.len() > MAX_WORDS || words.iter().any(|w| w.text.chars().count() > MAX_WORD_CHARS) {
        return Err(ApiError::field("q", format!("use at most {MAX_WORDS} words of {MAX_WORD_CHARS} characters")));
    }
    Ok(words)
}

/// `2019`, `2019년`, `2019-07`, `2019-07-14` (also with `.` or `/`): [start, end) in epoch ms (UTC).
fn period(field: &'static str, text: &str) -> ApiResult<(i64, i64)> {
    let invalid = || ApiError::field(field, "write a date as 2019, 2019-07 or 2019-07-14");
    let text = text.trim().trim_end_matches('년');
    let parts: Vec<&str> = text.split(['-', '.', '/']).collect();
    let numbers: Vec<u32> = parts.iter().map(|p| p.parse().map_err(|_| invalid())).collect::<ApiResult<_>>()?;
    let (start, end) = match numbers.as_slice() {
        [year] if (1800..=2200).contains(year) => ((*year, 1, 1), (year + 1, 1, 1)),
        [year, month] if (1800..=2200).contains(year) && (1..=12).contains(month) => {
            let next = if *month == 12 { (year + 1, 1) } else { (*year, month + 1) };
            ((*year, *month, 1), (next.0, next.1, 1))
        }
        [year, month, day] if (1800..=2200).contains(year) => {
            let start = epoch_ms(*year, *month, *day).ok_or_else(invalid)?;
            return Ok((start, start + 24 * 60 * 60 * 1000));
        }
        _ => return Err(invalid()),
    };
    let start = epoch_ms(start.0, start.1, start.2).ok_or_else(invalid)?;
    let end = epoch_ms(end.0, end.1, end.2).ok_or_else(invalid)?;
    Ok((start, end))
}

fn epoch_ms(year: u32, month: u32, day: u32) -> Option<i64> {
    let time = humantime::parse_rfc3339(&format!("{year:04}-{month:02}-{day:02}T00:00:00Z")).ok()?;
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).ok(),
        Err(before) => i64::try_from(before.duration().as_millis()).ok().map(|ms| -ms),
    }
}

/// `south,west,north,east` in degrees.
fn area(text: &str) -> ApiResult<(f64, f64, f64, f64)> {
    let invalid = || ApiError::field("area", "give south,west,north,east in degrees");
    let values: Vec<f64> =
        text.split(',').map(|v| v.trim().parse().map_err(|_| invalid())).collect::<ApiResult<_>>()?;
    match values.as_slice() {
        [south, west, north, east]
            if south <= north && west <= east && (-90.0..=90.0).contains(south) && (-90.0..=90.0).contains(north) =>
        {
            Ok((*south, *west, *north, *east))
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_months_and_days_name_periods() {
        let (start, end) = period("q", "2019").expect("a year");
        assert_eq!(start, 1_546_300_800_000);
        assert_eq!(end, 1_577_836_800_000);
        assert_eq!(period("q", "2019년").expect("Korean year"), (start, end));
        let (july, august) = period("q", "2019-07").expect("a month");
        assert_eq!(august - july, 31 * 24 * 3600 * 1000);
        assert_eq!(period("q", "2019-12").expect("December").1, end);
        assert!(period("q", "jeju").is_err());
        assert!(period("q", "2019-13").is_err());
    }
}
