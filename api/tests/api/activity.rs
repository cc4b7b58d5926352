//! Family activity: likes (exact under concurrency), comments, the "what's new" feed, following,
//! notifications with real-time delivery, and search that never shows what one may not see.

use std::time::{Duration, Instant};

use picup_common::db::Role;
use picup_common::id::MediaId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backends, TestApp, User, id_of, on_redis, sample_photo};

async fn photo(app: &TestApp, user: &User, album: &str) -> String {
    id_of(&app.upload(user, album, &sample_photo(), "image/jpeg").await)
}

async fn like(app: &TestApp, user: &User, media: &str) -> (StatusCode, Value) {
    app.call(Method::PUT, &format!("/media/{media}/like"), Some(&user.token), None).await
}

async fn like_count(app: &TestApp, user: &User, media: &str) -> i64 {
    let (status, body) = app.get(&format!("/media/{media}"), &user.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["like_count"].as_i64().expect("like_count")
}

/// Every page of a paged list.
async fn all_pages(app: &TestApp, user: &User, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(cursor) => format!("{path}{separator}limit=50&cursor={cursor}"),
            None => format!("{path}{separator}limit=50"),
        };
        let (status, body) = app.get(&url, &user.token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        items.extend(body["items"].as_array().expect("items").iter().cloned());
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// Waits until the fan-out loop has handled every activity.
async fn fanned_out(app: &TestApp) {
    for _ in 0..200 {
        if app.services.db.pending_activities(1).await.expect("pending").is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let direct = picup_common::activity::fan_out_pending(&app.services).await;
    panic!("activities were not fanned out: {direct:?}");
}

#[tokio::test]
async fn two_hundred_members_liking_at_once_count_two_hundred_and_one_member_twenty_times_counts_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Grandma's 80th").await;
    let media = photo(&app, &admin, &album).await;
    let mut members = Vec::new();
    for n in 0..200 {
        members.push(app.seeded_member(&album, &format!("cousin{n}"), Role::Viewer).await);
    }

    let started = Instant::now();
    let likes = futures::future::join_all(members.iter().map(|m| like(&app, m, &media))).await;
    eprintln!("200 concurrent likes took {:?}", started.elapsed());
    for (status, body) in &likes {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    assert_eq!(like_count(&app, &admin, &media).await, 200);
    let likers = all_pages(&app, &admin, &format!("/media/{media}/likes")).await;
    let mut ids: Vec<&str> = likers.iter().map(|p| p["id"].as_str().expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 200, "each member listed once");

    let second = photo(&app, &admin, &album).await;
    let eager = &members[0];
    let started = Instant::now();
    let repeated = futures::future::join_all((0..20).map(|_| like(&app, eager, &second))).await;
    eprintln!("20 concurrent likes by one member took {:?}", started.elapsed());
    assert!(repeated.iter().all(|(status, _)| *status == StatusCode::OK));
    assert_eq!(like_count(&app, eager, &second).await, 1);
    let (_, me) = app.get(&format!("/media/{second}"), &eager.token).await;
    assert_eq!(me["liked"], json!(true));
    // The album's page says the same, to each person about their own likes.
    let liked_in_album = |items: Vec<Value>| items.iter().map(|m| m["liked"].clone()).collect::<Vec<_>>();
    assert_eq!(liked_in_album(app.media_list(eager, &album).await), [json!(true), json!(true)], "both liked");
    assert_eq!(liked_in_album(app.media_list(&admin, &album).await), [json!(false), json!(false)]);

    let (status, body) = app.delete(&format!("/media/{second}/like"), &eager.token).await;
    assert_eq!((status, body["like_count"].as_i64()), (StatusCode::OK, Some(0)));
    let (_, body) = app.delete(&format!("/media/{second}/like"), &eager.token).await;
    assert_eq!(body["like_count"].as_i64(), Some(0), "unliking twice is unliking once");
    app.stop().await;
}

#[tokio::test]
async fn comments_are_plain_text_owned_by_their_author_and_removable_by_the_album_owner() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Summer").await;
    let media = photo(&app, &admin, &album).await;
    let aunt = app.member(&admin, "aunt@family.test").await;
    let (status, _) = app
        .post(&format!("/albums/{album}/members"), &admin.token, json!({"email": "aunt@family.test", "role": "viewer"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let stranger = app.member(&admin, "stranger@family.test").await;

    let script = "<script>alert('hi')</script> 예쁘다!";
    let (status, comment) = app.post(&format!("/media/{media}/comments"), &aunt.token, json!({ "body": script })).await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    assert_eq!(comment["body"], json!(script), "stored exactly as typed");
    let comment_id = id_of(&comment);

    let (status, _) = app.post(&format!("/media/{media}/comments"), &stranger.token, json!({ "body": "hi" })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "someone outside the album cannot comment");
    let (status, body) = app.post(&format!("/media/{media}/comments"), &aunt.token, json!({ "body": "   " })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let long = "가".repeat(2001);
    let (status, body) = app.post(&format!("/media/{media}/comments"), &aunt.token, json!({ "body": long })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let path = format!("/comments/{comment_id}");
    let (status, _) = app.call(Method::PATCH, &path, Some(&admin.token), Some(json!({ "body": "mine now" }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the author edits");
    let (status, edited) =
        app.call(Method::PATCH, &path, Some(&aunt.token), Some(json!({ "body": "정말 예쁘다" }))).await;
    assert_eq!((status, edited["body"].clone()), (StatusCode::OK, json!("정말 예쁘다")));
    assert!(edited["edited_at"].is_string());

    for n in 0..5 {
        let (status, _) =
            app.post(&format!("/media/{media}/comments"), &aunt.token, json!({ "body": format!("{n}") })).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let all = all_pages(&app, &admin, &format!("/media/{media}/comments")).await;
    assert_eq!(all.len(), 6);
    assert_eq!(all[0]["id"], comment["id"], "oldest first, like a conversation");
    assert_eq!(like_or_comment_count(&app, &admin, &media).await, 6);

    let (status, _) = app.delete(&path, &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "the album's owner may remove any comment");
    assert_eq!(like_or_comment_count(&app, &admin, &media).await, 5);
    app.stop().await;
}

async fn like_or_comment_count(app: &TestApp, user: &User, media: &str) -> i64 {
    let (_, body) = app.get(&format!("/media/{media}"), &user.token).await;
    body["comment_count"].as_i64().expect("comment_count")
}

#[tokio::test]
async fn fifty_photos_for_ten_members_make_one_feed_item_each_and_late_joiners_see_the_recent_past() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Jeju 2019").await;
    let mut members = Vec::new();
    for n in 0..10 {
        members.push(app.seeded_member(&album, &format!("member{n}"), Role::Contributor).await);
    }
    fanned_out(&app).await;

    let uploader = &members[0];
    for _ in 0..50 {
        photo(&app, uploader, &album).await;
    }
    let started = Instant::now();
    fanned_out(&app).await;
    eprintln!("fan-out of 50 photos to 10 members finished {:?} after the last upload", started.elapsed());

    for member in members.iter().skip(1).chain(std::iter::once(&admin)) {
        let feed = all_pages(&app, member, "/feed").await;
        let photos: Vec<&Value> = feed.iter().filter(|item| item["kind"] == "photos_added").collect();
        assert_eq!(photos.len(), 1, "one item for the batch: {feed:?}");
        assert_eq!(photos[0]["count"], json!(50));
        assert_eq!(photos[0]["actor_id"], json!(uploader.id));
        assert_eq!(photos[0]["album_title"], json!("Jeju 2019"));
    }
    let own = all_pages(&app, uploader, "/feed").await;
    assert!(own.iter().all(|item| item["kind"] != "photos_added"), "nobody hears of their own photos");

    let late = app.seeded_member(&album, "latecomer", Role::Viewer).await;
    fanned_out(&app).await;
    let feed = all_pages(&app, &late, "/feed").await;
    assert!(!feed.is_empty() && feed.iter().all(|item| item["kind"] == "photos_added"), "{feed:?}");
    let admin_notifications = all_pages(&app, &admin, "/notifications").await;
    assert!(
        admin_notifications.iter().any(|n| n["kind"] == "member_joined" && n["actor_id"] == json!(late.id)),
        "the owner hears that someone joined"
    );
    app.stop().await;
}

#[tokio::test]
async fn likes_and_comments_notify_the_photos_owner_and_reading_clears_the_count() {
    let app = TestApp::spawn().await;
    let grandma = app.admin().await;
    let album = app.album(&grandma, "Garden").await;
    let media = photo(&app, &grandma, &album).await;
    let grandson = app.seeded_member(&album, "grandson", Role::Viewer).await;
    fanned_out(&app).await;
    let (_, before) = app.get("/notifications", &grandma.token).await;
    let before = before["unread_count"].as_i64().expect("count");

    like(&app, &grandson, &media).await;
    app.post(&format!("/media/{media}/comments"), &grandson.token, json!({ "body": "할머니 최고!" })).await;
    like(&app, &grandma, &media).await;
    fanned_out(&app).await;

    let (_, body) = app.get("/notifications", &grandma.token).await;
    assert_eq!(body["unread_count"].as_i64(), Some(before + 2), "{body}");
    let kinds: Vec<&str> =
        body["items"].as_array().expect("items").iter().map(|i| i["kind"].as_str().unwrap_or("")).collect();
    assert!(kinds.contains(&"like") && kinds.contains(&"comment"), "{kinds:?}");
    let comment = body["items"].as_array().expect("items").iter().find(|i| i["kind"] == "comment").expect("comment");
    assert_eq!(comment["comment"], json!("할머니 최고!"));
    assert_eq!(comment["actor_name"], json!("grandson"));

    let (status, read) = app.post("/notifications/read", &grandma.token, json!({})).await;
    assert_eq!((status, read["unread_count"].as_i64()), (StatusCode::OK, Some(0)));
    app.stop().await;
}

#[tokio::test]
async fn following_brings_someones_photos_from_a_big_album_into_the_feed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Whole clan").await;
    let mut members = Vec::new();
    for n in 0..=picup_common::db::FANOUT_MEMBER_LIMIT {
        members.push(app.seeded_member(&album, &format!("clan{n}"), Role::Contributor).await);
    }
    fanned_out(&app).await;
    let (uncle, fan, other) = (&members[0], &members[1], &members[2]);
    let uncle_id = uncle.id.clone();
    let (status, _) = app.call(Method::PUT, &format!("/users/{uncle_id}/follow"), Some(&fan.token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, following) = app.get("/following", &fan.token).await;
    assert_eq!(following["items"][0]["id"], json!(uncle_id));

    photo(&app, uncle, &album).await;
    fanned_out(&app).await;
    let has_photos =
        |feed: &[Value]| feed.iter().any(|i| i["kind"] == "photos_added" && i["actor_id"] == json!(uncle_id));
    assert!(has_photos(&all_pages(&app, fan, "/feed").await), "a follower hears of it");
    assert!(!has_photos(&all_pages(&app, other, "/feed").await), "in a big album, others see it in the album");

    let (status, _) = app.delete(&format!("/users/{uncle_id}/follow"), &fan.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, following) = app.get("/following", &fan.token).await;
    assert_eq!(following["items"], json!([]));
    app.stop().await;
}

/// Reads `event: unread` payloads from an SSE response until `wanted` arrives.
async fn wait_for_unread(mut response: reqwest::Response, wanted: i64) -> bool {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if text.contains(&format!("\"unread_count\":{wanted}")) {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn a_like_on_one_api_process_reaches_a_browser_streaming_from_another() {
    let backends = Backends::fresh().await;
    let a = TestApp::spawn_on(&backends, &[]).await;
    let grandma = a.admin().await;
    let album = a.album(&grandma, "Across replicas").await;
    let media = photo(&a, &grandma, &album).await;
    let grandson = a.seeded_member(&album, "grandson", Role::Viewer).await;
    fanned_out(&a).await;
    a.post("/notifications/read", &grandma.token, json!({})).await;

    // Without Redis there is one process, so "another" is the same one.
    let b = if on_redis() { Some(TestApp::spawn_on(&backends, &[]).await) } else { None };
    let streaming = b.as_ref().unwrap_or(&a);
    let stream =
        streaming.request(Method::GET, "/notifications/stream", Some(&grandma.token)).send().await.expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"].to_str().unwrap_or("").starts_with("text/event-stream"));

    let waiting = tokio::spawn(wait_for_unread(stream, 1));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = like(&a, &grandson, &media).await;
    assert_eq!(status, StatusCode::OK);
    assert!(waiting.await.expect("task"), "the unread count reached the other process's stream");
    if let Some(b) = b {
        b.stop().await;
    }
    a.stop().await;
}

#[tokio::test]
async fn search_finds_parts_of_korean_and_english_words_dates_and_never_what_one_may_not_see() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let jeju = app.album(&admin, "Jeju Island 2019").await;
    let trip = app.album(&admin, "제주도여행").await;
    let private = app.album(&admin, "제주 비밀 앨범").await;
    let in_jeju = photo(&app, &admin, &jeju).await;
    let in_trip = photo(&app, &admin, &trip).await;
    let secret = photo(&app, &admin, &private).await;
    let cousin = app.seeded_member(&jeju, "cousin", Role::Viewer).await;
    app.services
        .db
        .add_album_member(trip.parse().expect("id"), cousin.id.parse().expect("id"), Role::Viewer)
        .await
        .expect("member");
    app.post(&format!("/media/{in_jeju}/comments"), &admin.token, json!({ "body": "한라산 정상에서" })).await;

    let ids = |body: &Value| -> Vec<String> { body["items"].as_array().expect("items").iter().map(id_of).collect() };
    let search = |q: &str| {
        let url = format!("/search?q={}", urlencode(q));
        let token = cousin.token.clone();
        let app = &app;
        async move {
            let (status, body) = app.get(&url, &token).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };

    let korean = search("제주").await;
    let mut found = ids(&korean);
    found.sort();
    let mut expected = vec![in_trip.clone()];
    expected.sort();
    assert_eq!(found, expected, "제주 finds 제주도여행, and not the album the cousin is not in");
    assert!(!ids(&korean).contains(&secret));
    assert_eq!(ids(&search("jeju").await), vec![in_jeju.clone()], "jeju finds Jeju Island");
    assert_eq!(ids(&search("JEJU island").await), vec![in_jeju.clone()]);
    assert_eq!(ids(&search("한라산").await), vec![in_jeju.clone()], "comments are searched");
    assert_eq!(ids(&search("photo.jpg 여행").await), vec![in_trip.clone()], "file names too, every word must match");
    assert!(ids(&search("비밀").await).is_empty(), "never what one may not see");
    let albums = search("jeju").await;
    assert_eq!(albums["albums"][0]["title"], json!("Jeju Island 2019"));

    // Dates: the year the photos were taken (their EXIF date, or the upload's when they have none).
    for album in [&jeju, &trip, &private] {
        app.settle(&admin, album).await;
    }
    let (_, taken) = app.get(&format!("/media/{in_jeju}"), &admin.token).await;
    let year: i32 = taken["taken_at"].as_str().expect("taken_at")[..4].parse().expect("year");
    let mut dated = ids(&search(&year.to_string()).await);
    dated.sort();
    let mut both = vec![in_jeju.clone(), in_trip.clone()];
    both.sort();
    assert_eq!(dated, both, "a year matches when photos were taken");
    assert!(ids(&search(&format!("{}년", year - 20)).await).is_empty());
    let (status, _) = app.get("/search?q=", &cousin.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Places and cameras, as the thumbnailer records them from EXIF.
    let id: MediaId = in_jeju.parse().expect("id");
    let media = app.services.db.media(id).await.expect("media");
    // Photos without GPS first, on every pooled connection: a photo with GPS after them must still
    // be recorded (a NULL once fixed the statement's parameter type on PostgreSQL).
    let without_gps = picup_common::db::ProcessedMedia {
        thumbnail_key: media.thumbnail_key.clone(),
        preview_key: media.preview_key.clone(),
        derivative_bytes: media.derivative_bytes,
        ..Default::default()
    };
    for _ in 0..20 {
        app.services.db.mark_media_ready(id, &without_gps).await.expect("record a photo without GPS");
    }
    let processed = picup_common::db::ProcessedMedia {
        thumbnail_key: media.thumbnail_key,
        preview_key: media.preview_key,
        playable_key: media.playable_key,
        derivative_bytes: media.derivative_bytes,
        width: media.width,
        height: media.height,
        thumbhash: media.thumbhash,
        camera_make: Some("Canon".into()),
        camera_model: Some("EOS R6".into()),
        latitude: Some(33.36),
        longitude: Some(126.53),
        ..Default::default()
    };
    app.services.db.mark_media_ready(id, &processed).await.expect("record GPS and camera");
    let (status, body) = app.get("/search?area=33.1,126.1,33.6,127.0", &cousin.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(ids(&body), vec![in_jeju.clone()], "a box around Jeju");
    let (_, body) = app.get("/search?area=37.4,126.8,37.7,127.2", &cousin.token).await;
    assert!(ids(&body).is_empty(), "a box around Seoul");
    let (_, body) = app.get("/search?camera=eos", &cousin.token).await;
    assert_eq!(ids(&body), vec![in_jeju.clone()]);
    assert_eq!(ids(&search("canon").await), vec![in_jeju.clone()], "cameras are words too");
    let (status, _) = app.get("/search?area=north,pole", &cousin.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
