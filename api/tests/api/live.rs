//! iPhone Live Photos and Android motion photos from real phones (`../shared/corpus`): one item
//! with a "live" video, the movie stored and counted but never a second item.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, User, id_of, required_corpus_file};

/// The album's items once ready and, where expected, joined with their motion.
async fn settled_with_live(app: &TestApp, user: &User, album: &str, live_items: usize) -> Vec<Value> {
    for _ in 0..300 {
        let items = app.settle(user, album).await;
        if items.iter().filter(|item| item["live"]["video_url"].is_string()).count() >= live_items {
            return items;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no live items after 30 s: {:?}", app.media_list(user, album).await);
}

async fn fetch(app: &TestApp, url: &Value) -> Vec<u8> {
    let response = app.client.get(url.as_str().expect("a URL")).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.expect("body").to_vec()
}

#[tokio::test]
async fn an_iphone_live_photo_is_one_item_that_plays_its_movie_whichever_arrives_first() {
    let (Some(still), Some(movie), Some(plain)) = (
        required_corpus_file("live/osxphotos/IMG_3582.HEIC"),
        required_corpus_file("live/osxphotos/IMG_3582.mov"),
        required_corpus_file("live/osxphotos/IMG_0102.HEIC"),
    ) else {
        return;
    };
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut counted = Vec::new();
    for movie_first in [true, false] {
        let album = app.album(&admin, if movie_first { "Movie first" } else { "Still first" }).await;
        let movie_media = if movie_first {
            let movie_media = app.upload(&admin, &album, &movie, "video/quicktime").await;
            app.upload(&admin, &album, &still, "image/heic").await;
            movie_media
        } else {
            app.upload(&admin, &album, &still, "image/heic").await;
            app.upload(&admin, &album, &movie, "video/quicktime").await
        };
        app.upload(&admin, &album, &plain, "image/heic").await;

        let items = settled_with_live(&app, &admin, &album, 1).await;
        assert_eq!(items.len(), 2, "the still and the plain photo; the movie is no item of its own: {items:?}");
        let live: Vec<Value> = items.iter().filter(|item| item["live"].is_object()).cloned().collect();
        assert_eq!(live.len(), 1, "only the Live Photo plays: {items:?}");
        assert_eq!((&live[0]["kind"], &live[0]["camera"]["model"]), (&"photo".into(), &"iPhone 15 Pro".into()));
        // The album's page (tiles, #19) says which one plays, for its badge; the video's URL comes whole.
        let tiles = app.media_list(&admin, &album).await;
        let live_tiles: Vec<String> = tiles.iter().filter(|tile| tile["live"] == true).map(id_of).collect();
        assert_eq!(live_tiles, [id_of(&live[0])], "{tiles:?}");
        assert!(tiles.iter().all(|tile| tile["urls"].get("original").is_none()), "{tiles:?}");
        let video = fetch(&app, &live[0]["live"]["video_url"]).await;
        assert_eq!(&video[4..8], b"ftyp", "the motion is a video file");
        let (_, album_view) = app.get(&format!("/albums/{album}"), &admin.token).await;
        assert_eq!(album_view["media_count"], 2, "{album_view}");
        let (status, movie_view) = app.get(&format!("/media/{}", id_of(&movie_media)), &admin.token).await;
        assert_eq!(status, StatusCode::OK, "{movie_view}");
        counted.extend(items);
        counted.push(movie_view);

        if movie_first {
            // The still goes to the trash with its movie, and comes back with it.
            let photo = live[0]["id"].as_str().expect("id");
            assert_eq!(app.delete(&format!("/media/{photo}"), &admin.token).await.0, StatusCode::NO_CONTENT);
            let (_, trash) = app.get("/trash", &admin.token).await;
            assert_eq!(trash["items"].as_array().map(Vec::len), Some(1), "one item in the trash: {trash}");
            let (_, movie_view) = app.get(&format!("/media/{}", id_of(&movie_media)), &admin.token).await;
            assert!(movie_view["deleted_at"].is_string(), "the movie went with it: {movie_view}");
            let (status, _) = app.post(&format!("/media/{photo}/restore"), &admin.token, Value::Null).await;
            assert_eq!(status, StatusCode::OK);
            let (_, movie_view) = app.get(&format!("/media/{}", id_of(&movie_media)), &admin.token).await;
            assert!(movie_view["deleted_at"].is_null(), "and came back with it: {movie_view}");
        }
    }
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&counted).await, "the movies are counted");
    app.stop().await;
}

#[tokio::test]
async fn an_android_motion_photo_plays_the_video_cut_out_of_it() {
    let (Some(samsung), Some(pixel)) =
        (required_corpus_file("heic/samsung-one-ui-6.heic"), required_corpus_file("live/ente/pixel_8.jpg"))
    else {
        return;
    };
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Motion").await;
    app.upload(&admin, &album, &samsung, "image/heic").await;
    app.upload(&admin, &album, &pixel, "image/jpeg").await;

    let items = settled_with_live(&app, &admin, &album, 1).await;
    assert_eq!(items.len(), 2);
    let motion = items.iter().find(|item| item["live"].is_object()).expect("the motion photo plays");
    assert_eq!(motion["size_bytes"], samsung.len(), "one item, the whole file");
    let video = fetch(&app, &motion["live"]["video_url"]).await;
    assert_eq!(video, samsung[452_284..], "the MP4 inside the photo, byte for byte");
    assert!(items.iter().filter(|item| item["live"].is_null()).count() == 1, "the Pixel photo has no motion");
    let expected = app.stored_bytes(&items).await + video.len() as i64;
    assert_eq!(app.me(&admin).await["used_bytes"], expected, "the cut-out video is counted");
    app.stop().await;
}
