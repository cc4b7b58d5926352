//! Ways in without a password: the admin's one-time sign-in link (single use, a day, audited,
//! for a member only), a new password after it, and the passkey ceremonies' refusals. (A passkey
//! made and used by a real authenticator is tested in Chromium: web/tests/album.test.js.)

use picup_common::checksum::Sha256;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, User};

/// The token in a link `PUBLIC_URL/#/link/TOKEN`.
fn token_of(link: &Value) -> String {
    let url = link["url"].as_str().expect("url");
    url.split_once("/#/link/").expect("a link to the album's sign-in page").1.to_owned()
}

async fn make_link(app: &TestApp, admin: &User, member: &User) -> Value {
    let (status, link) = app.post(&format!("/admin/users/{}/sign-in-links", member.id), &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    link
}

async fn use_link(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.call(Method::POST, "/auth/link", None, Some(json!({ "token": token }))).await
}

fn audit_entry<'a>(audit: &'a Value, id: &Value) -> &'a Value {
    audit["items"].as_array().expect("items").iter().find(|entry| &entry["id"] == id).expect("the link is audited")
}

#[tokio::test]
async fn the_admin_lets_grandma_in_once_with_a_link_she_scans() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let grandma = app.member(&admin, "grandma@family.test").await;

    let link = make_link(&app, &admin, &grandma).await;
    let svg = link["qr_svg"].as_str().expect("a QR code");
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "an SVG document: {}", &svg[..svg.len().min(80)]);
    assert!(link["expires_at"].is_string(), "{link}");
    let token = token_of(&link);
    assert!(token.len() >= 43, "256 random bits, base64url: {token}");
    let stored_as = |value: String| format!("UPDATE sign_in_links SET used_at = used_at WHERE token_hash = '{value}'");
    assert_eq!(app.execute_sql(&stored_as(token.clone())).await, 0, "the token itself is not stored");
    assert_eq!(app.execute_sql(&stored_as(Sha256::of(token.as_bytes()).to_hex())).await, 1, "its SHA-256 is");

    let (status, signed_in) = use_link(&app, &token).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["user"]["email"], "grandma@family.test");
    let session = signed_in["token"].as_str().expect("a session");
    let (_, me) = app.get("/me", session).await;
    assert_eq!(me["email"], "grandma@family.test", "she is in as herself");
    let (_, sessions) = app.get("/sessions", session).await;
    let current = sessions["items"].as_array().expect("items").iter().find(|s| s["current"] == true).expect("current");
    assert_eq!(current["signed_in_with"], "link", "her devices list says how: {sessions}");

    let (status, again) = use_link(&app, &token).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("sign_in_refused")), "{again}");
    assert!(again["message"].as_str().is_some_and(|m| m.contains("already used")), "{again}");

    let (status, audit) = app.get("/admin/sign-in-links", &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    let entry = audit_entry(&audit, &link["id"]);
    assert_eq!(entry["status"], "used", "{entry}");
    assert_eq!(entry["user"]["email"], "grandma@family.test");
    assert_eq!(entry["created_by"], "admin");
    assert!(entry["used_at"].is_string());
    assert!(!audit.to_string().contains(&token), "the audit list never shows a token");
    app.stop().await;
}

#[tokio::test]
async fn a_link_past_its_day_or_revoked_lets_nobody_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let grandpa = app.member(&admin, "grandpa@family.test").await;

    let old = make_link(&app, &admin, &grandpa).await;
    let day_and_a_minute_ago = picup_common::now_ms() - (24 * 60 + 1) * 60_000;
    app.execute_sql(&format!(
        "UPDATE sign_in_links SET created_at = {day_and_a_minute_ago}, expires_at = {} WHERE id = {}",
        day_and_a_minute_ago + 24 * 3_600_000,
        old["id"].as_str().expect("id")
    ))
    .await;
    assert_eq!(use_link(&app, &token_of(&old)).await.0, StatusCode::UNAUTHORIZED, "a day old");

    let revoked = make_link(&app, &admin, &grandpa).await;
    let path = format!("/admin/sign-in-links/{}", revoked["id"].as_str().expect("id"));
    assert_eq!(app.delete(&path, &admin.token).await.0, StatusCode::NO_CONTENT);
    assert_eq!(use_link(&app, &token_of(&revoked)).await.0, StatusCode::UNAUTHORIZED, "revoked");
    assert_eq!(app.delete(&path, &admin.token).await.0, StatusCode::NOT_FOUND, "revoked already");
    assert_eq!(use_link(&app, "made-up-token").await.0, StatusCode::UNAUTHORIZED);

    let (_, audit) = app.get("/admin/sign-in-links", &admin.token).await;
    assert_eq!(audit_entry(&audit, &old["id"])["status"], "expired");
    assert_eq!(audit_entry(&audit, &revoked["id"])["status"], "revoked");
    assert_eq!(audit["items"][0]["id"], revoked["id"], "newest first: {audit}");
    app.stop().await;
}

