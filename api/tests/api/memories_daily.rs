//! "On this day" once a day (#20): each person with photos taken on today's month and day in
//! earlier years, in albums they may see, gets one feed item and one notification, however often
//! the job runs; nobody else gets anything.

use picup_common::db::OnThisDay;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, User, id_of, sample_photo};

/// Epoch milliseconds of a UTC time.
fn utc(year: i64, month: i64, day: i64, hour: i64) -> i64 {
    let days = picup_thumbnailer::metadata::days_from_civil(year, month, day);
    (days * 24 + hour) * 3_600_000
}

const TODAY: OnThisDay = OnThisDay { year: 2026, month: 12, day: 2, offset_ms: 0 };

async fn photo_taken(app: &TestApp, owner: &User, album: &str, taken_at: i64) -> String {
    let id = id_of(&app.upload(owner, album, &sample_photo(), "image/jpeg").await);
    app.settle(owner, album).await;
    app.execute_sql(&format!("UPDATE media SET taken_at = {taken_at} WHERE id = {id}")).await;
    id
}

async fn announce(app: &TestApp) -> u64 {
    picup_common::memories::announce(&app.services, TODAY).await.expect("announced")
}

/// The person's "on this day" feed items, and their unread notifications count.
async fn memories_news(app: &TestApp, user: &User) -> (Vec<Value>, i64) {
    let (status, feed) = app.get("/feed", &user.token).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let items = feed["items"].as_array().expect("items").iter().filter(|i| i["kind"] == "on_this_day").cloned();
    let (status, notifications) = app.get("/notifications", &user.token).await;
    assert_eq!(status, StatusCode::OK, "{notifications}");
    (items.collect(), notifications["unread_count"].as_i64().expect("unread count"))
}

#[tokio::test]
async fn grandma_hears_once_a_day_of_her_memories_and_nobody_else_of_hers() {
    let app = TestApp::spawn().await;
    let grandma = app.admin().await;
    let uncle = app.member(&grandma, "uncle@family.test").await;
    let cousin = app.member(&grandma, "cousin@family.test").await;
    let album = app.album(&grandma, "Family").await;
    let wedding = photo_taken(&app, &grandma, &album, utc(2019, 12, 2, 10)).await;
    let _cake = photo_taken(&app, &grandma, &album, utc(2019, 12, 2, 15)).await;
    let birthday = photo_taken(&app, &grandma, &album, utc(2023, 12, 2, 3)).await;
    let _another_day = photo_taken(&app, &grandma, &album, utc(2020, 11, 2, 8)).await;
    let _today = photo_taken(&app, &grandma, &album, utc(2026, 12, 2, 1)).await;
    // The uncle's private album, whose photos of this day are his alone.
    let private = app.album(&uncle, "Uncle's").await;
    let _his = photo_taken(&app, &uncle, &private, utc(2018, 12, 2, 12)).await;
    // Before the job there is nothing: the uploads themselves are no memories.
    let (before, _) = memories_news(&app, &grandma).await;
    assert!(before.is_empty());

    // Two runs the same day, one after the other and two at once (two workers): one item each.
    assert_eq!(announce(&app).await, 2, "grandma and the uncle");
    assert_eq!(announce(&app).await, 0, "a second run adds nothing");
    let (first, second) = tokio::join!(announce(&app), announce(&app));
    assert_eq!(first + second, 0);

    let (items, unread) = memories_news(&app, &grandma).await;
    assert_eq!(items.len(), 1, "one item: {items:?}");
    let item = &items[0];
    assert_eq!(item["count"], 3, "three photos: {item}");
    assert_eq!(item["years"], serde_json::json!([2023, 2019]), "newest first: {item}");
    assert_eq!(item["day"], "2026-12-02", "{item}");
    assert_eq!(
        (item["album_id"].as_str().expect("album").to_owned(), item["media_id"].as_str()),
        (album.clone(), Some(birthday.as_str()))
    );
    assert!(item["thumbnail_url"].is_string() && item["unread"] == true, "{item}");
    assert_eq!(unread, 1, "one notification");
    assert_ne!(item["media_id"].as_str(), Some(wedding.as_str()), "the newest memory stands for them");

    // The uncle hears of his own, not of grandma's album, which he may not see.
    let (his, _) = memories_news(&app, &uncle).await;
    assert_eq!(his.len(), 1, "{his:?}");
    assert_eq!(
        (his[0]["album_id"].as_str().expect("album").to_owned(), his[0]["count"].as_i64(), his[0]["years"].clone()),
        (private, Some(1), serde_json::json!([2018]))
    );
    // The cousin has no memories that day, and gets nothing.
    let (none, unread) = memories_news(&app, &cousin).await;
    assert!(none.is_empty() && unread == 0, "{none:?}");

    // Another day with memories is another item; a day without any adds nothing.
    let next_day = OnThisDay { day: 3, ..TODAY };
    let nothing = picup_common::memories::announce(&app.services, next_day).await.expect("announced");
    assert_eq!(nothing, 0, "nobody has photos of 3 December");
    let (items, _) = memories_news(&app, &grandma).await;
    assert_eq!(items.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_member_who_may_see_the_album_hears_of_it_and_one_who_left_does_not() {
    let app = TestApp::spawn().await;
    let grandma = app.admin().await;
    let album = app.album(&grandma, "Holidays").await;
    let _summer = photo_taken(&app, &grandma, &album, utc(2021, 12, 2, 9)).await;
    let grandpa = app.seeded_member(&album, "grandpa", picup_common::db::Role::Viewer).await;
    let aunt = app.seeded_member(&album, "aunt", picup_common::db::Role::Viewer).await;
    app.execute_sql(&format!("DELETE FROM album_members WHERE user_id = {}", aunt.id)).await;
    assert_eq!(announce(&app).await, 2, "grandma and grandpa");
    let (his, unread) = memories_news(&app, &grandpa).await;
    assert_eq!((his.len(), unread), (1, 1), "{his:?}");
    assert_eq!(his[0]["years"], serde_json::json!([2021]));
    let (hers, unread) = memories_news(&app, &aunt).await;
    assert!(hers.is_empty() && unread == 0, "no longer in the album: {hers:?}");
    app.stop().await;
}
