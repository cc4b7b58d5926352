//! The album's timeline (#19): its months for the scrubber, a jump to any month, and pages that
//! travel compressed, as a phone reads them.

use std::io::Read;

use picup_common::db::MetadataHints;
use picup_common::id::{MediaId, UserId};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, User};

/// A small JPEG of its own (each seed different bytes) with no EXIF date.
fn photo(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(32, 24, |x, y| image::Rgb([seed, (x * 7) as u8, (y * 9) as u8]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Jpeg).expect("encode a JPEG");
    bytes.into_inner()
}

/// Uploads a photo as a browser does, taken at `taken_at` (an import's sidecar date: the upload's
/// real path with the date it would give). Returns its id.
async fn photo_taken(app: &TestApp, user: &User, album: &str, seed: u8, taken_at: &str) -> String {
    let bytes = photo(seed);
    let reservation = app.reserve(user, album, &format!("IMG_{seed:04}.jpg"), bytes.len(), "image/jpeg").await;
    assert!(app.put_presigned(&reservation, &bytes).await.status().is_success());
    let upload_id = MediaId::new(reservation["id"].as_str().expect("id").parse().expect("a number"));
    let user_id = UserId::new(user.id.parse().expect("user id"));
    let taken = chrono_free_ms(taken_at);
    let hints = MetadataHints { taken_at: Some(taken), place: None };
    // Boxed: the whole upload's future is too big for a test thread's stack in a debug build.
    let completed =
        Box::pin(picup_common::uploads::complete_with_hints(&app.services, user_id, upload_id, None, &hints))
            .await
            .expect("completed");
    completed.media.id.to_string()
}

/// `2015-07-10T12:00:00Z` in milliseconds, read by the server's own calendar.
fn chrono_free_ms(text: &str) -> i64 {
    let time = humantime::parse_rfc3339(text).expect("an RFC 3339 time");
    i64::try_from(time.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis()).expect("ms")
}

async fn months(app: &TestApp, user: &User, album: &str, offset_minutes: i64) -> Vec<(String, i64)> {
    let (status, body) = app.get(&format!("/albums/{album}/months?offset_minutes={offset_minutes}"), &user.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["months"]
        .as_array()
        .expect("months")
        .iter()
        .map(|month| (month["month"].as_str().expect("month").to_owned(), month["count"].as_i64().expect("count")))
        .collect()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(crate::helpers::id_of).collect()
}

#[tokio::test]
async fn the_months_of_an_album_and_a_jump_to_any_of_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Our years").await;
    let july = [
        photo_taken(&app, &admin, &album, 1, "2015-07-10T12:00:00Z").await,
        photo_taken(&app, &admin, &album, 2, "2015-07-20T12:00:00Z").await,
        photo_taken(&app, &admin, &album, 3, "2015-07-31T22:00:00Z").await,
    ];
    // The evening of 30 June in London is the morning of 1 July in Seoul.
    let june_evening = photo_taken(&app, &admin, &album, 4, "2015-06-30T20:00:00Z").await;
    let christmas = photo_taken(&app, &admin, &album, 5, "2019-12-25T09:00:00Z").await;
    photo_taken(&app, &admin, &album, 6, "2024-02-29T09:00:00Z").await;
    photo_taken(&app, &admin, &album, 7, "2024-02-01T09:00:00Z").await;
    // A photo in the trash is in no month.
    let trashed = photo_taken(&app, &admin, &album, 8, "2010-01-01T09:00:00Z").await;
    assert_eq!(app.delete(&format!("/media/{trashed}"), &admin.token).await.0, StatusCode::NO_CONTENT);

    let in_utc = [("2024-02", 2), ("2019-12", 1), ("2015-07", 3), ("2015-06", 1)];
    let expected: Vec<(String, i64)> = in_utc.iter().map(|(month, count)| ((*month).to_owned(), *count)).collect();
    assert_eq!(months(&app, &admin, &album, 0).await, expected);
    // In Seoul the last day of July spills into August, and June's evening is July's morning.
    let in_seoul = [("2024-02", 2), ("2019-12", 1), ("2015-08", 1), ("2015-07", 3)];
    let expected: Vec<(String, i64)> = in_seoul.iter().map(|(month, count)| ((*month).to_owned(), *count)).collect();
    assert_eq!(months(&app, &admin, &album, 540).await, expected);

    // The months are counted again as soon as the album changes (they are kept while it does not).
    let boxing_day = photo_taken(&app, &admin, &album, 9, "2019-12-26T09:00:00Z").await;
    assert!(months(&app, &admin, &album, 0).await.contains(&("2019-12".to_owned(), 2)));
    assert_eq!(app.delete(&format!("/media/{boxing_day}"), &admin.token).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&format!("/media/{christmas}"), &admin.token).await.0, StatusCode::NO_CONTENT);
    let after_trash = months(&app, &admin, &album, 0).await;
    assert!(!after_trash.iter().any(|(month, _)| month == "2019-12"), "{after_trash:?}");
    let (status, _) = app.post(&format!("/media/{christmas}/restore"), &admin.token, serde_json::json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(months(&app, &admin, &album, 0).await.contains(&("2019-12".to_owned(), 1)));

    // The jump: the page starts at July's newest photo, and its next page goes on into June.
    let (status, page) = app.get(&format!("/albums/{album}/media?month=2015-07&limit=3"), &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let newest_first: Vec<String> = july.iter().rev().cloned().collect();
    assert_eq!(ids(&page), newest_first);
    let cursor = page["next_cursor"].as_str().expect("more");
    let (_, next) = app.get(&format!("/albums/{album}/media?cursor={cursor}&limit=3"), &admin.token).await;
    assert_eq!(ids(&next), std::slice::from_ref(&june_evening));
    // In Seoul, July starts with that June evening; the 31st's late photo is August there.
    let (_, seoul) = app.get(&format!("/albums/{album}/media?month=2015-07&offset_minutes=540"), &admin.token).await;
    assert_eq!(ids(&seoul), [july[1].clone(), july[0].clone(), june_evening]);
    // A month with nothing starts at the next older one; one after everything, at the newest.
    let (_, empty) = app.get(&format!("/albums/{album}/media?month=2018-03&limit=1"), &admin.token).await;
    assert_eq!(ids(&empty), newest_first[..1]);
    let (_, future) = app.get(&format!("/albums/{album}/media?month=2030-01"), &admin.token).await;
    assert_eq!(ids(&future).len(), 7);

    // Nonsense is refused clearly; a stranger learns nothing of the album.
    for wrong in ["month=2015-13", "month=July", "offset_minutes=900"] {
        let (status, body) = app.get(&format!("/albums/{album}/media?{wrong}"), &admin.token).await;
        assert!(
            matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY),
            "{wrong}: {status} {body}"
        );
    }
    let stranger = app.member(&admin, "stranger@family.test").await;
    let (status, _) = app.get(&format!("/albums/{album}/months"), &stranger.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let empty_album = app.album(&admin, "Nothing yet").await;
    assert!(months(&app, &admin, &empty_album, 0).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_page_of_an_album_travels_compressed_to_a_browser_that_accepts_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Compressed").await;
    for seed in 0..12 {
        app.upload(&admin, &album, &photo(seed), "image/jpeg").await;
    }
    app.settle(&admin, &album).await;
    let path = format!("/albums/{album}/media");
    let plain = app.request(Method::GET, &path, Some(&admin.token)).header("accept-encoding", "identity").send().await;
    let plain = plain.expect("plain page");
    assert_eq!(plain.headers().get("content-encoding"), None);
    let plain: Value = serde_json::from_slice(&plain.bytes().await.expect("body")).expect("JSON");

    let gzipped = app.request(Method::GET, &path, Some(&admin.token)).header("accept-encoding", "gzip").send().await;
    let gzipped = gzipped.expect("gzipped page");
    assert_eq!(gzipped.status(), StatusCode::OK);
    assert_eq!(gzipped.headers().get("content-encoding").map(|v| v.as_bytes()), Some(&b"gzip"[..]));
    let wire = gzipped.bytes().await.expect("body");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&wire[..]).read_to_string(&mut text).expect("gzip");
    let unzipped: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(ids(&unzipped), ids(&plain), "the same page");
    let plain_size = serde_json::to_vec(&plain).expect("JSON").len();
    assert!(wire.len() * 2 < plain_size, "{} bytes on the wire for {plain_size}", wire.len());

    // A ZIP of photos is not compressed again: photos do not shrink.
    let zip = app.request(Method::GET, &format!("/albums/{album}/download"), Some(&admin.token));
    let zip = zip.header("accept-encoding", "gzip, br").send().await.expect("zip");
    assert_eq!(zip.status(), StatusCode::OK);
    assert_eq!(zip.headers().get("content-encoding"), None);
    app.stop().await;
}