#[tokio::test]
async fn only_the_admin_makes_links_and_only_for_someone_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let aunt = app.member(&admin, "aunt@family.test").await;
    let uncle = app.member(&admin, "uncle@family.test").await;

    for target in [&admin, &uncle] {
        let (status, body) =
            app.post(&format!("/admin/users/{}/sign-in-links", target.id), &aunt.token, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a member makes no link for {}: {body}", target.id);
    }
    assert_eq!(app.get("/admin/sign-in-links", &aunt.token).await.0, StatusCode::FORBIDDEN);
    let (status, _) = app.post(&format!("/admin/users/{}/sign-in-links", admin.id), &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the admin's own account is not helped by a link");
    let (status, _) = app.post("/admin/users/12345/sign-in-links", &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let link = make_link(&app, &admin, &uncle).await;
    let path = format!("/admin/sign-in-links/{}", link["id"].as_str().expect("id"));
    assert_eq!(app.delete(&path, &aunt.token).await.0, StatusCode::FORBIDDEN, "nor revokes one");
    assert_eq!(use_link(&app, &token_of(&link)).await.0, StatusCode::OK, "still usable");
    app.stop().await;
}

async fn set_password(app: &TestApp, session: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PUT, "/me/password", Some(session), Some(body)).await
}

#[tokio::test]
async fn after_the_link_she_chooses_a_new_password_without_the_forgotten_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let grandma = app.member(&admin, "grandma@family.test").await;
    let (_, signed_in) = use_link(&app, &token_of(&make_link(&app, &admin, &grandma).await)).await;
    let from_link = signed_in["token"].as_str().expect("session").to_owned();

    let (status, body) = set_password(&app, &from_link, json!({ "new_password": "short" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["new_password"].is_array(), "{body}");
    let (status, body) = set_password(&app, &from_link, json!({ "new_password": "the garden in May" })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let login = |password: &'static str| {
        app.call(
            Method::POST,
            "/auth/login",
            None,
            Some(json!({ "email": "grandma@family.test", "password": password })),
        )
    };
    assert_eq!(login("the garden in May").await.0, StatusCode::OK);
    assert_eq!(login(PASSWORD).await.0, StatusCode::UNAUTHORIZED, "the old one is gone");

    // A session begun with a password needs the current one; so does a link session after an hour.
    let (status, body) = set_password(&app, &grandma.token, json!({ "new_password": "another long one" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["current_password"].is_array(), "{body}");
    let (status, _) = set_password(
        &app,
        &grandma.token,
        json!({ "current_password": "the garden in May", "new_password": "another long one" }),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.execute_sql(&format!(
        "UPDATE sessions SET created_at = {} WHERE signed_in_with = 'link'",
        picup_common::now_ms() - 61 * 60_000
    ))
    .await;
    let (status, _) = set_password(&app, &from_link, json!({ "new_password": "a third long one" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an hour after the link, the current password is asked");
    app.stop().await;
}

#[tokio::test]
async fn passkey_ceremonies_are_used_once_and_for_what_they_began() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, methods) = app.call(Method::GET, "/auth/methods", None, None).await;
    assert_eq!((status, &methods["passkeys"]), (StatusCode::OK, &json!(true)), "picup opened by a name: {methods}");

    let (status, begun) = app.post("/passkeys/options", &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{begun}");
    let options = &begun["options"]["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost", "{options}");
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required", "{options}");
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required", "one tap, nothing typed: {options}");
    assert!(!options.to_string().contains(&admin.id), "the account id is not handed to authenticators");

    let (status, sign_in) = app.call(Method::POST, "/auth/passkey/options", None, Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{sign_in}");
    assert_eq!(sign_in["options"]["publicKey"]["userVerification"], "required");

    // A made-up answer is refused with the ceremony it names, which is then gone.
    let answer = json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
        "response": { "authenticatorData": "AAAA", "clientDataJSON": "AAAA", "signature": "AAAA", "userHandle": "AAAA" },
    });
    let ceremony = sign_in["ceremony"].clone();
    let body = json!({ "ceremony": ceremony, "credential": answer });
    let (status, refused) = app.call(Method::POST, "/auth/passkey", None, Some(body.clone())).await;
    assert_eq!((status, refused["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("sign_in_refused")), "{refused}");
    let (status, again) = app.call(Method::POST, "/auth/passkey", None, Some(body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{again}");
    assert!(again["message"].as_str().is_some_and(|m| m.contains("too long")), "the ceremony was used: {again}");

    // A registration's ceremony cannot finish a sign-in, nor someone else's registration.
    let aunt = app.member(&admin, "aunt@family.test").await;
    let registration = json!({
        "ceremony": begun["ceremony"],
        "credential": { "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
                        "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" } },
    });
    let (status, body) = app.post("/passkeys", &aunt.token, registration.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["ceremony"].is_array(), "not her ceremony: {body}");
    let (status, body) = app.post("/passkeys", &admin.token, registration).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["ceremony"].is_array(), "used up by the wrong finish: {body}");
    let (_, passkeys) = app.get("/passkeys", &admin.token).await;
    assert_eq!(passkeys["items"], json!([]), "{passkeys}");
    app.stop().await;
}

#[tokio::test]
async fn an_album_opened_by_its_ip_address_offers_no_passkeys() {
    let app = TestApp::spawn_with(&[("PICUP_PUBLIC_URL", "http://127.0.0.1:8080")]).await;
    let admin = app.admin().await;
    let (_, methods) = app.call(Method::GET, "/auth/methods", None, None).await;
    assert_eq!(methods["passkeys"], false, "{methods}");
    let (status, body) = app.post("/passkeys/options", &admin.token, json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("passkeys_off")), "{body}");
    app.stop().await;
}
