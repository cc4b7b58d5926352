//! "On this day": photos taken on today's date in earlier years, grouped by year, for the albums
//! page to open with ("3 years ago today").

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use picup_common::db::OnThisDay;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::routes::utc_offset;
use crate::state::AppState;
use crate::views::{MediaView, civil_from_days};

pub fn router() -> Router<AppState> {
    Router::new().route("/memories", get(memories))
}

#[derive(Deserialize)]
struct MemoriesQuery {
    /// The person's today, `YYYY-MM-DD`, as their device knows it; the server's UTC date if absent.
    on: Option<String>,
    /// The person's time zone, minutes east of UTC (what `-new Date().getTimezoneOffset()` says).
    #[serde(default)]
    offset_minutes: i64,
}

#[derive(Serialize)]
struct YearOfMemories {
    year: i64,
    years_ago: i64,
    media: Vec<MediaView>,
}

fn day_of(query: &MemoriesQuery) -> ApiResult<OnThisDay> {
    let offset_ms = utc_offset(query.offset_minutes)?.ms();
    let (year, month, day) = match query.on.as_deref() {
        Some(text) => parse_date(text).ok_or_else(|| ApiError::field("on", "a date like 2026-12-02"))?,
        None => civil_from_days((picup_common::now_ms() + offset_ms).div_euclid(86_400_000)),
    };
    Ok(OnThisDay { year, month, day, offset_ms })
}

fn parse_date(text: &str) -> Option<(i64, u32, u32)> {
    let mut parts = text.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    (parts.next().is_none() && (1..=12).contains(&month) && (1..=31).contains(&day) && (1..=9999).contains(&year))
        .then_some((year, month, day))
}

async fn memories(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(query): Query<MemoriesQuery>,
) -> ApiResult<axum::Json<serde_json::Value>> {
    let on = day_of(&query)?;
    let media = state.services.db.memories(user.id, on).await?;
    let views = MediaView::for_viewer(&state, &media, user.id).await?;
    let mut years: Vec<YearOfMemories> = Vec::new();
    for (item, view) in media.iter().zip(views) {
        let year = civil_from_days((item.taken_at + on.offset_ms).div_euclid(86_400_000)).0;
        match years.last_mut() {
            Some(last) if last.year == year => last.media.push(view),
            _ => years.push(YearOfMemories { year, years_ago: on.year - year, media: vec![view] }),
        }
    }
    Ok(axum::Json(serde_json::json!({ "items": years })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_the_browser_writes_them() {
        assert_eq!(parse_date("2026-12-02"), Some((2026, 12, 2)));
        for wrong in ["2026-13-01", "2026-12", "2026-12-02-1", "today"] {
            assert_eq!(parse_date(wrong), None, "{wrong}");
        }
    }
}
