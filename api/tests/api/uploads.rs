use picup_common::storage::ObjectKind;
use picup_worker::jobs::Job;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backends, TestApp, User, pseudo_random_bytes, sample_photo, sample_video};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn a_photo_goes_from_the_browser_to_s3_and_into_the_album() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Garden").await;
    let photo = sample_photo();

    let reservation = app.reserve(&admin, &album, "C:\\Users\\mum\\IMG_0001.JPG", photo.len(), "image/jpeg").await;
    assert_eq!(reservation["method"], "PUT");
    assert_eq!(app.me(&admin).await["reserved_bytes"], photo.len(), "reserved while uploading");
    let url = reservation["url"].as_str().expect("url");
    assert!(!url.contains("IMG_0001"), "object keys are made by the server: {url}");

    assert!(app.put_presigned(&reservation, &photo).await.status().is_success());
    let (status, completed) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");
    let media = &completed["media"];
    assert_eq!(media["status"], "processing");
    assert_eq!(media["kind"], "photo");
    assert_eq!(media["filename"], "IMG_0001.JPG");
    assert_eq!(media["size_bytes"], photo.len());

    assert_eq!(app.me(&admin).await["reserved_bytes"], 0);
    let listed = app.settle(&admin, &album).await;
    let stored = app.stored_bytes(&listed).await;
    assert_eq!(listed[0]["status"], "ready", "{}", listed[0]);
    assert!(listed[0]["urls"]["thumbnail"].is_string() && listed[0]["urls"]["preview"].is_string());
    assert!(listed[0]["thumbhash"].is_string());
    assert!(stored > photo.len() as i64, "derivatives are stored and counted");
    assert_eq!(app.me(&admin).await["used_bytes"], stored, "the original and its derivatives are counted");

    assert_eq!(listed.len(), 1);
    let original = app.client.get(listed[0]["urls"]["original"].as_str().expect("url")).send().await.expect("GET");
    assert_eq!(original.status(), StatusCode::OK);
    assert_eq!(original.bytes().await.expect("bytes").as_ref(), photo.as_slice(), "the same bytes come back");

    // Completing again (a retry after a lost answer) changes nothing.
    let (status, again) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["media"]["id"], media["id"]);
    assert_eq!(app.me(&admin).await["used_bytes"], stored);
    app.stop().await;
}

/// Sends the parts the reservation lists, as a client does: with their URLs, or, for an upload
/// that declared its SHA-256, with a URL asked for with each part's own.
async fn put_parts(app: &TestApp, user: &User, reservation: &Value, file: &[u8]) -> Vec<Value> {
    let part_size = reservation["part_size"].as_u64().expect("part size") as usize;
    let mut etags = Vec::new();
    for part in reservation["parts"].as_array().expect("parts") {
        let number = part["part_number"].as_u64().expect("number") as usize;
        let chunk = &file[(number - 1) * part_size..(number * part_size).min(file.len())];
        assert_eq!(part["size"], chunk.len());
        let response = match part["url"].as_str() {
            Some(url) => app.client.put(url).body(chunk.to_vec()).send().await.expect("PUT part"),
            None => put_checked_part(app, user, reservation, number, chunk, chunk).await,
        };
        assert_eq!(response.status(), StatusCode::OK, "{}", response.text().await.unwrap_or_default());
        let etag = response.headers()["etag"].to_str().expect("etag").to_owned();
        etags.push(json!({ "part_number": number, "etag": etag }));
    }
    etags
}

/// Asks for part `number`'s URL with the SHA-256 of `declared`, then sends `sent`.
async fn put_checked_part(
    app: &TestApp,
    user: &User,
    reservation: &Value,
    number: usize,
    declared: &[u8],
    sent: &[u8],
) -> reqwest::Response {
    let id = reservation["id"].as_str().expect("id");
    let (status, target) = app
        .post(&format!("/uploads/{id}/parts/{number}"), &user.token, json!({ "sha256": sha256_hex(declared) }))
        .await;
    assert_eq!(status, StatusCode::OK, "{target}");
    app.put_presigned(&target, sent).await
}

