use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, sample_photo};

#[tokio::test]
async fn albums_are_created_listed_in_pages_renamed_and_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut ids = Vec::new();
    for title in ["Jeju 2019", "Chuseok", "First steps"] {
        ids.push(app.album(&admin, title).await);
    }

    let (status, page) = app.get("/albums?limit=2", &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    let titles: Vec<_> = page["items"].as_array().expect("items").iter().map(|a| a["title"].clone()).collect();
    assert_eq!(titles, vec![json!("First steps"), json!("Chuseok")], "newest first");
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let (_, rest) = app.get(&format!("/albums?limit=2&cursor={cursor}"), &admin.token).await;
    assert_eq!(rest["items"][0]["title"], "Jeju 2019");
    assert!(rest["next_cursor"].is_null());
    assert_eq!(rest["items"][0]["media_count"], 0);
    assert_eq!(rest["items"][0]["role"], "owner");

    let (status, renamed) = app
        .call(Method::PATCH, &format!("/albums/{}", ids[0]), Some(&admin.token), Some(json!({ "title": "Jeju, 2019" })))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["title"], "Jeju, 2019");
    let (status, body) =
        app.call(Method::PATCH, &format!("/albums/{}", ids[0]), Some(&admin.token), Some(json!({ "title": "" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["title"].is_array());

    let (status, _) = app.delete(&format!("/albums/{}", ids[1]), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, all) = app.get("/albums", &admin.token).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let (status, _) = app.get(&format!("/albums/{}", ids[1]), &admin.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn an_album_shows_its_count_and_deleting_it_moves_its_media_to_the_trash() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Summer").await;
    let photo = sample_photo();
    let first = app.upload(&admin, &album, &photo, "image/jpeg").await;
    app.upload(&admin, &album, &photo, "image/jpeg").await;
    let (_, listed) = app.get(&format!("/albums/{album}"), &admin.token).await;
    assert_eq!(listed["media_count"], 2);

    let (status, _) = app.delete(&format!("/albums/{album}"), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, trash) = app.get("/trash", &admin.token).await;
    assert_eq!(trash["items"].as_array().map(Vec::len), Some(2));

    // Restoring a photo brings its album back.
    let (status, _) =
        app.post(&format!("/media/{}/restore", first["id"].as_str().expect("id")), &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, back) = app.get(&format!("/albums/{album}"), &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back["media_count"], 1);
    app.stop().await;
}

#[tokio::test]
async fn sharing_gives_viewers_a_look_and_contributors_a_say_and_strangers_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let viewer = app.member(&owner, "grandpa@family.test").await;
    let contributor = app.member(&owner, "daughter@family.test").await;
    let stranger = app.member(&owner, "neighbour@family.test").await;
    let album = app.album(&owner, "Wedding").await;
    let photo = sample_photo();
    let media = app.upload(&owner, &album, &photo, "image/jpeg").await;
    let media_id = media["id"].as_str().expect("id");

    for (user, role) in [(&viewer, "viewer"), (&contributor, "contributor")] {
        let email = if role == "viewer" { "grandpa@family.test" } else { "DAUGHTER@family.test" };
        let (status, body) =
            app.post(&format!("/albums/{album}/members"), &owner.token, json!({ "email": email, "role": role })).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, seen) = app.get(&format!("/albums/{album}"), &user.token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["role"], role);
        assert_eq!(app.media_list(user, &album).await.len(), 1);
    }

    // The viewer looks but cannot add, rename, share or delete.
    let (status, _) = app
        .post(
            &format!("/albums/{album}/uploads"),
            &viewer.token,
            json!({ "filename": "a.jpg", "size": 10, "content_type": "image/jpeg" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        app.call(Method::PATCH, &format!("/albums/{album}"), Some(&viewer.token), Some(json!({ "title": "x" }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.delete(&format!("/media/{media_id}"), &viewer.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The contributor adds, and pays for what they add.
    let added = app.upload(&contributor, &album, &photo, "image/jpeg").await;
    assert_eq!(added["owner_id"], json!(contributor.id));
    let settled = app.settle(&owner, &album).await;
    let theirs: Vec<_> = settled.iter().filter(|m| m["owner_id"] == json!(contributor.id)).cloned().collect();
    assert_eq!(app.me(&contributor).await["used_bytes"], app.stored_bytes(&theirs).await);
    assert_eq!(app.media_list(&owner, &album).await.len(), 2);
    let (status, _) = app.delete(&format!("/albums/{album}"), &contributor.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A stranger cannot even tell the album exists.
    for path in [format!("/albums/{album}"), format!("/albums/{album}/media"), format!("/media/{media_id}")] {
        let (status, body) = app.get(&path, &stranger.token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["code"], "not_found");
    }
    let (status, _) = app
        .post(
            &format!("/albums/{album}/uploads"),
            &stranger.token,
            json!({ "filename": "a.jpg", "size": 10, "content_type": "image/jpeg" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.delete(&format!("/media/{media_id}"), &stranger.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.delete(&format!("/albums/{album}"), &stranger.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            &format!("/albums/{album}/members"),
            &stranger.token,
            json!({ "email": "neighbour@family.test", "role": "contributor" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.media_list(&owner, &album).await.len(), 2, "nothing changed");
    app.stop().await;
}

#[tokio::test]
async fn an_album_invite_brings_a_new_member_straight_into_the_album() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Baby").await;
    let (status, invite) =
        app.post("/invites", &owner.token, json!({ "album_id": album, "role": "contributor" })).await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    let (status, _) = app.register("uncle@family.test", invite["token"].as_str()).await;
    assert_eq!(status, StatusCode::CREATED);
    let uncle = app.login("uncle@family.test").await;
    let (status, seen) = app.get(&format!("/albums/{album}"), &uncle).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["role"], "contributor");

    // Only the owner may invite into an album.
    let (status, _) = app.post("/invites", &uncle, json!({ "album_id": album })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}
