use reqwest::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn the_first_account_is_the_admin_and_later_ones_need_an_invite() {
    let app = TestApp::spawn().await;
    let (status, first) = app.register("grandma@family.test", None).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["user"]["is_admin"], true);
    assert_eq!(first["user"]["quota_bytes"], 10_i64 * 1024 * 1024 * 1024);

    let (status, body) = app.register("stranger@example.test", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap_or_default().contains("invite"), "{body}");
    let (status, _) = app.register("stranger@example.test", Some("made-up-token")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = app.login("grandma@family.test").await;
    let (status, invite) = app.post("/invites", &admin, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(invite["url"].as_str().unwrap_or_default().contains(invite["token"].as_str().unwrap_or("?")));
    let token = invite["token"].as_str().expect("token");
    let (status, second) = app.register("grandson@family.test", Some(token)).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["user"]["is_admin"], false);

    let (status, _) = app.register("another@family.test", Some(token)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an invite is used once");
    app.stop().await;
}

#[tokio::test]
async fn registration_checks_its_fields_and_refuses_a_taken_email() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .call(
            Method::POST,
            "/auth/register",
            None,
            Some(json!({ "email": "not-an-email", "password": "short", "display_name": " " })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "validation_failed");
    for field in ["email", "password", "display_name"] {
        assert!(body["fields"][field].is_array(), "{field} is named: {body}");
    }
    app.admin().await;
    let (status, body) = app.register("ADMIN@family.test", None).await;
    assert_eq!(status, StatusCode::CONFLICT, "emails compare case-insensitively: {body}");
    assert_eq!(body["code"], "email_taken");
    app.stop().await;
}

#[tokio::test]
async fn login_gives_a_token_and_an_http_only_cookie_and_logout_revokes_it() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let response = app
        .request(Method::POST, "/auth/login", None)
        .json(&json!({ "email": "admin@family.test", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let cookie =
        response.headers().get(header::SET_COOKIE).expect("a session cookie").to_str().expect("ascii").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let token = response.json::<serde_json::Value>().await.expect("json")["token"].as_str().expect("token").to_owned();

    let (status, me) = app.get("/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "admin@family.test");
    assert_eq!(me["used_bytes"], 0);
    assert_eq!(me["reserved_bytes"], 0);

    let (status, _) = app.post("/auth/logout", &token, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthorized");
    app.stop().await;
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_slowed_down() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let attempt = |password: &'static str| {
        app.request(Method::POST, "/auth/login", None)
            .json(&json!({ "email": "admin@family.test", "password": password }))
            .send()
    };
    for _ in 0..5 {
        let response = attempt("guess").await.expect("sent");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.json::<serde_json::Value>().await.expect("json")["code"], "invalid_credentials");
    }
    // Now even the right password waits until the delay is over.
    let response = attempt(PASSWORD).await.expect("sent");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()[header::RETRY_AFTER].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&retry_after), "first delay is about a second, got {retry_after}");
    tokio::time::sleep(std::time::Duration::from_millis(1100 * retry_after)).await;
    assert_eq!(attempt(PASSWORD).await.expect("sent").status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn password_attempts_are_limited_per_address() {
    let app = TestApp::spawn_with(&[("PICUP_RATE_AUTH_PER_MINUTE", "3")]).await;
    for _ in 0..3 {
        let (status, _) = app
            .call(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({ "email": "nobody@family.test", "password": "whatever1" })),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = app
        .request(Method::POST, "/auth/login", None)
        .json(&json!({ "email": "nobody@family.test", "password": "whatever1" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    app.stop().await;
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_to_change_anything() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cookie = format!("picup_session={}", admin.token);
    let get = app.request(Method::GET, "/me", None).header(header::COOKIE, &cookie).send().await.expect("sent");
    assert_eq!(get.status(), StatusCode::OK, "reading with the cookie is fine");

    let forged = app
        .request(Method::POST, "/albums", None)
        .header(header::COOKIE, &cookie)
        .json(&json!({ "title": "forged" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let from_app = app
        .request(Method::POST, "/albums", None)
        .header(header::COOKIE, &cookie)
        .header("x-requested-with", "picup")
        .json(&json!({ "title": "real" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(from_app.status(), StatusCode::CREATED);
    let (_, albums) = app.get("/albums", &admin.token).await;
    let titles: Vec<_> = albums["items"].as_array().expect("items").iter().map(|a| a["title"].clone()).collect();
    assert_eq!(titles, vec![json!("real")], "the forged request changed nothing");
    app.stop().await;
}

#[tokio::test]
async fn only_the_admin_sets_quotas() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let member = app.member(&admin, "aunt@family.test").await;

    let path = format!("/admin/users/{}/quota", member.id);
    let (status, _) = app.call(Method::PUT, &path, Some(&member.token), Some(json!({ "quota_bytes": 1 }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app.call(Method::PUT, &path, Some(&admin.token), Some(json!({ "quota_bytes": 5000 }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.me(&member).await["quota_bytes"], 5000);

    let (status, _) =
        app.call(Method::PUT, "/admin/users/12345/quota", Some(&admin.token), Some(json!({ "quota_bytes": 1 }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, users) = app.get("/admin/users", &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["items"].as_array().map(Vec::len), Some(2));
    app.stop().await;
}

/// A password hashed with the older Argon2 parameters (19 MiB, 2 passes) still signs in, and is
/// hashed again with today's (12 MiB, 3 passes; #19) while it is at hand.
#[tokio::test]
async fn a_password_hashed_the_older_way_still_signs_in_and_is_hashed_again() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // "a long family password", as the crate's defaults hashed it.
    let older = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$odhF5njDiycvs62T7WEjS/HBaIJBXcquaMqi5OIwBwQ";
    app.execute_sql(&format!("UPDATE users SET password_hash = '{older}' WHERE id = {}", admin.id)).await;
    let stored = || async { app.services.db.user_by_email("admin@family.test").await.expect("admin").password_hash };
    assert_eq!(stored().await, older);

    let token = app.login("admin@family.test").await;
    assert_eq!(app.get("/me", &token).await.0, StatusCode::OK);
    let again = stored().await;
    assert!(again.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"), "hashed again: {again}");
    let token = app.login("admin@family.test").await;
    assert_eq!(app.get("/me", &token).await.0, StatusCode::OK, "and signs in with it");
    assert_eq!(stored().await, again, "once");
    app.stop().await;
}
