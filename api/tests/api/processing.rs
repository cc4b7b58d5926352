//! Uploaded media becoming viewable: the thumbnailer's results through the api, exactly once.

use std::time::Duration;

use picup_common::id::MediaId;
use picup_thumbnailer::consumer::{Consumer, dead_letter_stream};
use picup_thumbnailer::job::{self, Outcome};
use redis::AsyncCommands;
use reqwest::{StatusCode, header};

use crate::helpers::{TestApp, on_redis, pseudo_random_bytes, sample_photo};

#[tokio::test]
async fn an_uploaded_photo_becomes_ready_with_a_thumbnail_and_a_preview() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Ready").await;
    let photo = sample_photo();
    let media = app.upload(&admin, &album, &photo, "image/jpeg").await;
    assert_eq!(media["status"], "processing");

    let items = app.settle(&admin, &album).await;
    let item = &items[0];
    assert_eq!(item["status"], "ready", "{item}");
    assert!(item["width"].as_i64().is_some_and(|w| w > 0) && item["height"].as_i64().is_some_and(|h| h > 0));
    for (kind, content_type) in [("thumbnail", "image/webp"), ("preview", "image/jpeg")] {
        let response = app.client.get(item["urls"][kind].as_str().expect("url")).send().await.expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "{kind}");
        assert_eq!(response.headers()[header::CONTENT_TYPE], content_type, "{kind}");
        let cache = response.headers()[header::CACHE_CONTROL].to_str().expect("ascii").to_owned();
        assert!(cache.contains("immutable"), "{kind}: {cache}");
    }
    let (_, album_view) = app.get(&format!("/albums/{album}"), &admin.token).await;
    assert!(album_view["cover_url"].is_string(), "the album shows a cover once a thumbnail exists");
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&items).await);

    // The same event again (at-least-once delivery) rewrites the same objects, counted once.
    let id: MediaId = item["id"].as_str().expect("id").parse().expect("id");
    assert_eq!(job::process(&app.services, id).await.expect("process"), Outcome::Ready);
    let again = app.whole_items(&admin, &album).await;
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&again).await);
    assert_eq!(app.stored_bytes(&again).await, app.stored_bytes(&items).await);
    app.stop().await;
}

#[tokio::test]
async fn a_damaged_file_is_marked_failed_with_a_reason() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Broken").await;
    let mut broken = vec![0xFF, 0xD8, 0xFF, 0xE0];
    broken.extend(pseudo_random_bytes(5000, 4));
    app.upload(&admin, &album, &broken, "image/jpeg").await;
    let items = app.settle(&admin, &album).await;
    assert_eq!(items[0]["status"], "failed");
    let reason = items[0]["failure_reason"].as_str().expect("a reason");
    assert!(reason.contains("damaged"), "{reason}");
    assert!(items[0]["urls"]["original"].is_string(), "the original can still be downloaded");
    assert_eq!(app.me(&admin).await["used_bytes"], broken.len(), "only the original counts");
    app.stop().await;
}

#[tokio::test]
async fn photos_are_listed_by_when_they_were_taken() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Dates").await;
    let Some(old) = crate::helpers::required_corpus_file("jpeg/canon_hdr_NO.jpg") else {
        return; // needs a photo with an EXIF date; the thumbnailer's own tests cover parsing
    };
    let old_id = app.upload(&admin, &album, &old, "image/jpeg").await["id"].clone();
    let new_id = app.upload(&admin, &album, &sample_photo(), "image/jpeg").await["id"].clone();
    let items = app.settle(&admin, &album).await;
    let order: Vec<_> = items.iter().map(|m| m["id"].clone()).collect();
    assert_eq!(order.len(), 2);
    let old_item = items.iter().find(|m| m["id"] == old_id).expect("old");
    assert!(old_item["taken_at"].as_str().unwrap_or_default() < "2026", "{old_item}");
    assert_eq!(old_item["taken_at_known"], true, "read from the photo: {old_item}");
    assert_eq!(old_item["camera"]["make"], "Canon");
    // The photo taken years ago sorts after the one made today, though it was uploaded first.
    assert!(order[0] == new_id || items[0]["taken_at"].as_str() > old_item["taken_at"].as_str());
    assert_eq!(order[1], old_id);
    app.stop().await;
}

#[tokio::test]
async fn a_photo_without_a_date_says_its_date_is_only_when_it_was_uploaded() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Scans").await;
    let pixels = (0..64 * 48).flat_map(|i| [(i % 64) as u8, (i / 64) as u8, 90]).collect();
    let scan = picup_thumbnailer::raster::Rgb { width: 64, height: 48, pixels };
    let bytes = picup_thumbnailer::raster::encode_jpeg(&scan).expect("a JPEG without EXIF");
    let uploaded = app.upload(&admin, &album, &bytes, "image/jpeg").await;
    assert_eq!(uploaded["taken_at_known"], false, "not read yet: {uploaded}");
    let items = app.settle(&admin, &album).await;
    assert_eq!((items[0]["status"].as_str(), items[0]["taken_at_known"].as_bool()), (Some("ready"), Some(false)));
    app.stop().await;
}

