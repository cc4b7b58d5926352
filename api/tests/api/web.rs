//! Web safety and operations: headers, limits, health, the OpenAPI document.

use reqwest::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    let response = app.client.get(format!("{}/healthz", app.base)).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"), "{csp}");
    app.stop().await;
}

#[tokio::test]
async fn readiness_checks_the_backends() {
    let app = TestApp::spawn().await;
    let (status, body) = app.call(Method::GET, &format!("{}/readyz", app.base), None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    app.stop().await;
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_clear_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let huge = json!({ "title": "x".repeat(300 * 1024) });
    let (status, _) = app.post("/albums", &admin.token, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let response = app
        .request(Method::POST, "/albums", Some(&admin.token))
        .header(header::CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("json error body");
    assert_eq!(body["code"], "invalid_body");
    assert!(body["message"].is_string());

    let (status, body) = app.get("/no/such/thing", &admin.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
    app.stop().await;
}

#[tokio::test]
async fn a_user_who_floods_the_api_is_told_to_wait() {
    let app = TestApp::spawn_with(&[("PICUP_RATE_USER_PER_SECOND", "5"), ("PICUP_RATE_USER_BURST", "5")]).await;
    let admin = app.admin().await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = app.request(Method::GET, "/me", Some(&admin.token)).send().await.expect("sent");
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key(header::RETRY_AFTER));
        }
        statuses.push(response.status());
    }
    assert!(statuses[..5].iter().all(|s| *s == StatusCode::OK), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_default_limits_let_a_family_member_add_hundreds_of_photos_at_once() {
    let app = TestApp::spawn_with(&[("PICUP_RATE_USER_BURST", "1000"), ("PICUP_RATE_USER_PER_SECOND", "100")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Holiday").await;
    // 300 reservations as fast as the client can send them, as the web album does for a big pick.
    let path = format!("/albums/{album}/uploads");
    let results = futures::future::join_all((0..300).map(|i| {
        app.post(
            &path,
            &admin.token,
            json!({ "filename": format!("{i}.jpg"), "size": 100, "content_type": "image/jpeg" }),
        )
    }))
    .await;
    let refused: Vec<_> = results.iter().filter(|(s, _)| *s != StatusCode::CREATED).collect();
    assert!(refused.is_empty(), "{refused:?}");
    app.stop().await;
}

#[tokio::test]
async fn every_path_in_the_openapi_document_is_served() {
    // A provider by name (never reached here: the calls are unauthenticated or carry no code).
    let app = TestApp::spawn_with(&[
        ("PICUP_OIDC_PROVIDERS", "family"),
        ("PICUP_OIDC_FAMILY_ISSUER", "http://127.0.0.1:9"),
        ("PICUP_OIDC_FAMILY_CLIENT_ID", "picup"),
        ("PICUP_OIDC_FAMILY_CLIENT_SECRET", "secret"),
    ])
    .await;
    // A share link and a photo it shows, so the link's routes answer for real.
    let admin = app.admin().await;
    let album = app.album(&admin, "Shared").await;
    let photo = crate::helpers::id_of(&app.upload(&admin, &album, &crate::helpers::sample_photo(), "image/jpeg").await);
    app.settle(&admin, &album).await;
    let (_, link) = app.post(&format!("/albums/{album}/links"), &admin.token, json!({})).await;
    let token = link["url"].as_str().expect("url").rsplit_once("/s/").expect("a link").1.to_owned();
    // An invite into the album, for the invite routes' {token}.
    let (_, invite) = app.post("/invites", &admin.token, json!({ "album_id": album })).await;
    let invite = invite["token"].as_str().expect("an invite's token").to_owned();
    let (status, document) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15);
    for (path, operations) in paths {
        let token = if path.starts_with("/invites/") { &invite } else { &token };
        let concrete = path
            .replace("{id}", "1")
            .replace("{provider}", "family")
            .replace("{token}", token)
            .replace("{media_id}", &photo);
        let methods = operations.as_object().expect("operations").keys().filter(|key| *key != "parameters");
        for method in methods {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = app.request(method.clone(), &concrete, None).json(&json!({})).send().await.expect("sent");
            // Unauthenticated calls to real routes answer 401 (or work); unknown ones would be 404 or 405.
            assert!(
                !matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED),
                "{method} {path} -> {}",
                response.status()
            );
        }
    }
    app.stop().await;
}
