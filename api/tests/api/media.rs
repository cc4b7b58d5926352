use std::time::Duration;

use picup_worker::jobs::Job;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, User, id_of, on_redis, pseudo_random_bytes, sample_photo};
use picup_common::db::Role;
use serde_json::Value;

#[tokio::test]
async fn an_album_lists_newest_first_in_pages_with_stable_urls() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Pages").await;
    let mut uploaded = Vec::new();
    for i in 0..5 {
        let media = app.upload(&admin, &album, &pseudo_random_bytes(2000 + i, i as u32), "image/jpeg").await;
        uploaded.push(media["id"].as_str().expect("id").to_owned());
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/albums/{album}/media?limit=2&cursor={c}"),
            None => format!("/albums/{album}/media?limit=2"),
        };
        let (status, page) = app.get(&path, &admin.token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|m| m["id"].as_str().expect("id").to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    uploaded.reverse();
    assert_eq!(seen, uploaded, "every item once, newest taken first");

    let first = app.whole_items(&admin, &album).await;
    let second = app.whole_items(&admin, &album).await;
    assert!(first[0]["urls"]["original"].is_string(), "{}", first[0]);
    assert_eq!(first[0]["urls"]["original"], second[0]["urls"]["original"], "the same photo keeps the same URL");

    let (status, body) = app.get(&format!("/albums/{album}/media?cursor=garbage"), &admin.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_cursor");
    app.stop().await;
}

/// Each item of `user`'s page of the album, beside what the item's own page says to them.
async fn page_and_own_answers(app: &TestApp, user: &User, album: &str) -> Vec<(Value, Value)> {
    let mut pairs = Vec::new();
    for item in app.media_list(user, album).await {
        let (status, own) = app.get(&format!("/media/{}", id_of(&item)), &user.token).await;
        assert_eq!(status, StatusCode::OK, "{own}");
        pairs.push((item, own));
    }
    pairs
}

/// What a page lists of an item (#19): the item whole, with only its thumbnail's URL and whether
/// it is live, without what only its own page shows.
fn tile_of(whole: &Value) -> Value {
    let mut tile = whole.clone();
    for detail in ["content_type", "camera", "location", "sha256"] {
        tile.as_object_mut().expect("an item").remove(detail);
    }
    let mut urls = serde_json::Map::new();
    if let Some(thumbnail) = whole["urls"].get("thumbnail") {
        urls.insert("thumbnail".to_owned(), thumbnail.clone());
    }
    tile["urls"] = Value::Object(urls);
    tile["live"] = json!(whole.get("live").is_some());
    tile
}

async fn assert_page_agrees(app: &TestApp, user: &User, album: &str, when: &str) {
    for (listed, own) in page_and_own_answers(app, user, album).await {
        assert_eq!(
            listed,
            tile_of(&own),
            "{when}: the album's page and the photo's own page differ for user {}",
            user.id
        );
    }
}

/// The album's page is written from items it wrote before (#19): after likes, a comment and a
/// turn, each person's page still says of every photo what the photo's own page says to them.
#[tokio::test]
async fn an_albums_page_says_of_each_photo_what_its_own_page_says_as_they_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Summer").await;
    let gran = app.seeded_member(&album, "gran", Role::Contributor).await;
    let photo = id_of(&app.upload(&admin, &album, &sample_photo(), "image/jpeg").await);
    let unreadable = id_of(&app.upload(&admin, &album, &pseudo_random_bytes(3000, 7), "image/jpeg").await);
    let settled = app.settle(&admin, &album).await;
    assert_eq!(settled.len(), 2, "{settled:?}");
    let whole = settled.iter().find(|m| id_of(m) == photo).expect("the photo");
    let urls = ["original", "preview", "thumbnail"].map(|kind| whole["urls"][kind].is_string());
    assert_eq!(urls, [true; 3], "the photo's own page has all its URLs: {whole}");
    for user in [&admin, &gran] {
        assert_page_agrees(&app, user, &album, "uploaded").await;
    }

    let request = |method, path: String| app.request(method, &path, Some(&gran.token)).send();
    assert!(request(Method::PUT, format!("/media/{photo}/like")).await.expect("like").status().is_success());
    let (status, comment) =
        app.post(&format!("/media/{unreadable}/comments"), &gran.token, json!({ "body": "What is this?" })).await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    let seen_by_gran = app.media_list(&gran, &album).await;
    let liked = seen_by_gran.iter().find(|m| id_of(m) == photo).expect("the photo");
    assert_eq!((&liked["liked"], &liked["like_count"]), (&json!(true), &json!(1)), "her like at once: {liked}");
    let commented = seen_by_gran.iter().find(|m| id_of(m) == unreadable).expect("the unreadable file");
    assert_eq!(commented["comment_count"], 1, "{commented}");
    let seen_by_admin = app.media_list(&admin, &album).await;
    let liked = seen_by_admin.iter().find(|m| id_of(m) == photo).expect("the photo");
    assert_eq!((&liked["liked"], &liked["like_count"]), (&json!(false), &json!(1)), "her like, not his: {liked}");
    for user in [&admin, &gran] {
        assert_page_agrees(&app, user, &album, "liked and commented").await;
    }

    let (status, turned) =
        app.post(&format!("/media/{photo}/rotate"), &admin.token, json!({ "direction": "clockwise" })).await;
    assert_eq!(status, StatusCode::OK, "{turned}");
    let settled = app.settle(&admin, &album).await;
    let listed = settled.iter().find(|m| id_of(m) == photo).expect("the photo");
    assert_eq!(listed["quarter_turns"], 1, "the turn shows in the page: {listed}");
    assert_ne!(listed["urls"]["thumbnail"], liked["urls"]["thumbnail"], "the thumbnail made again: {listed}");
    for user in [&admin, &gran] {
        assert_page_agrees(&app, user, &album, "turned").await;
    }
    app.stop().await;
}