/// A thumbnailer that dies holding a message: another takes it over and the item ends ready once.
#[tokio::test]
async fn a_message_held_by_a_dead_thumbnailer_is_taken_over() {
    if !on_redis() {
        return; // the in-process queue has no second consumer
    }
    let app = TestApp::spawn_with(&[("PICUP_TEST_NO_CONSUMER", "1"), ("PICUP_CLAIM_IDLE_SECS", "1")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Takeover").await;
    app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;

    // The first thumbnailer reads the message, then dies before acknowledging it.
    let ghost = Consumer::new(app.services.clone(), "ghost".into()).await.expect("consumer");
    let taken = ghost.next_batch(10).await.expect("read");
    assert_eq!(taken.len(), 1);
    drop(ghost);

    let shutdown = tokio_util::sync::CancellationToken::new();
    let survivor = Consumer::new(app.services.clone(), "survivor".into()).await.expect("consumer");
    let task = tokio::spawn(survivor.run(shutdown.clone()));
    let items = app.settle(&admin, &album).await;
    assert_eq!(items[0]["status"], "ready");
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&items).await, "counted once");

    let mut redis = app.services.redis.clone().expect("redis");
    let stream = picup_common::events::media_stream(&app.services.config.redis_prefix);
    let mut pending = 1;
    for _ in 0..50 {
        let summary: redis::streams::StreamPendingReply =
            redis.xpending(&stream, "thumbnailers").await.expect("XPENDING");
        pending = summary.count();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0, "the message was acknowledged");
    shutdown.cancel();
    task.await.expect("consumer stops");
    app.stop().await;
}

/// An item that fails every time is given up after the configured attempts, marked failed and
/// dead-lettered, instead of being retried forever.
#[tokio::test]
async fn an_item_that_keeps_failing_ends_in_the_dead_letter_stream() {
    let app = TestApp::spawn_with(&[("PICUP_MAX_ATTEMPTS", "2"), ("PICUP_TEST_NO_CONSUMER", "1")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Poison").await;
    let media = app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;
    let id: MediaId = media["id"].as_str().expect("id").parse().expect("id");
    // Simulate two attempts that died mid-way (the process crashed while decoding).
    for _ in 0..2 {
        app.services.db.count_processing_attempt(id).await.expect("attempt");
    }
    let outcome = job::process(&app.services, id).await.expect("process");
    assert!(matches!(outcome, Outcome::Failed(ref reason) if reason.contains("tried 2 times")), "{outcome:?}");
    let (_, item) = app.get(&format!("/media/{id}"), &admin.token).await;
    assert_eq!(item["status"], "failed");

    if on_redis() {
        let consumer = Consumer::new(app.services.clone(), "poison".into()).await.expect("consumer");
        let batch = consumer.next_batch(10).await.expect("read");
        for (message_id, event) in batch {
            consumer.handle(&message_id, event).await;
        }
        let mut redis = app.services.redis.clone().expect("redis");
        let dead: usize = redis.xlen(dead_letter_stream(&app.services.config.redis_prefix)).await.expect("XLEN");
        assert_eq!(dead, 1);
    }
    app.stop().await;
}

#[tokio::test]
async fn an_hevc_phone_video_gets_a_poster_and_a_browser_playable_copy() {
    let Some(video) = crate::helpers::required_corpus_file("video/quicktime-hvc1.mov") else {
        return; // the thumbnailer's own tests cover posters on videos made without the corpus
    };
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Video").await;
    app.upload(&admin, &album, &video, "video/quicktime").await;
    let items = app.settle(&admin, &album).await;
    let item = &items[0];
    assert_eq!(item["status"], "ready", "{item}");
    assert_eq!((item["width"].as_i64(), item["height"].as_i64()), (Some(720), Some(1280)), "portrait, as displayed");
    assert!(item["duration_ms"].as_i64().is_some_and(|ms| ms > 1000));
    let playable =
        app.client.get(item["urls"]["playable"].as_str().expect("a playable copy")).send().await.expect("GET");
    assert_eq!(playable.headers()[header::CONTENT_TYPE], "video/mp4");
    let bytes = playable.bytes().await.expect("body");
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4");
    let moov = bytes.windows(4).position(|w| w == b"moov").expect("moov");
    let mdat = bytes.windows(4).position(|w| w == b"mdat").expect("mdat");
    assert!(moov < mdat, "faststart: the index comes before the data");
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&items).await, "the copy counts toward the quota");
    app.stop().await;
}
