//! On this day: photos taken on today's month and day in earlier years, in the person's time
//! zone, from the albums they may see, grouped by year.

use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id_of, sample_photo};

/// Epoch milliseconds of a UTC time.
fn utc(year: i64, month: i64, day: i64, hour: i64) -> i64 {
    let days = picup_thumbnailer::metadata::days_from_civil(year, month, day);
    (days * 24 + hour) * 3_600_000
}

async fn photo_taken(app: &TestApp, owner: &User, album: &str, taken_at: i64) -> String {
    let id = id_of(&app.upload(owner, album, &sample_photo(), "image/jpeg").await);
    app.settle(owner, album).await;
    app.execute_sql(&format!("UPDATE media SET taken_at = {taken_at} WHERE id = {id}")).await;
    id
}

fn years(memories: &Value) -> Vec<(i64, i64, Vec<String>)> {
    memories["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|year| {
            let ids = year["media"].as_array().expect("media").iter().map(id_of).collect();
            (year["year"].as_i64().expect("year"), year["years_ago"].as_i64().expect("years ago"), ids)
        })
        .collect()
}

#[tokio::test]
async fn grandma_sees_this_day_in_earlier_years_from_the_albums_she_may_see() {
    let app = TestApp::spawn().await;
    let grandma = app.admin().await;
    let album = app.album(&grandma, "Family").await;
    let wedding = photo_taken(&app, &grandma, &album, utc(2019, 12, 2, 10)).await;
    let birthday = photo_taken(&app, &grandma, &album, utc(2023, 12, 2, 3)).await;
    // 20:00 UTC on 1 December is 05:00 on 2 December in Seoul.
    let seoul_morning = photo_taken(&app, &grandma, &album, utc(2023, 12, 1, 20)).await;
    let _today = photo_taken(&app, &grandma, &album, utc(2026, 12, 2, 8)).await;
    let _another_day = photo_taken(&app, &grandma, &album, utc(2020, 11, 2, 8)).await;
    let trashed = photo_taken(&app, &grandma, &album, utc(2021, 12, 2, 8)).await;
    app.delete(&format!("/media/{trashed}"), &grandma.token).await;

    let (status, in_utc) = app.get("/memories?on=2026-12-02&offset_minutes=0", &grandma.token).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{in_utc}");
    assert_eq!(years(&in_utc), [(2023, 3, vec![birthday.clone()]), (2019, 7, vec![wedding.clone()])], "{in_utc}");

    let (_, in_seoul) = app.get("/memories?on=2026-12-02&offset_minutes=540", &grandma.token).await;
    assert_eq!(
        years(&in_seoul),
        [(2023, 3, vec![birthday, seoul_morning]), (2019, 7, vec![wedding])],
        "her day, in her time zone: {in_seoul}"
    );
    let first = &in_seoul["items"][0]["media"][0];
    assert!(first["urls"]["thumbnail"].is_string(), "shown as the album shows it: {first}");

    // An uncle's private album is his alone.
    let uncle = app.member(&grandma, "uncle@family.test").await;
    let private = app.album(&uncle, "Uncle's").await;
    let his = photo_taken(&app, &uncle, &private, utc(2020, 12, 2, 12)).await;
    let (_, hers) = app.get("/memories?on=2026-12-02", &grandma.token).await;
    assert!(!hers.to_string().contains(&his), "not from an album she may not see: {hers}");
    let (_, uncles) = app.get("/memories?on=2026-12-02", &uncle.token).await;
    assert_eq!(years(&uncles), [(2020, 6, vec![his])], "{uncles}");

    let (status, _) = app.get("/memories?on=2026-12-02&offset_minutes=2000", &grandma.token).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    let (_, nothing) = app.get("/memories?on=2026-06-15", &grandma.token).await;
    assert_eq!(nothing, json!({ "items": [] }), "a day without memories");
    app.stop().await;
}
