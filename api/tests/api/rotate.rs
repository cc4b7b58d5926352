//! Turning a photo (#20): what the family sees after the thumbnailer made it again, the original
//! untouched, and who may turn it.

use picup_common::checksum::Sha256;
use picup_common::id::MediaId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id_of, required_corpus_file, sample_photo};

async fn turn(app: &TestApp, user: &User, media: &str, direction: &str) -> (StatusCode, Value) {
    app.post(&format!("/media/{media}/rotate"), &user.token, json!({ "direction": direction })).await
}

/// Turns the photo and waits for the thumbnailer: the item as the album lists it then.
async fn turned(app: &TestApp, user: &User, album: &str, media: &str, direction: &str) -> Value {
    let (status, answer) = turn(app, user, media, direction).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "processing", "made again: {answer}");
    let items = app.settle(user, album).await;
    let item = items.into_iter().find(|m| m["id"] == media).expect("still in the album");
    assert_eq!(item["status"], "ready", "{item}");
    assert_eq!((&item["width"], &item["height"]), (&answer["width"], &answer["height"]), "the turned size at once");
    item
}

async fn fetch(app: &TestApp, url: &Value) -> Vec<u8> {
    let response = app.client.get(url.as_str().expect("a URL")).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.bytes().await.expect("body").to_vec()
}

/// The thumbnail and preview as a browser decodes them.
async fn shown(app: &TestApp, item: &Value) -> (image::DynamicImage, image::DynamicImage) {
    let decode = |bytes: Vec<u8>| image::load_from_memory(&bytes).expect("an image");
    (decode(fetch(app, &item["urls"]["thumbnail"]).await), decode(fetch(app, &item["urls"]["preview"]).await))
}

fn sides(image: &image::DynamicImage) -> (u32, u32) {
    (image.width(), image.height())
}

fn size(item: &Value) -> (i64, i64) {
    (item["width"].as_i64().expect("width"), item["height"].as_i64().expect("height"))
}

/// How far apart two pictures of the same size are: the mean difference of their channels (JPEG
/// made twice is never byte-equal, a wrong way round is far off).
fn difference(a: &image::DynamicImage, b: &image::DynamicImage) -> f64 {
    assert_eq!(sides(a), sides(b));
    let (a, b) = (a.to_rgb8(), b.to_rgb8());
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.as_raw().len() as f64
}

async fn stored_keys(app: &TestApp, media: &str) -> Vec<String> {
    let id: MediaId = media.parse().expect("id");
    let row = app.services.db.media(id).await.expect("media");
    [row.thumbnail_key, row.preview_key].into_iter().flatten().collect()
}

async fn is_stored(app: &TestApp, key: &str) -> bool {
    match app.services.storage.head(key).await {
        Ok(_) => true,
        Err(err) if err.is_not_found() => false,
        Err(err) => panic!("{key}: {err}"),
    }
}

async fn original_sha256(app: &TestApp, user: &User, media: &str) -> String {
    let response = app
        .request(Method::GET, &format!("/media/{media}/download"), Some(&user.token))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let signed = response.headers()["location"].to_str().expect("ascii").to_owned();
    let bytes = reqwest::get(&signed).await.expect("the signed URL").bytes().await.expect("bytes");
    Sha256::of(&bytes).to_hex()
}

#[tokio::test]
async fn a_turned_photo_is_shown_turned_under_new_urls_and_its_original_stays() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Sideways").await;
    let photo = sample_photo();
    let media = id_of(&app.upload(&owner, &album, &photo, "image/jpeg").await);
    let first = app.settle(&owner, &album).await.remove(0);
    assert_eq!(first["quarter_turns"], 0);
    let (width, height) = size(&first);
    assert_ne!(width, height, "a photo that shows its turn");
    let (thumbnail, preview) = shown(&app, &first).await;
    let first_keys = stored_keys(&app, &media).await;

    let once = turned(&app, &owner, &album, &media, "clockwise").await;
    assert_eq!(once["quarter_turns"], 1);
    assert_eq!(size(&once), (height, width), "width and height as shown");
    let (turned_thumbnail, turned_preview) = shown(&app, &once).await;
    assert_eq!(sides(&turned_thumbnail), (thumbnail.height(), thumbnail.width()));
    assert_eq!(sides(&turned_preview), (preview.height(), preview.width()));
    let clockwise = difference(&turned_preview, &preview.rotate90());
    let counterclockwise = difference(&turned_preview, &preview.rotate270());
    assert!(clockwise < 6.0 && clockwise * 3.0 < counterclockwise, "{clockwise} vs {counterclockwise}");
    for kind in ["thumbnail", "preview"] {
        assert_ne!(once["urls"][kind], first["urls"][kind], "{kind}: no cache serves the unturned one");
    }
    for key in &first_keys {
        assert!(!is_stored(&app, key).await, "{key}: the unturned images are deleted");
    }
    assert_eq!(once["sha256"], first["sha256"]);
    assert_eq!(original_sha256(&app, &owner, &media).await, Sha256::of(&photo).to_hex(), "the original as sent");
    assert_eq!(app.me(&owner).await["used_bytes"], app.stored_bytes(std::slice::from_ref(&once)).await, "charged once");

    let back = turned(&app, &owner, &album, &media, "counterclockwise").await;
    assert_eq!((back["quarter_turns"].as_i64(), size(&back)), (Some(0), (width, height)));
    let mut last_keys = stored_keys(&app, &media).await;
    assert_eq!(last_keys, first_keys, "unturned, the first keys again");
    for expected in [1, 2, 3, 0] {
        let item = turned(&app, &owner, &album, &media, "clockwise").await;
        assert_eq!(item["quarter_turns"], expected);
        let keys = stored_keys(&app, &media).await;
        for key in last_keys.iter().filter(|key| !keys.contains(key)) {
            assert!(!is_stored(&app, key).await, "{key}: the previous turn's images are deleted");
        }
        last_keys = keys;
    }
    let around = app.settle(&owner, &album).await.remove(0);
    assert_eq!(size(&around), (width, height), "four quarter turns are the first shape");
    let (thumbnail_around, preview_around) = shown(&app, &around).await;
    assert_eq!((sides(&thumbnail_around), sides(&preview_around)), (sides(&thumbnail), sides(&preview)));
    assert!(difference(&preview_around, &preview) < 2.0, "the same picture again");
    assert_eq!(original_sha256(&app, &owner, &media).await, Sha256::of(&photo).to_hex(), "never touched");
    assert_eq!(app.me(&owner).await["used_bytes"], app.stored_bytes(&[around]).await);
    app.stop().await;
}

