//! An invite link as the person who opens it sees it (#20): who invited them into which album,
//! whether it still works; and, already signed in, joining the album with it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User};

async fn album_invite(app: &TestApp, owner: &User, album: &str, role: &str) -> String {
    let (status, invite) = app.post("/invites", &owner.token, json!({ "album_id": album, "role": role })).await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    invite["token"].as_str().expect("token").to_owned()
}

/// The invite as anyone opening the link sees it, without signing in.
async fn opened(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.call(Method::GET, &format!("/invites/{token}"), None, None).await
}

#[tokio::test]
async fn grandpa_opens_an_invite_sees_who_invited_him_and_joins_the_album_signed_in() {
    let app = TestApp::spawn().await;
    let mom = app.admin().await;
    let grandpa = app.member(&mom, "grandpa@family.test").await;
    let album = app.album(&mom, "Jeju 2026").await;
    let token = album_invite(&app, &mom, &album, "contributor").await;

    let (status, invite) = opened(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{invite}");
    assert_eq!(invite["album"], json!({ "title": "Jeju 2026" }), "{invite}");
    assert_eq!((invite["invited_by"].as_str(), invite["role"].as_str()), (Some("admin"), Some("contributor")));
    assert_eq!((invite["usable"].as_bool(), invite["status"].as_str()), (Some(true), Some("active")));
    assert!(invite["expires_at"].is_string(), "{invite}");
    let text = invite.to_string();
    assert!(!text.contains(&token) && !text.contains("grandpa") && !text.contains("members"), "nothing secret: {text}");

    // Signed in already, he accepts: he is in the album, as a contributor.
    let (status, body) = app.call(Method::POST, &format!("/invites/{token}/accept"), None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, accepted) = app.post(&format!("/invites/{token}/accept"), &grandpa.token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["joined"], true);
    assert_eq!(
        (accepted["album"]["id"].as_str(), accepted["album"]["role"].as_str()),
        (Some(album.as_str()), Some("contributor"))
    );
    assert_eq!(accepted["album"]["member_count"], 2, "mom and grandpa: {accepted}");
    assert_eq!(accepted["album"]["owner_name"], "admin", "{accepted}");
    let (status, _) = app.get(&format!("/albums/{album}"), &grandpa.token).await;
    assert_eq!(status, StatusCode::OK, "he sees the album");

    // Used now: the link says so, and a second use is gone, as an expired one is.
    let (_, used) = opened(&app, &token).await;
    assert_eq!((used["usable"].as_bool(), used["status"].as_str()), (Some(false), Some("used")), "{used}");
    let aunt = app.member(&mom, "aunt@family.test").await;
    let (status, body) = app.post(&format!("/invites/{token}/accept"), &aunt.token, json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::GONE, Some("gone")), "{body}");
    let expired = album_invite(&app, &mom, &album, "viewer").await;
    let hash = picup_api::auth::hash_token(&expired);
    app.execute_sql(&format!("UPDATE invites SET expires_at = 1 WHERE token_hash = '{hash}'")).await;
    let (_, old) = opened(&app, &expired).await;
    assert_eq!((old["usable"].as_bool(), old["status"].as_str()), (Some(false), Some("expired")), "{old}");
    let (status, _) = app.post(&format!("/invites/{expired}/accept"), &aunt.token, json!({})).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = app.get(&format!("/albums/{album}"), &aunt.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the aunt did not get in");

    let (status, _) = opened(&app, "no-such-invite").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn someone_already_in_the_album_keeps_their_role_and_leaves_the_invite_unused() {
    let app = TestApp::spawn().await;
    let mom = app.admin().await;
    let album = app.album(&mom, "Kitchen").await;
    let token = album_invite(&app, &mom, &album, "viewer").await;
    let (status, body) = app.post(&format!("/invites/{token}/accept"), &mom.token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["joined"].as_bool(), body["album"]["role"].as_str()), (Some(false), Some("owner")), "{body}");
    let (_, invite) = opened(&app, &token).await;
    assert_eq!(invite["status"], "active", "still there for whoever it was meant for: {invite}");

    // An invite into the family only has no album to join.
    let (_, family) = app.post("/invites", &mom.token, json!({})).await;
    let family = family["token"].as_str().expect("token");
    let (_, shown) = opened(&app, family).await;
    assert_eq!((shown["album"].clone(), shown["usable"].as_bool()), (Value::Null, Some(true)), "{shown}");
    let (status, body) = app.post(&format!("/invites/{family}/accept"), &mom.token, json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("family_invite")), "{body}");

    // An album deleted since: the link no longer works.
    assert_eq!(app.delete(&format!("/albums/{album}"), &mom.token).await.0, StatusCode::NO_CONTENT);
    let (_, gone) = opened(&app, &token).await;
    assert_eq!((gone["album"].clone(), gone["usable"].as_bool()), (Value::Null, Some(false)), "{gone}");
    app.stop().await;
}