/// An app whose uploads of 5 MiB (S3's smallest part) and more go up in parts of 5 MiB.
async fn multipart_app() -> TestApp {
    TestApp::spawn_with(&[("PICUP_MULTIPART_THRESHOLD_BYTES", "5242880"), ("PICUP_PART_SIZE_BYTES", "5242880")]).await
}

/// A video a little over 12 MiB: three parts.
fn video_of_three_parts(seed: u32) -> Vec<u8> {
    let mut video = sample_video();
    video.extend(pseudo_random_bytes(12 * MIB - video.len() + 100 + seed as usize, seed));
    video
}

#[tokio::test]
async fn a_big_video_goes_up_in_parts() {
    let app = multipart_app().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Recital").await;
    let video = video_of_three_parts(9);

    let reservation = app.reserve(&admin, &album, "recital.mp4", video.len(), "video/mp4").await;
    assert_eq!(reservation["method"], "MULTIPART");
    assert_eq!(reservation["parts"].as_array().map(Vec::len), Some(3));
    let parts = put_parts(&app, &admin, &reservation, &video).await;
    let (status, completed) = app.complete(&admin, &reservation, Some(json!(parts))).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");
    assert_eq!(completed["media"]["kind"], "video");
    assert_eq!(completed["media"]["size_bytes"], video.len());
    assert_eq!(app.me(&admin).await["reserved_bytes"], 0);

    let original =
        app.client.get(completed["media"]["urls"]["original"].as_str().expect("url")).send().await.expect("GET");
    assert_eq!(original.bytes().await.expect("bytes").as_ref(), video.as_slice());

    // A client that lost its ETags can complete without them: the server asks S3 for the parts.
    let second = app.reserve(&admin, &album, "again.mp4", video.len(), "video/mp4").await;
    put_parts(&app, &admin, &second, &video).await;
    let (status, completed) = app.complete(&admin, &second, None).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");
    let settled = app.settle(&admin, &album).await;
    assert_eq!(
        settled.iter().map(|m| m["size_bytes"].as_u64().unwrap_or_default()).sum::<u64>(),
        2 * video.len() as u64
    );
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&settled).await);
    app.stop().await;
}

