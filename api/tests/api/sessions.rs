//! The devices a person is signed in on: she sees them by name, signs out a lost phone, or every
//! device but the one in her hand; nobody else can touch her sessions.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const COMPUTER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

async fn sign_in_from(app: &TestApp, email: &str, user_agent: &str) -> String {
    let response = app
        .request(Method::POST, "/auth/login", None)
        .header("user-agent", user_agent)
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Value>().await.expect("body")["token"].as_str().expect("token").to_owned()
}

fn device<'a>(sessions: &'a Value, name: &str) -> &'a Value {
    sessions["items"].as_array().expect("items").iter().find(|s| s["device"] == name).expect(name)
}

#[tokio::test]
async fn she_sees_her_devices_and_signs_out_a_lost_one_or_all_others() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let phone = sign_in_from(&app, "admin@family.test", PHONE).await;
    let computer = sign_in_from(&app, "admin@family.test", COMPUTER).await;
    // The album's pages know a session for a few seconds without asking the database: an ended
    // session must still be refused there at once.
    let album = app.album(&admin, "Holidays").await;
    let page = format!("/albums/{album}/media");
    for token in [&admin.token, &phone, &computer] {
        assert_eq!(app.get(&page, token).await.0, StatusCode::OK);
    }

    let (status, sessions) = app.get("/sessions", &phone).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    assert_eq!(sessions["items"].as_array().map(Vec::len), Some(3), "{sessions}");
    assert_eq!(device(&sessions, "Chrome on Android")["current"], true, "the one in her hand");
    let lost = device(&sessions, "Edge on Windows");
    assert_eq!(lost["current"], false);
    assert!(lost["last_seen_at"].is_string() && lost["signed_in_at"].is_string());
    assert!(!sessions.to_string().contains(&computer), "no token is ever shown");

    // Someone else in the family cannot end it.
    let aunt = app.member(&admin, "aunt@family.test").await;
    let lost_id = lost["id"].as_str().expect("id").to_owned();
    let (status, _) = app.delete(&format!("/sessions/{lost_id}"), &aunt.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/me", &computer).await.0, StatusCode::OK);

    let (status, _) = app.delete(&format!("/sessions/{lost_id}"), &phone).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/me", &computer).await.0, StatusCode::UNAUTHORIZED, "the lost computer is signed out");
    assert_eq!(app.get(&page, &computer).await.0, StatusCode::UNAUTHORIZED, "nor sees the album");
    assert_eq!(app.get(&page, &phone).await.0, StatusCode::OK, "the phone still does");
    assert_eq!(app.delete(&format!("/sessions/{lost_id}"), &phone).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete("/sessions/not-a-session", &phone).await.0, StatusCode::NOT_FOUND);

    let (status, ended) = app.post("/sessions/sign-out-others", &phone, Value::Null).await;
    assert_eq!((status, &ended["signed_out"]), (StatusCode::OK, &json!(1)), "{ended}");
    assert_eq!(app.get("/me", &admin.token).await.0, StatusCode::UNAUTHORIZED, "her first session too");
    assert_eq!(app.get(&page, &admin.token).await.0, StatusCode::UNAUTHORIZED, "nor sees the album");
    assert_eq!(app.get(&format!("/albums/{album}/months"), &admin.token).await.0, StatusCode::UNAUTHORIZED);
    let (_, sessions) = app.get("/sessions", &phone).await;
    assert_eq!(sessions["items"].as_array().map(Vec::len), Some(1), "only the phone: {sessions}");
    assert_eq!(app.get("/sessions", &aunt.token).await.1["items"].as_array().map(Vec::len), Some(1), "hers are hers");

    assert_eq!(app.get(&page, &phone).await.0, StatusCode::OK);
    assert_eq!(app.post("/auth/logout", &phone, Value::Null).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&page, &phone).await.0, StatusCode::UNAUTHORIZED, "signed out, the phone sees nothing");
    app.stop().await;
}

#[tokio::test]
async fn each_device_shows_roughly_where_it_signed_in_when_picup_has_a_place_database() {
    let database =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/geoip/dbip-country-lite-ipv4.mmdb");
    let app = TestApp::spawn_with(&[
        ("PICUP_GEOIP_DB", database.to_str().expect("utf-8")),
        ("PICUP_GEOIP_CREDIT", "IP geolocation by DB-IP"),
        ("PICUP_TRUST_PROXY", "true"),
    ])
    .await;
    app.admin().await;
    // Through the load balancer, from KT's network in Korea.
    let response = app
        .request(Method::POST, "/auth/login", None)
        .header("user-agent", PHONE)
        .header("x-forwarded-for", "168.126.63.1")
        .json(&json!({ "email": "admin@family.test", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK);
    let phone = response.json::<Value>().await.expect("body")["token"].as_str().expect("token").to_owned();

    let (_, sessions) = app.get("/sessions", &phone).await;
    assert_eq!(device(&sessions, "Chrome on Android")["place"], json!({ "country": "KR", "city": null }), "{sessions}");
    let here = sessions["items"].as_array().expect("items").iter().find(|s| s["device"] != "Chrome on Android");
    assert_eq!(here.expect("the first session")["place"], Value::Null, "this machine is nowhere");
    assert_eq!(sessions["places_by"], "IP geolocation by DB-IP", "the database's credit");
    app.stop().await;
}
