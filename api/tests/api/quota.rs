//! The lost-update tests: the quota stays exact under concurrency, within one api process and
//! across two that share the database (and Redis, when the suite runs on it).

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backends, TestApp, User};

const SIZE: i64 = 1000;

async fn set_quota(app: &TestApp, admin: &User, user: &User, quota: i64) {
    let path = format!("/admin/users/{}/quota", user.id);
    let (status, body) =
        app.call(reqwest::Method::PUT, &path, Some(&admin.token), Some(json!({ "quota_bytes": quota }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn reserve_once(app: &TestApp, user: &User, album: &str) -> (StatusCode, Value) {
    app.post(
        &format!("/albums/{album}/uploads"),
        &user.token,
        json!({ "filename": "p.jpg", "size": SIZE, "content_type": "image/jpeg" }),
    )
    .await
}

#[tokio::test]
async fn fifty_concurrent_reservations_against_room_for_ten_give_exactly_ten() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    set_quota(&app, &admin, &admin, 10 * SIZE).await;
    let album = app.album(&admin, "Race").await;

    let results = join_all((0..50).map(|_| reserve_once(&app, &admin, &album))).await;
    let created = results.iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
    let refused = results
        .iter()
        .filter(|(status, body)| *status == StatusCode::PAYLOAD_TOO_LARGE && body["code"] == "quota_exceeded")
        .count();
    assert_eq!((created, refused), (10, 40), "{:?}", results.iter().map(|r| r.0).collect::<Vec<_>>());
    assert_eq!(app.me(&admin).await["reserved_bytes"], 10 * SIZE);
    app.stop().await;
}

#[tokio::test]
async fn twenty_concurrent_completions_add_up_exactly() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Many").await;
    let mut reservations = Vec::new();
    let mut total = 0;
    for i in 0..20 {
        let bytes = crate::helpers::pseudo_random_bytes(1000 + i * 37, i as u32);
        let reservation = app.reserve(&admin, &album, "p.jpg", bytes.len(), "image/jpeg").await;
        assert!(app.put_presigned(&reservation, &bytes).await.status().is_success());
        total += bytes.len();
        reservations.push(reservation);
    }
    let results = join_all(reservations.iter().map(|r| app.complete(&admin, r, None))).await;
    assert!(results.iter().all(|(status, _)| *status == StatusCode::CREATED), "{results:?}");
    let me = app.me(&admin).await;
    assert_eq!(me["used_bytes"], total);
    assert_eq!(me["reserved_bytes"], 0);
    assert_eq!(app.media_list(&admin, &album).await.len(), 20);
    app.stop().await;
}

/// Two api processes on one database (and one Redis when configured): each has its own pool,
/// lock manager and S3 endpoint, so they share nothing but the real servers.
#[tokio::test]
async fn two_api_processes_sharing_the_database_keep_the_quota_exact() {
    let backends = Backends::fresh().await;
    let first = TestApp::spawn_on(&backends, &[]).await;
    let second = TestApp::spawn_on(&backends, &[]).await;
    let admin = first.admin().await;
    set_quota(&first, &admin, &admin, 10 * SIZE).await;
    let album = first.album(&admin, "Shared").await;

    let attempts = (0..50).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        reserve_once(app, &admin, &album)
    });
    let results = join_all(attempts).await;
    let created: Vec<&Value> =
        results.iter().filter(|(s, _)| *s == StatusCode::CREATED).map(|(_, body)| body).collect();
    assert_eq!(created.len(), 10);
    assert_eq!(first.me(&admin).await["reserved_bytes"], 10 * SIZE);

    // Complete all ten, alternating processes and all at once.
    let bytes = crate::helpers::pseudo_random_bytes(SIZE as usize, 5);
    for reservation in &created {
        assert!(first.put_presigned(reservation, &bytes).await.status().is_success());
    }
    let completions = created
        .iter()
        .enumerate()
        .map(|(i, r)| if i % 2 == 0 { first.complete(&admin, r, None) } else { second.complete(&admin, r, None) });
    let results = join_all(completions).await;
    assert!(results.iter().all(|(s, _)| *s == StatusCode::CREATED), "{results:?}");
    let me = second.me(&admin).await;
    assert_eq!(me["used_bytes"], 10 * SIZE);
    assert_eq!(me["reserved_bytes"], 0);
    first.stop().await;
    second.stop().await;
}