/// A phone's portrait photo stored sideways with EXIF orientation 6: the turn comes after it.
#[tokio::test]
async fn a_turn_comes_after_the_photos_own_orientation() {
    let Some(photo) = required_corpus_file("orientation/Landscape_6.jpg") else { return };
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Oriented").await;
    let media = id_of(&app.upload(&owner, &album, &photo, "image/jpeg").await);
    let upright = app.settle(&owner, &album).await.remove(0);
    let (_, preview) = shown(&app, &upright).await;
    assert!(preview.width() > preview.height(), "the landscape as its EXIF says");
    let once = turned(&app, &owner, &album, &media, "counterclockwise").await;
    assert_eq!(once["quarter_turns"], 3);
    let (_, turned_preview) = shown(&app, &once).await;
    let counterclockwise = difference(&turned_preview, &preview.rotate270());
    assert!(counterclockwise < 6.0, "{counterclockwise}");
    app.stop().await;
}

/// A phone video: its poster is made again turned and its size swapped; the video itself is not
/// re-encoded (players turn it by `quarter_turns`).
#[tokio::test]
async fn a_turned_video_has_a_turned_poster() {
    let Some(video) = required_corpus_file("video/mp42-hvc1.mp4") else { return };
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Filmed sideways").await;
    let media = id_of(&app.upload(&owner, &album, &video, "video/mp4").await);
    let first = app.settle(&owner, &album).await.remove(0);
    assert_eq!((&first["kind"], &first["status"]), (&json!("video"), &json!("ready")), "{first}");
    let (_, poster) = shown(&app, &first).await;
    let once = turned(&app, &owner, &album, &media, "clockwise").await;
    assert_eq!((once["quarter_turns"].as_i64(), size(&once)), (Some(1), (size(&first).1, size(&first).0)));
    let (_, turned_poster) = shown(&app, &once).await;
    assert_eq!(sides(&turned_poster), (poster.height(), poster.width()));
    assert_eq!(original_sha256(&app, &owner, &media).await, Sha256::of(&video).to_hex());
    assert_eq!(app.me(&owner).await["used_bytes"], app.stored_bytes(&[once]).await);
    app.stop().await;
}

#[tokio::test]
async fn owners_and_contributors_turn_photos_one_turn_at_a_time_and_viewers_only_look() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Who turns").await;
    let contributor = app.seeded_member(&album, "contributor", picup_common::db::Role::Contributor).await;
    let viewer = app.seeded_member(&album, "viewer", picup_common::db::Role::Viewer).await;
    let outsider = app.member(&owner, "outsider@family.test").await;
    let media = id_of(&app.upload(&owner, &album, &sample_photo(), "image/jpeg").await);

    app.settle(&owner, &album).await;

    let (status, body) = turn(&app, &viewer, &media, "clockwise").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = turn(&app, &outsider, &media, "clockwise").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not their album");
    let (status, _) = app.call(Method::POST, &format!("/media/{media}/rotate"), None, Some(json!({}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = turn(&app, &contributor, &media, "upside down").await;
    assert_eq!((status, &body["code"]), (StatusCode::BAD_REQUEST, &json!("invalid_body")), "{body}");

    let (status, body) = turn(&app, &contributor, &media, "clockwise").await;
    assert_eq!((status, body["quarter_turns"].as_i64()), (StatusCode::OK, Some(1)), "{body}");
    let items = app.settle(&owner, &album).await;
    assert_eq!((&items[0]["status"], &items[0]["quarter_turns"]), (&json!("ready"), &json!(1)));

    // While a turn is being made (held here, the thumbnailer is quick), the next is refused.
    app.execute_sql(&format!("UPDATE media SET status = 'processing' WHERE id = {media}")).await;
    let (status, body) = turn(&app, &owner, &media, "clockwise").await;
    assert_eq!((status, &body["code"]), (StatusCode::CONFLICT, &json!("media_processing")), "{body}");
    app.execute_sql(&format!("UPDATE media SET status = 'ready' WHERE id = {media}")).await;

    let (status, _) = app.delete(&format!("/media/{media}"), &owner.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = turn(&app, &owner, &media, "clockwise").await;
    assert_eq!((status, &body["code"]), (StatusCode::CONFLICT, &json!("in_trash")), "{body}");
    app.stop().await;
}
