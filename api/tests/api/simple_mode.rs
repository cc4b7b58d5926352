//! Simple mode (#20): for grandparents who only look. The person or the family's admin turns it
//! on; the server then refuses deleting and renaming photos and albums, and emptying the trash,
//! with `simple_mode`, whatever the person's role, so a stray tap cannot lose photos.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, id_of, sample_photo};

async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PUT, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn grandma_in_simple_mode_looks_but_a_stray_tap_deletes_or_renames_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let grandma = app.member(&admin, "grandma@family.test").await;
    assert_eq!(app.me(&grandma).await["simple_mode"], false, "off until someone turns it on");

    // The admin turns it on for her, and sees it in the family's list.
    let (status, user) =
        put(&app, &format!("/admin/users/{}/simple-mode", grandma.id), &admin.token, json!({ "on": true })).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["simple_mode"], true, "{user}");
    let (_, users) = app.get("/admin/users", &admin.token).await;
    let listed: Vec<(String, bool)> = users["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| (id_of(u), u["simple_mode"].as_bool().expect("simple_mode")))
        .collect();
    assert!(listed.contains(&(grandma.id.clone(), true)) && listed.contains(&(admin.id.clone(), false)), "{users}");
    assert_eq!(app.me(&grandma).await["simple_mode"], true);

    // Her own album and photo: she may look at them, not delete or rename them.
    let album = app.album(&grandma, "Garden").await;
    let photo = id_of(&app.upload(&grandma, &album, &sample_photo(), "image/jpeg").await);
    let refused = [
        app.delete(&format!("/media/{photo}"), &grandma.token).await,
        app.call(Method::PATCH, &format!("/albums/{album}"), Some(&grandma.token), Some(json!({ "title": "Oops" })))
            .await,
        app.delete(&format!("/albums/{album}"), &grandma.token).await,
        app.delete("/trash", &grandma.token).await,
    ];
    for (status, body) in &refused {
        assert_eq!(*status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["code"], "simple_mode", "a code the web album can explain: {body}");
        assert!(body["message"].as_str().is_some_and(|m| m.contains("simple mode")), "{body}");
    }
    let (status, kept) = app.get(&format!("/media/{photo}"), &grandma.token).await;
    assert_eq!((status, kept["deleted_at"].is_null()), (StatusCode::OK, true), "the photo is still there: {kept}");
    let (_, still) = app.get(&format!("/albums/{album}"), &grandma.token).await;
    assert_eq!(still["title"], "Garden", "{still}");
    // Looking, liking and commenting still work.
    let (status, _) = put(&app, &format!("/media/{photo}/like"), &grandma.token, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        app.post(&format!("/media/{photo}/comments"), &grandma.token, json!({ "body": "lovely" })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Only the admin sets it for someone else; she may turn her own off.
    let (status, body) =
        put(&app, &format!("/admin/users/{}/simple-mode", admin.id), &grandma.token, json!({ "on": true })).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, me) = put(&app, "/me/simple-mode", &grandma.token, json!({ "on": false })).await;
    assert_eq!((status, me["simple_mode"].as_bool()), (StatusCode::OK, Some(false)), "{me}");
    let (status, body) = app.delete(&format!("/media/{photo}"), &grandma.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "off again, she deletes as before: {body}");

    // Someone refused for their role hears that, not about simple mode.
    let (status, body) = app.delete(&format!("/albums/{album}"), &admin.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not his album, not his to see: {body}");
    let (status, body) = put(&app, "/me/simple-mode", &grandma.token, json!({ "on": "yes" })).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")), "{body}");
    let (status, _) = put(&app, "/admin/users/123/simple-mode", &admin.token, json!({ "on": true })).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nobody has that id");
    app.stop().await;
}

#[tokio::test]
async fn a_contributor_in_simple_mode_may_not_delete_what_she_added_to_a_shared_album() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let grandpa = app.member(&admin, "grandpa@family.test").await;
    let album = app.album(&admin, "Holidays").await;
    let (status, body) = app
        .post(
            &format!("/albums/{album}/members"),
            &admin.token,
            json!({ "email": "grandpa@family.test", "role": "contributor" }),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let photo = id_of(&app.upload(&grandpa, &album, &sample_photo(), "image/jpeg").await);
    let (status, _) = put(&app, "/me/simple-mode", &grandpa.token, json!({ "on": true })).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.delete(&format!("/media/{photo}"), &grandpa.token).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("simple_mode")), "{body}");
    // The album's owner, not in simple mode, still tidies up.
    let (status, body) = app.delete(&format!("/media/{photo}"), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.stop().await;
}
