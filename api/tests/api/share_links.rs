//! Share links: a relative without an account opens one album, read-only, through a link the
//! album's owner made, and sees its ready photos and nothing else; a password is asked once per
//! browser and slows guessing down; a stopped or expired link is gone.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id_of, sample_photo};

/// The token of a link `PUBLIC_URL/s/TOKEN`.
fn token_of(link: &Value) -> String {
    link["url"].as_str().expect("url").rsplit_once("/s/").expect("a /s/ link").1.to_owned()
}

async fn make(app: &TestApp, owner: &User, album: &str, body: Value) -> Value {
    let (status, link) = app.post(&format!("/albums/{album}/links"), &owner.token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    link
}

/// A relative's call: no session, maybe the browser's grant cookie.
async fn visit(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, Value) {
    let mut request = app.request(Method::GET, path, None);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    crate::helpers::read(request.send().await.expect("sent")).await
}

#[tokio::test]
async fn a_relative_opens_the_album_with_the_link_and_sees_its_photos_and_nothing_else() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Jeju 2019").await;
    let other_album = app.album(&owner, "Private").await;
    let photo = id_of(&app.upload(&owner, &album, &sample_photo(), "image/jpeg").await);
    let private = id_of(&app.upload(&owner, &other_album, &sample_photo(), "image/jpeg").await);
    app.settle(&owner, &album).await;
    app.settle(&owner, &other_album).await;
    app.post(&format!("/media/{photo}/comments"), &owner.token, json!({ "body": "Grandpa's favourite" })).await;

    let link = make(&app, &owner, &album, json!({})).await;
    let token = token_of(&link);
    assert!(token.len() >= 22, "at least 128 random bits: {token}");
    assert!(link["url"].as_str().is_some_and(|url| url.starts_with("http://localhost:")), "{link}");

    let (status, opened) = visit(&app, &format!("/shared/{token}"), None).await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["album"]["title"], "Jeju 2019");
    assert_eq!(opened["allow_download"], false);

    let (status, page) = visit(&app, &format!("/shared/{token}/media"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{page}");
    let item = &items[0];
    assert_eq!(item["id"], photo.as_str());
    for signed in ["thumbnail", "preview"] {
        let url = item["urls"][signed].as_str().expect(signed);
        let response = reqwest::get(url).await.expect("the signed URL answers");
        assert_eq!(response.status(), StatusCode::OK, "{signed}: the same signed URLs members get");
    }
    let text = page.to_string();
    assert!(item["urls"].get("original").is_none() && item.get("filename").is_none(), "no download: {item}");
    for private_detail in ["owner_id", "like_count", "comment_count", "sha256", "admin@family.test", "favourite"] {
        assert!(!text.contains(private_detail), "a relative does not see {private_detail}: {text}");
    }

    // The token opens this album only.
    let (status, _) = visit(&app, &format!("/shared/{token}/media/{private}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another album's photo through this link");
    let (status, one) = visit(&app, &format!("/shared/{token}/media/{photo}"), None).await;
    assert_eq!((status, &one["id"]), (StatusCode::OK, &json!(photo)));
    assert_eq!(visit(&app, "/shared/not-a-token", None).await.0, StatusCode::NOT_FOUND);
    // And it writes nothing: the member routes want a session.
    let response = app
        .request(Method::POST, &format!("/media/{photo}/comments"), Some(&token))
        .json(&json!({ "body": "hello" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "a link's token is no session");
    app.stop().await;
}

async fn visit_status(app: &TestApp, path: &str) -> StatusCode {
    app.request(Method::GET, path, None).send().await.expect("sent").status()
}

#[tokio::test]
async fn downloads_come_with_the_link_only_when_the_owner_allowed_them() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Wedding").await;
    app.upload(&owner, &album, &sample_photo(), "image/jpeg").await;
    app.settle(&owner, &album).await;
    let link = make(&app, &owner, &album, json!({ "allow_download": true })).await;
    let (_, page) = visit(&app, &format!("/shared/{}/media", token_of(&link)), None).await;
    let item = &page["items"][0];
    let original = item["urls"]["original"].as_str().expect("the original, for downloading");
    let bytes = reqwest::get(original).await.expect("get").bytes().await.expect("bytes");
    assert_eq!(bytes.len(), sample_photo().len(), "the original as uploaded");
    assert!(item["filename"].is_string(), "its name, to save it under: {item}");
    let download = format!("/shared/{}/media/{}/download", token_of(&link), id_of(item));
    assert_eq!(visit_status(&app, &download).await, StatusCode::SEE_OTHER);

    let look_only = make(&app, &owner, &album, json!({})).await;
    let download = format!("/shared/{}/media/{}/download", token_of(&look_only), id_of(item));
    assert_eq!(visit_status(&app, &download).await, StatusCode::FORBIDDEN, "a link to look at only");
    app.stop().await;
}

#[tokio::test]
async fn a_password_is_asked_once_per_browser_and_wrong_ones_slow_down() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Baby").await;
    let link = make(&app, &owner, &album, json!({ "password": "seoul1958" })).await;
    let token = token_of(&link);

    let (status, body) = visit(&app, &format!("/shared/{token}"), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("password_required")), "{body}");
    assert_eq!(visit(&app, &format!("/shared/{token}/media"), None).await.0, StatusCode::UNAUTHORIZED);

    let give = |password: &'static str| {
        app.request(Method::POST, &format!("/shared/{token}/password"), None)
            .json(&json!({ "password": password }))
            .send()
    };
    let response = give("seoul1958").await.expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let set = response.headers()[SET_COOKIE].to_str().expect("ascii").to_owned();
    let cookie = set.split(';').next().expect("name=value").to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert_eq!(visit(&app, &format!("/shared/{token}"), Some(&cookie)).await.0, StatusCode::OK, "asked once");
    assert_eq!(visit(&app, &format!("/shared/{token}/media"), Some(&cookie)).await.0, StatusCode::OK);

    for _ in 0..5 {
        let response = give("guess").await.expect("sent");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.json::<Value>().await.expect("json")["code"], "wrong_password");
    }
    let response = give("seoul1958").await.expect("sent");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "then even the right one waits");
    assert!(response.headers().contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test]