/// A phone that sent two of three parts and then lost the page (a reload, a closed tab) continues
/// from any device: `GET /uploads/{id}` says which parts the store holds and gives URLs for the
/// missing one only; the same reservation completes, charged once.
#[tokio::test]
async fn a_multipart_upload_stopped_halfway_is_continued_with_only_the_missing_part() {
    let app = multipart_app().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Recital").await;
    let video = video_of_three_parts(5);
    let reservation = app.reserve(&admin, &album, "recital.mp4", video.len(), "video/mp4").await;
    let id = reservation["id"].as_str().expect("id");
    let mut first_two = reservation.clone();
    first_two["parts"] = json!(reservation["parts"].as_array().expect("parts")[..2]);
    put_parts(&app, &admin, &first_two, &video).await;

    let (status, listed) = app.get("/uploads", &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "one unfinished upload: {listed}");
    assert_eq!(listed["items"][0]["id"], id);
    let (status, progress) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{progress}");
    assert_eq!(
        (progress["filename"].as_str(), progress["size"].as_u64()),
        (Some("recital.mp4"), Some(video.len() as u64))
    );
    assert_eq!(progress["status"], "sending");
    let done: Vec<u64> = progress["parts_done"]
        .as_array()
        .expect("parts_done")
        .iter()
        .map(|p| p["part_number"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(done, [1, 2], "{progress}");
    assert_eq!(progress["parts_done"][0]["size"], 5 * MIB);
    let missing: Vec<u64> =
        progress["parts"].as_array().expect("parts").iter().map(|p| p["part_number"].as_u64().unwrap_or(0)).collect();
    assert_eq!(missing, [3], "URLs for the missing part only");

    let mut parts: Vec<Value> = progress["parts_done"]
        .as_array()
        .expect("parts_done")
        .iter()
        .map(|p| json!({ "part_number": p["part_number"], "etag": p["etag"] }))
        .collect();
    parts.extend(put_parts(&app, &admin, &progress, &video).await);
    let (status, arrived) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!((status, &arrived["status"]), (StatusCode::OK, &json!("arrived")), "{arrived}");
    let (status, completed) = app.complete(&admin, &reservation, Some(json!(parts))).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");
    let original =
        app.client.get(completed["media"]["urls"]["original"].as_str().expect("url")).send().await.expect("GET");
    assert_eq!(original.bytes().await.expect("bytes").as_ref(), video.as_slice(), "the bytes, whole");
    let (_, listed) = app.get("/uploads", &admin.token).await;
    assert_eq!(listed["items"], json!([]), "nothing unfinished");
    let settled = app.settle(&admin, &album).await;
    assert_eq!(settled.len(), 1, "one item");
    let me = app.me(&admin).await;
    assert_eq!(
        (me["reserved_bytes"].as_i64(), me["used_bytes"].as_i64()),
        (Some(0), Some(app.stored_bytes(&settled).await))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_multipart_upload_can_be_cancelled_and_fresh_urls_fetched() {
    let app = multipart_app().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Trip").await;
    let reservation = app.reserve(&admin, &album, "long.mov", 11 * MIB, "video/quicktime").await;
    let id = reservation["id"].as_str().expect("id");
    let (status, fresh) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fresh["parts"].as_array().map(Vec::len), Some(3));

    let (status, _) = app.delete(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.me(&admin).await["reserved_bytes"], 0);
    let (status, _) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_file_bigger_than_declared_is_refused_and_nothing_is_charged() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Lies").await;
    let reservation = app.reserve(&admin, &album, "small.jpg", 1000, "image/jpeg").await;

    // The signed URL does not take more bytes than were declared...
    let put = app.put_presigned(&reservation, &pseudo_random_bytes(5000, 3)).await;
    assert_eq!(put.status(), StatusCode::FORBIDDEN);

    // ...and a client that wrote a bigger object some other way is caught at complete.
    let key = ObjectKind::Original.key(
        admin.id.parse().expect("id"),
        reservation["id"].as_str().expect("id").parse().expect("id"),
        "image/jpeg",
    );
    app.services
        .storage
        .put(&key, pseudo_random_bytes(5000, 3), "image/jpeg", ObjectKind::Original)
        .await
        .expect("put");
    let (status, body) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "size_mismatch");
    assert!(body["message"].as_str().unwrap_or_default().contains("larger than announced"));

    let me = app.me(&admin).await;
    assert_eq!((me["used_bytes"].as_i64(), me["reserved_bytes"].as_i64()), (Some(0), Some(0)));
    assert!(app.services.storage.head(&key).await.expect_err("deleted").is_not_found());
    assert!(app.media_list(&admin, &album).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn tampered_and_expired_urls_are_refused() {
    let app = TestApp::spawn_with(&[("PICUP_UPLOAD_URL_TTL_SECS", "1")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Tampering").await;
    let photo = sample_photo();
    let reservation = app.reserve(&admin, &album, "a.jpg", photo.len(), "image/jpeg").await;
    let url = reservation["url"].as_str().expect("url");

    // Another key, another type, another signature: all refused by the store.
    let mut other_key = reservation.clone();
    other_key["url"] = json!(url.replacen("/originals/", "/originals/1", 1));
    assert_eq!(app.put_presigned(&other_key, &photo).await.status(), StatusCode::FORBIDDEN);
    let mut other_type = reservation.clone();
    other_type["headers"]["content-type"] = json!("text/html");
    assert_eq!(app.put_presigned(&other_type, &photo).await.status(), StatusCode::FORBIDDEN);
    let mut forged = reservation.clone();
    let signature_at = url.rfind("X-Amz-Signature=").expect("signed") + "X-Amz-Signature=".len();
    let flipped = if &url[signature_at..=signature_at] == "0" { "1" } else { "0" };
    forged["url"] = json!(format!("{}{flipped}{}", &url[..signature_at], &url[signature_at + 1..]));
    assert_eq!(app.put_presigned(&forged, &photo).await.status(), StatusCode::FORBIDDEN);

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(app.put_presigned(&reservation, &photo).await.status(), StatusCode::FORBIDDEN, "expired");

    let (status, body) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing arrived: {body}");
    assert_eq!(body["code"], "upload_incomplete");
    assert_eq!(app.me(&admin).await["used_bytes"], 0);
    assert_eq!(app.me(&admin).await["reserved_bytes"], photo.len(), "the reservation waits for a retry");
    app.stop().await;
}

#[tokio::test]
async fn disallowed_types_empty_files_and_huge_files_are_refused_before_anything_is_sent() {
    let app = TestApp::spawn_with(&[("PICUP_MAX_UPLOAD_BYTES", "1000000")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Checks").await;
    let path = format!("/albums/{album}/uploads");
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({ "filename": "x.exe", "size": 10, "content_type": "application/x-msdownload" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["code"], "unsupported_type");
    let (status, body) =
        app.post(&path, &admin.token, json!({ "filename": "x.jpg", "size": 0, "content_type": "image/jpeg" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["size"].is_array());
    let (status, body) = app
        .post(&path, &admin.token, json!({ "filename": "x.mp4", "size": 1_000_001, "content_type": "video/mp4" }))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "file_too_large");
    let (status, body) = app
        .post(&path, &admin.token, json!({ "filename": "x.jpg", "size": "ten", "content_type": "image/jpeg" }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_body");
    assert_eq!(app.me(&admin).await["reserved_bytes"], 0);
    app.stop().await;
}

#[tokio::test]
async fn over_quota_is_refused_with_a_message_a_person_understands() {
    let app = TestApp::spawn_with(&[("PICUP_DEFAULT_QUOTA_BYTES", "100000")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Full").await;
    app.reserve(&admin, &album, "a.jpg", 60_000, "image/jpeg").await;
    let (status, body) = app
        .post(
            &format!("/albums/{album}/uploads"),
            &admin.token,
            json!({ "filename": "b.jpg", "size": 60_000, "content_type": "image/jpeg" }),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "quota_exceeded");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("60.0 KB") && message.contains("40.0 KB"), "{message}");
    assert_eq!(app.me(&admin).await["reserved_bytes"], 60_000);
    app.stop().await;
}

#[tokio::test]
async fn another_users_upload_cannot_be_seen_completed_or_cancelled() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let other = app.member(&admin, "cousin@family.test").await;
    let album = app.album(&admin, "Mine").await;
    let photo = sample_photo();
    let reservation = app.reserve(&admin, &album, "a.jpg", photo.len(), "image/jpeg").await;
    app.put_presigned(&reservation, &photo).await;
    let id = reservation["id"].as_str().expect("id");

    assert_eq!(app.get(&format!("/uploads/{id}"), &other.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.complete(&other, &reservation, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/uploads/{id}"), &other.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.me(&other).await["used_bytes"], 0);
    assert_eq!(app.complete(&admin, &reservation, None).await.0, StatusCode::CREATED, "the owner still can");
    app.stop().await;
}

#[tokio::test]
async fn a_crash_between_upload_and_complete_loses_nothing() {
    let backends = Backends::fresh().await;
    let settings = [("PICUP_RESERVATION_TTL_SECS", "2")];
    let app = TestApp::spawn_on(&backends, &settings).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Crash").await;
    let photo = sample_photo();
    let finished = app.reserve(&admin, &album, "uploaded.jpg", photo.len(), "image/jpeg").await;
    assert!(app.put_presigned(&finished, &photo).await.status().is_success());
    let abandoned = app.reserve(&admin, &album, "abandoned.jpg", photo.len(), "image/jpeg").await;
    assert!(app.put_presigned(&abandoned, &photo).await.status().is_success());
    app.stop().await;

    // The process comes back: the uploaded file can still be completed...
    let app = TestApp::spawn_on(&backends, &settings).await;
    let admin = User { token: app.login("admin@family.test").await, id: admin.id };
    let (status, body) = app.complete(&admin, &finished, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // ...and the one nobody completes expires cleanly: bytes released, object deleted.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let swept = Job::SweepUploads.run(&app.services).await.expect("sweep");
    assert_eq!(swept, 1);
    let settled = app.settle(&admin, &album).await;
    assert_eq!(settled.len(), 1);
    let me = app.me(&admin).await;
    assert_eq!(me["used_bytes"], app.stored_bytes(&settled).await);
    assert_eq!(me["reserved_bytes"], 0);
    let key = ObjectKind::Original.key(
        admin.id.parse().expect("id"),
        abandoned["id"].as_str().expect("id").parse().expect("id"),
        "image/jpeg",
    );
    assert!(app.services.storage.head(&key).await.expect_err("swept").is_not_found());
    let (status, _) = app.complete(&admin, &abandoned, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an expired reservation is gone");
    assert_eq!(Job::SweepUploads.run(&app.services).await.expect("sweep again"), 0, "sweeping twice is harmless");
    app.stop().await;
}

fn sha256_hex(bytes: &[u8]) -> String {
    picup_common::checksum::Sha256::of(bytes).to_hex()
}

/// Reserves with the file's SHA-256, as the web album does.
async fn reserve_with_sha256(
    app: &TestApp,
    user: &User,
    album: &str,
    bytes: &[u8],
    sha256: &str,
) -> (StatusCode, Value) {
    let body =
        json!({ "filename": "IMG_0001.JPG", "size": bytes.len(), "content_type": "image/jpeg", "sha256": sha256 });
    app.post(&format!("/albums/{album}/uploads"), &user.token, body).await
}

#[tokio::test]
async fn the_same_photo_added_twice_is_stored_and_charged_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Jeju").await;
    let photo = sample_photo();
    let sha256 = sha256_hex(&photo);

    let (status, refused) = reserve_with_sha256(&app, &admin, &album, &photo, "not-a-checksum").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["sha256"].is_array(), "{refused}");

    let (status, reservation) = reserve_with_sha256(&app, &admin, &album, &photo, &sha256.to_uppercase()).await;
    assert_eq!(status, StatusCode::CREATED, "{reservation}");
    assert!(app.put_presigned(&reservation, &photo).await.status().is_success());
    let (status, first) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let settled = app.settle(&admin, &album).await;
    assert_eq!(settled[0]["sha256"], sha256.as_str(), "the stored bytes' own SHA-256");
    let before = app.me(&admin).await;

    let (status, again) = reserve_with_sha256(&app, &admin, &album, &photo, &sha256).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["media"]["id"], first["media"]["id"]);
    let after = app.me(&admin).await;
    assert_eq!((&after["used_bytes"], &after["reserved_bytes"]), (&before["used_bytes"], &before["reserved_bytes"]));
    let (_, unfinished) = app.get("/uploads", &admin.token).await;
    assert_eq!(unfinished["items"], json!([]), "no reservation was made");

    // Someone else adding it to the same album is told so too; in an album of their own it is theirs to keep.
    let aunt = app.seeded_member(&album, "aunt", picup_common::db::Role::Contributor).await;
    let (status, theirs) = reserve_with_sha256(&app, &aunt, &album, &photo, &sha256).await;
    assert_eq!((status, &theirs["duplicate"]), (StatusCode::OK, &json!(true)), "{theirs}");
    let own_album = app.album(&aunt, "Aunt's").await;
    let (status, own) = reserve_with_sha256(&app, &aunt, &own_album, &photo, &sha256).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    app.stop().await;
}

/// Bytes changed on the way (a flaky network, a buggy proxy) are refused by the store itself: a
/// PUT carries the file's SHA-256 and each part its own, signed, so the client sends them again
/// and nothing wrong is ever stored.
#[tokio::test]
async fn the_store_refuses_a_put_or_a_part_whose_bytes_are_not_their_sha256() {
    let app = multipart_app().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Checked").await;

    let photo = sample_photo();
    let (status, reservation) = reserve_with_sha256(&app, &admin, &album, &photo, &sha256_hex(&photo)).await;
    assert_eq!(status, StatusCode::CREATED, "{reservation}");
    let id = reservation["id"].as_str().expect("id");
    assert!(reservation["headers"]["x-amz-checksum-sha256"].is_string(), "a signed checksum: {reservation}");
    let refused = app.put_presigned(&reservation, &changed_in_transit(&photo)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{}", refused.text().await.unwrap_or_default());
    let (_, progress) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!(progress["status"], "sending", "nothing was stored: {progress}");
    assert!(app.put_presigned(&reservation, &photo).await.status().is_success(), "the same PUT, sent again");
    let (status, completed) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");

    let video = video_of_three_parts(3);
    let reservation = reserve_video_with_sha256(&app, &admin, &album, &video).await;
    let id = reservation["id"].as_str().expect("id");
    let parts = reservation["parts"].as_array().expect("parts");
    assert!(parts.iter().all(|part| part["url"].is_null()), "each part's URL is asked for with its SHA-256");
    let first = &video[..5 * MIB];
    let refused = put_checked_part(&app, &admin, &reservation, 1, first, &changed_in_transit(first)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{}", refused.text().await.unwrap_or_default());
    let (_, progress) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    assert_eq!(progress["parts_done"], json!([]), "the refused part was not kept: {progress}");
    assert_eq!(put_checked_part(&app, &admin, &reservation, 1, first, first).await.status(), StatusCode::OK);

    // Continued later, from the store's own list: the missing parts only, each checked.
    let (_, progress) = app.get(&format!("/uploads/{id}"), &admin.token).await;
    let missing: Vec<&Value> = progress["parts"].as_array().expect("parts").iter().map(|p| &p["part_number"]).collect();
    assert_eq!(missing, [2, 3], "{progress}");
    put_parts(&app, &admin, &progress, &video).await;
    for (number, sha256) in [(4, sha256_hex(first)), (1, "not a checksum".to_owned())] {
        let (status, body) =
            app.post(&format!("/uploads/{id}/parts/{number}"), &admin.token, json!({ "sha256": sha256 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["fields"]["part_number"].is_array() || body["fields"]["sha256"].is_array(), "{body}");
    }
    let (status, completed) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");

    let settled = app.settle(&admin, &album).await;
    assert_eq!(settled.iter().map(|m| m["status"].as_str().unwrap_or_default()).collect::<Vec<_>>(), ["ready"; 2]);
    let stored_video = settled.iter().find(|m| m["filename"] == "swim.mp4").expect("the video");
    assert_eq!(stored_video["sha256"], sha256_hex(&video).as_str());
    let original = app.client.get(stored_video["urls"]["original"].as_str().expect("url")).send().await.expect("GET");
    assert_eq!(original.bytes().await.expect("bytes").as_ref(), video.as_slice(), "the bytes, whole");
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&settled).await);
    app.stop().await;
}

/// Reserves a video in parts with its SHA-256, as the web album does.
async fn reserve_video_with_sha256(app: &TestApp, user: &User, album: &str, video: &[u8]) -> Value {
    let body = json!({ "filename": "swim.mp4", "size": video.len(), "content_type": "video/mp4", "sha256": sha256_hex(video) });
    let (status, reservation) = app.post(&format!("/albums/{album}/uploads"), &user.token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{reservation}");
    reservation
}

/// The same bytes with one changed: what a bad network or a buggy proxy delivers.
fn changed_in_transit(bytes: &[u8]) -> Vec<u8> {
    let mut changed = bytes.to_vec();
    let at = changed.len() - 3;
    changed[at] ^= 0x55;
    changed
}

/// What the store cannot check (a multipart object as a whole: each part was right for itself),
/// picup checks before the media is ready: a client that sends other bytes than the file it
/// declared gets a failed item, with nothing kept or charged.
#[tokio::test]
async fn bytes_that_are_not_the_declared_ones_never_become_a_photo_and_cost_nothing() {
    let app = multipart_app().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Swapped").await;
    let video = video_of_three_parts(4);
    let other = changed_in_transit(&video); // the last part differs
    let reservation = reserve_video_with_sha256(&app, &admin, &album, &video).await;
    put_parts(&app, &admin, &reservation, &other).await;
    let (status, completed) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{completed}");

    let settled = app.settle(&admin, &album).await;
    assert_eq!(settled[0]["status"], "failed", "{settled:?}");
    let reason = settled[0]["failure_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("not the file that was sent"), "{reason}");
    assert_eq!(settled[0]["failure_code"], "checksum_mismatch");
    assert!(settled[0]["sha256"].is_null(), "no trusted SHA-256 for bytes nobody sent");
    let me = app.me(&admin).await;
    assert_eq!((me["used_bytes"].as_i64(), me["reserved_bytes"].as_i64()), (Some(0), Some(0)), "nothing charged");
    let original = app.client.get(settled[0]["urls"]["original"].as_str().expect("url")).send().await.expect("GET");
    assert_eq!(original.status(), StatusCode::NOT_FOUND, "the wrong bytes are not kept");
    app.stop().await;
}