#[tokio::test]
async fn deleted_media_wait_in_the_trash_and_come_back() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let other = app.member(&admin, "sister@family.test").await;
    let album = app.album(&admin, "Oops").await;
    let media = app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;
    let id = media["id"].as_str().expect("id");

    let (status, _) = app.delete(&format!("/media/{id}"), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(app.media_list(&admin, &album).await.is_empty());
    let (_, trash) = app.get("/trash", &admin.token).await;
    assert_eq!(trash["items"][0]["id"], id);
    assert!(trash["items"][0]["deleted_at"].is_string());
    let (_, others_trash) = app.get("/trash", &other.token).await;
    assert_eq!(others_trash["items"].as_array().map(Vec::len), Some(0), "a trash is private");
    assert_eq!(app.post(&format!("/media/{id}/restore"), &other.token, json!({})).await.0, StatusCode::NOT_FOUND);

    let (status, restored) = app.post(&format!("/media/{id}/restore"), &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert!(restored["deleted_at"].is_null());
    assert_eq!(app.media_list(&admin, &album).await.len(), 1);
    let (status, body) = app.post(&format!("/media/{id}/restore"), &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn emptying_the_trash_deletes_the_files_and_gives_the_space_back() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Purge").await;
    let photo = sample_photo();
    let kept = app.upload(&admin, &album, &photo, "image/jpeg").await;
    let gone = app.upload(&admin, &album, &photo, "image/jpeg").await;
    let gone_url = gone["urls"]["original"].as_str().expect("url").to_owned();
    let settled = app.settle(&admin, &album).await;
    let all_bytes = app.stored_bytes(&settled).await;
    let kept_bytes =
        app.stored_bytes(&settled.iter().filter(|m| m["id"] == kept["id"]).cloned().collect::<Vec<_>>()).await;
    assert_eq!(app.me(&admin).await["used_bytes"], all_bytes, "originals and derivatives are counted");
    app.delete(&format!("/media/{}", gone["id"].as_str().expect("id")), &admin.token).await;
    assert_eq!(app.me(&admin).await["used_bytes"], all_bytes, "the trash still counts");

    let (status, body) = app.delete("/trash", &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["purging"], 1);
    if on_redis() {
        // With Redis the worker is its own process; run its job as the CronJob would.
        Job::PurgeTrash.run(&app.services).await.expect("purge");
    }
    // In standalone mode the in-process worker is woken at once.
    let mut used = 0;
    for _ in 0..100 {
        used = app.me(&admin).await["used_bytes"].as_i64().unwrap_or_default();
        if used == kept_bytes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(used, kept_bytes);
    assert_eq!(
        app.client.get(&gone_url).send().await.expect("GET").status(),
        StatusCode::NOT_FOUND,
        "the file is deleted"
    );
    let (_, trash) = app.get("/trash", &admin.token).await;
    assert_eq!(trash["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(app.get(&format!("/media/{}", kept["id"].as_str().expect("id")), &admin.token).await.0, StatusCode::OK);

    // A second purge finds nothing and gives nothing back twice.
    assert_eq!(Job::PurgeTrash.run(&app.services).await.expect("purge"), 0);
    assert_eq!(app.me(&admin).await["used_bytes"], kept_bytes);
    app.stop().await;
}

#[tokio::test]
async fn an_original_downloads_under_its_real_name_even_in_korean() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Birthday").await;
    let bytes = sample_photo();
    let reservation = app.reserve(&owner, &album, "할머니 생일 \"2019\".jpg", bytes.len(), "image/jpeg").await;
    assert!(app.put_presigned(&reservation, &bytes).await.status().is_success());
    let (status, completed) = app.complete(&owner, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");
    let media = &completed["media"];

    let response = app
        .request(Method::GET, &format!("/media/{}/download", id_of(media)), Some(&owner.token))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let signed = response.headers()["location"].to_str().expect("ascii").to_owned();
    let saved = reqwest::get(&signed).await.expect("the signed URL");
    assert_eq!(saved.status(), StatusCode::OK);
    let disposition = saved.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.starts_with("attachment;"), "saved, not opened: {disposition}");
    assert!(disposition.contains("filename*=UTF-8''%ED%95%A0%EB%A8%B8%EB%8B%88%20"), "{disposition}");
    assert!(disposition.contains("filename=\"___ __ _2019_.jpg\""), "a plain name for old browsers: {disposition}");
    assert_eq!(saved.bytes().await.expect("bytes").as_ref(), bytes.as_slice(), "the original as uploaded");

    let stranger = app.member(&owner, "stranger@family.test").await;
    let response = app
        .request(Method::GET, &format!("/media/{}/download", id_of(media)), Some(&stranger.token))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::NOT_FOUND, "not someone else's photo");
    app.stop().await;
}

/// The entries of a ZIP as an independent reader sees them (Python's `zipfile`, which checks each
/// entry's CRC): (name, bytes, taken date and time as the ZIP says).
async fn unzip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>, (i32, u32, u32, u32, u32))> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("album.zip");
    std::fs::write(&path, bytes).expect("write");
    const READ: &str = "import json, sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        assert z.testzip() is None\n\
        print(json.dumps([[i.filename, z.read(i).hex(), list(i.date_time[:5])] for i in z.infolist()]))";
    let output = std::process::Command::new("python3").arg("-c").arg(READ).arg(&path).output().expect("python3");
    assert!(output.status.success(), "not a valid ZIP: {}", String::from_utf8_lossy(&output.stderr));
    let entries: Vec<(String, String, Vec<u32>)> = serde_json::from_slice(&output.stdout).expect("json");
    entries
        .into_iter()
        .map(|(name, hex, when)| {
            let bytes =
                (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
            (name, bytes, (i32::try_from(when[0]).expect("year"), when[1], when[2], when[3], when[4]))
        })
        .collect()
}

#[tokio::test]
async fn an_album_downloads_as_one_zip_with_unique_names_and_the_dates_taken() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Summer 2019").await;
    let photo = sample_photo();
    let video = crate::helpers::sample_video();
    let mut ids = Vec::new();
    for (bytes, content_type) in [(&photo, "image/jpeg"), (&video, "video/mp4")] {
        let reservation = app.reserve(&owner, &album, "IMG_1.jpg", bytes.len(), content_type).await;
        assert!(app.put_presigned(&reservation, bytes).await.status().is_success());
        let (status, completed) = app.complete(&owner, &reservation, None).await;
        assert_eq!(status, StatusCode::CREATED, "{completed}");
        ids.push(id_of(&completed["media"]));
    }
    app.settle(&owner, &album).await;
    // 2019-07-14 09:30 and 2019-07-15 18:05, UTC.
    app.execute_sql(&format!("UPDATE media SET taken_at = 1563096600000 WHERE id = {}", ids[0])).await;
    app.execute_sql(&format!("UPDATE media SET taken_at = 1563213900000 WHERE id = {}", ids[1])).await;

    let viewer = app.member(&owner, "viewer@family.test").await;
    let (status, _) = app
        .post(
            &format!("/albums/{album}/members"),
            &owner.token,
            json!({ "email": "viewer@family.test", "role": "viewer" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let response = app
        .request(Method::GET, &format!("/albums/{album}/download"), Some(&viewer.token))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.contains("filename=\"Summer 2019.zip\""), "{disposition}");
    let entries = unzip(response.bytes().await.expect("body").to_vec()).await;
    let names: Vec<&str> = entries.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names, ["IMG_1.jpg", "IMG_1 (2).jpg"], "oldest first, no name twice");
    assert_eq!(entries[0].1, photo, "the originals, byte for byte");
    assert_eq!(entries[1].1, video);
    assert_eq!(entries[0].2, (2019, 7, 14, 9, 30), "dated when taken");
    assert_eq!(entries[1].2, (2019, 7, 15, 18, 5));

    // A choice of photos; and nobody outside the album gets any.
    let response = app
        .request(Method::GET, &format!("/albums/{album}/download?ids={}", ids[1]), Some(&owner.token))
        .send()
        .await
        .expect("download");
    let chosen = unzip(response.bytes().await.expect("body").to_vec()).await;
    assert_eq!(chosen.iter().map(|(name, _, _)| name.as_str()).collect::<Vec<_>>(), ["IMG_1.jpg"]);
    let stranger = app.member(&owner, "stranger@family.test").await;
    let response = app
        .request(Method::GET, &format!("/albums/{album}/download"), Some(&stranger.token))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