async fn a_stopped_or_expired_link_is_gone_and_only_the_owner_makes_and_stops_links() {
    let app = TestApp::spawn().await;
    let owner = app.admin().await;
    let album = app.album(&owner, "Chuseok").await;
    let aunt = app.member(&owner, "aunt@family.test").await;
    let (status, _) = app
        .post(
            &format!("/albums/{album}/members"),
            &owner.token,
            json!({ "email": "aunt@family.test", "role": "contributor" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.post(&format!("/albums/{album}/links"), &aunt.token, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a contributor does not share the album onwards");

    let link = make(&app, &owner, &album, json!({ "expires_at": "2099-01-01T00:00:00Z" })).await;
    assert_eq!(link["expires_at"], "2099-01-01T00:00:00.000Z");
    let (status, body) = app
        .post(&format!("/albums/{album}/links"), &owner.token, json!({ "expires_at": "2001-01-01T00:00:00Z" }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let path = format!("/links/{}", id_of(&link));
    assert_eq!(app.delete(&path, &aunt.token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.delete(&path, &owner.token).await.0, StatusCode::NO_CONTENT);
    let (status, body) = visit(&app, &format!("/shared/{}", token_of(&link)), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::GONE, Some("gone")), "{body}");

    let expiring = make(&app, &owner, &album, json!({ "expires_at": "2099-01-01T00:00:00Z" })).await;
    app.execute_sql(&format!("UPDATE share_links SET expires_at = 1 WHERE id = {}", id_of(&expiring))).await;
    assert_eq!(visit(&app, &format!("/shared/{}/media", token_of(&expiring)), None).await.0, StatusCode::GONE);

    let (status, links) = app.get(&format!("/albums/{album}/links"), &owner.token).await;
    assert_eq!(status, StatusCode::OK);
    let statuses: Vec<&str> =
        links["items"].as_array().expect("items").iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(statuses, ["expired", "revoked"], "newest first: {links}");
    assert!(!links.to_string().contains(&token_of(&link)), "tokens are never shown again");
    assert_eq!(app.get(&format!("/albums/{album}/links"), &aunt.token).await.0, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn the_link_page_opens_the_web_album() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(format!("{}/s/some-token", app.base)).await.expect("page");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.expect("html").contains("<script type=\"module\" src=\"/js/app.js\">"));
    app.stop().await;
}
