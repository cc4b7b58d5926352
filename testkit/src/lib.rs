//! The test harness of the api's and the worker's tests: a real picup api on port 0 with its
//! embedded S3 endpoint (which checks signatures), on a fresh database per test.
//!
//! Backends come from the environment, so the same tests run on the embedded defaults and on
//! real servers: `PICUP_TEST_DATABASE_URL` (a PostgreSQL server; each test gets its own fresh
//! database) and `PICUP_TEST_REDIS_URL` (each test gets its own key prefix), and
//! `PICUP_TEST_S3_ENDPOINT` (an S3 such as LocalStack's, keys `test`/`test` unless
//! `PICUP_TEST_S3_ACCESS_KEY_ID` and `PICUP_TEST_S3_SECRET_ACCESS_KEY` say otherwise; each test
//! gets its own bucket) instead of the embedded store. When they are set and the server cannot be
//! reached, tests fail; they never skip.

pub mod oidc;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use picup_api::app::RunningApp;
use picup_common::config::Config;
use picup_common::services::Services;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

pub const PASSWORD: &str = "a long family password";

pub struct TestApp {
    pub base: String,
    /// Where `/metrics` is served, when the test set `PICUP_METRICS_ADDR`.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub client: reqwest::Client,
    pub services: Services,
    database_url: String,
    app: Option<RunningApp>,
    consumer: Option<(tokio_util::sync::CancellationToken, tokio::task::JoinHandle<()>)>,
    _data_dir: std::sync::Arc<tempfile::TempDir>,
}

pub struct Backends {
    pub database_url: String,
    pub redis_url: Option<String>,
    pub redis_prefix: String,
    pub data_dir: std::sync::Arc<tempfile::TempDir>,
}

pub fn on_redis() -> bool {
    std::env::var("PICUP_TEST_REDIS_URL").is_ok()
}

fn unique_name() -> String {
    format!("{}_{}", std::process::id(), rand_suffix())
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    format!("{nanos}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

impl Backends {
    /// A fresh database (and Redis prefix) for one test.
    pub async fn fresh() -> Backends {
        let data_dir = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        let name = format!("picup_test_{}", unique_name());
        let database_url = match std::env::var("PICUP_TEST_DATABASE_URL") {
            Ok(server) => {
                let mut admin = sqlx::PgConnection::connect(&server)
                    .await
                    .unwrap_or_else(|e| panic!("PICUP_TEST_DATABASE_URL={server} is set but unreachable: {e}"));
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .expect("create test database");
                // Keep the server's options (`?sslmode=require`) on the test database's URL.
                let (address, options) = server.split_once('?').unwrap_or((server.as_str(), ""));
                let base = address.rsplit_once('/').map_or(address, |(base, _)| base);
                if options.is_empty() { format!("{base}/{name}") } else { format!("{base}/{name}?{options}") }
            }
            Err(_) => format!("sqlite://{}?mode=rwc", data_dir.path().join("picup.db").display()),
        };
        Backends { database_url, redis_url: std::env::var("PICUP_TEST_REDIS_URL").ok(), redis_prefix: name, data_dir }
    }

    pub fn vars(&self) -> HashMap<String, String> {
        let mut vars: HashMap<String, String> = [
            ("PICUP_HTTP_ADDR", "127.0.0.1:0"),
            ("PICUP_EMBEDDED_S3_ADDR", "127.0.0.1:0"),
            ("PICUP_RATE_AUTH_PER_MINUTE", "100000"),
            ("PICUP_RATE_USER_BURST", "100000"),
            ("PICUP_RATE_IP_BURST", "100000"),
            ("PICUP_LOCK_WAIT_SECS", "30"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        vars.insert("PICUP_DATA_DIR".into(), self.data_dir.path().display().to_string());
        vars.insert("PICUP_WEB_DIR".into(), web_dir().display().to_string());
        vars.insert("DATABASE_URL".into(), self.database_url.clone());
        vars.insert("PICUP_REDIS_PREFIX".into(), self.redis_prefix.clone());
        vars.insert("PICUP_DECODER".into(), decoder().display().to_string());
        if let Some(redis) = &self.redis_url {
            vars.insert("REDIS_URL".into(), redis.clone());
        }
        if let Ok(endpoint) = std::env::var("PICUP_TEST_S3_ENDPOINT") {
            // Bucket names are 3 to 63 lower-case letters, digits and hyphens.
            let bucket: String = self.redis_prefix.replace('_', "-").chars().take(63).collect();
            let key = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
            vars.insert("PICUP_S3_BUCKET".into(), bucket);
            vars.insert("PICUP_S3_ENDPOINT".into(), endpoint);
            vars.insert("PICUP_S3_FORCE_PATH_STYLE".into(), "true".into());
            vars.insert("PICUP_S3_ACCESS_KEY_ID".into(), key("PICUP_TEST_S3_ACCESS_KEY_ID", "test"));
            vars.insert("PICUP_S3_SECRET_ACCESS_KEY".into(), key("PICUP_TEST_S3_SECRET_ACCESS_KEY", "test"));
        }
        vars
    }
}

/// The program the app starts to decode each upload: `picup-api`, which production starts too
/// (a test binary cannot be a decode child). `cargo test --workspace` builds it beside the test
/// binaries, in `target/debug/`.
fn decoder() -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let target = test_binary.parent().and_then(Path::parent).expect("target/debug/deps/<test>");
    let api = target.join("picup-api");
    assert!(api.exists(), "{} is missing: `cargo test --workspace` builds it", api.display());
    api
}

pub fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[]).await
    }

    /// Starts an app with extra `PICUP_*` settings on a fresh database.
    pub async fn spawn_with(settings: &[(&str, &str)]) -> TestApp {
        let backends = Backends::fresh().await;
        Self::spawn_on(&backends, settings).await
    }

    /// Starts an app on existing backends (a second process, or a restart after a crash).
    pub async fn spawn_on(backends: &Backends, settings: &[(&str, &str)]) -> TestApp {
        // RUST_LOG=... shows the app's logs in a failing test's output.
        if std::env::var("RUST_LOG").is_ok() {
            picup_common::telemetry::init(false);
        }
        let mut vars = backends.vars();
        for (key, value) in settings {
            vars.insert((*key).to_owned(), (*value).to_owned());
        }
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration is valid");
        let app = picup_api::app::start(config).await.expect("app starts");
        if vars.contains_key("PICUP_S3_BUCKET") {
            app.services.storage.ensure_bucket().await.expect("PICUP_TEST_S3_ENDPOINT is set and its S3 answers");
        }
        let base = format!("http://{}", app.addr);
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        // With Redis the thumbnailer is its own process in production; here, its own task.
        // PICUP_TEST_NO_CONSUMER (a harness knob, not app configuration) leaves the stream alone.
        let consumer = if app.services.redis.is_some() && !vars.contains_key("PICUP_TEST_NO_CONSUMER") {
            let shutdown = tokio_util::sync::CancellationToken::new();
            let consumer =
                picup_thumbnailer::consumer::Consumer::new(app.services.clone(), format!("test-{}", app.addr))
                    .await
                    .expect("thumbnailer consumer");
            Some((shutdown.clone(), tokio::spawn(consumer.run(shutdown))))
        } else {
            None
        };
        TestApp {
            base,
            metrics_addr: app.metrics_addr,
            client,
            services: app.services.clone(),
            database_url: backends.database_url.clone(),
            app: Some(app),
            consumer,
            _data_dir: backends.data_dir.clone(),
        }
    }

    /// Runs one statement on the app's database from outside the app: for a test that moves a
    /// row's time (a link past its expiry) without waiting a day.
    pub async fn execute_sql(&self, sql: &str) -> u64 {
        sqlx::any::install_default_drivers();
        let mut connection = sqlx::AnyConnection::connect(&self.database_url).await.expect("database");
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(&mut connection).await.expect(sql).rows_affected()
    }

    /// Stops the app like a SIGTERM would.
    pub async fn stop(mut self) {
        if let Some((shutdown, task)) = self.consumer.take() {
            shutdown.cancel();
            let _ = task.await;
        }
        if let Some(app) = self.app.take() {
            app.stop().await;
        }
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let url = if path.starts_with("http") { path.to_owned() } else { format!("{}/api/v1{path}", self.base) };
        let builder = self.client.request(method, url);
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut builder = self.request(method, path, token);
        if let Some(body) = body {
            builder = builder.json(&body);
        }
        read(builder.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    pub async fn register(&self, email: &str, invite: Option<&str>) -> (StatusCode, Value) {
        let mut body = json!({ "email": email, "password": PASSWORD, "display_name": email.split('@').next() });
        if let Some(invite) = invite {
            body["invite"] = json!(invite);
        }
        self.call(Method::POST, "/auth/register", None, Some(body)).await
    }

    pub async fn login(&self, email: &str) -> String {
        let (status, body) =
            self.call(Method::POST, "/auth/login", None, Some(json!({ "email": email, "password": PASSWORD }))).await;
        assert_eq!(status, StatusCode::OK, "login {email}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    /// The family's first member (the admin), signed in.
    pub async fn admin(&self) -> User {
        let (status, body) = self.register("admin@family.test", None).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        User { token: self.login("admin@family.test").await, id: id_of(&body["user"]) }
    }

    /// Another family member who joined with the admin's invite, signed in.
    pub async fn member(&self, admin: &User, email: &str) -> User {
        let (status, invite) = self.post("/invites", &admin.token, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{invite}");
        let (status, body) = self.register(email, invite["token"].as_str()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        User { token: self.login(email).await, id: id_of(&body["user"]) }
    }

    /// Many family members fast: the user row, a session and the album membership are written
    /// straight to the database (registration's slow password hashing is tested elsewhere).
    pub async fn seeded_member(&self, album: &str, name: &str, role: picup_common::db::Role) -> User {
        let db = &self.services.db;
        let email = format!("{name}@family.test");
        let mut tx = db.begin().await.expect("tx");
        let new = picup_common::db::NewUser {
            email: &email,
            display_name: name,
            password_hash: "seeded: no password",
            password_set: false,
            quota_bytes: 1 << 30,
        };
        let user = db.create_user(&mut tx, &new).await.expect("user");
        tx.commit().await.expect("commit");
        let token = picup_api::auth::new_token();
        let expires = picup_common::now_ms() + 3_600_000;
        db.create_session(
            &picup_api::auth::hash_token(&token),
            user.id,
            expires,
            None,
            picup_common::db::SignInMethod::Password,
            std::net::Ipv4Addr::LOCALHOST.into(),
        )
        .await
        .expect("session");
        db.add_album_member(album.parse().expect("album id"), user.id, role).await.expect("member");
        User { token, id: user.id.to_string() }
    }

    pub async fn album(&self, user: &User, title: &str) -> String {
        let (status, body) = self.post("/albums", &user.token, json!({ "title": title })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("album id").to_owned()
    }

    pub async fn me(&self, user: &User) -> Value {
        let (status, body) = self.get("/me", &user.token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Reserve, PUT the bytes to the presigned URL, complete: what a browser does.
    pub async fn upload(&self, user: &User, album: &str, bytes: &[u8], content_type: &str) -> Value {
        let reservation = self.reserve(user, album, "photo.jpg", bytes.len(), content_type).await;
        let put = self.put_presigned(&reservation, bytes).await;
        assert!(put.status().is_success(), "PUT to the presigned URL: {}", put.text().await.unwrap_or_default());
        let (status, body) = self.complete(user, &reservation, None).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["media"].clone()
    }

    pub async fn reserve(&self, user: &User, album: &str, filename: &str, size: usize, content_type: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/albums/{album}/uploads"),
                &user.token,
                json!({ "filename": filename, "size": size, "content_type": content_type }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    pub async fn put_presigned(&self, reservation: &Value, bytes: &[u8]) -> Response {
        let mut put = self.client.put(reservation["url"].as_str().expect("PUT url")).body(bytes.to_vec());
        for (name, value) in reservation["headers"].as_object().expect("headers") {
            put = put.header(name, value.as_str().expect("header value"));
        }
        put.send().await.expect("PUT sent")
    }

    pub async fn complete(&self, user: &User, reservation: &Value, parts: Option<Value>) -> (StatusCode, Value) {
        let id = reservation["id"].as_str().expect("upload id");
        let body = parts.map(|parts| json!({ "parts": parts })).unwrap_or(json!({}));
        self.post(&format!("/uploads/{id}/complete"), &user.token, body).await
    }

    /// Every item of the album whole, with the URLs its own `GET /media/{id}` adds to a page's
    /// tile (preview, original, playable, the live video).
    pub async fn whole_items(&self, user: &User, album: &str) -> Vec<Value> {
        let mut items = Vec::new();
        for tile in self.media_list(user, album).await {
            let (status, item) = self.get(&format!("/media/{}", id_of(&tile)), &user.token).await;
            assert_eq!(status, StatusCode::OK, "{item}");
            items.push(item);
        }
        items
    }

    /// Every item of the album as its pages list them (tiles: the thumbnail's URL only).
    pub async fn media_list(&self, user: &User, album: &str) -> Vec<Value> {
        let (mut items, mut cursor) = (Vec::new(), String::new());
        loop {
            let (status, body) = self.get(&format!("/albums/{album}/media?limit=200{cursor}"), &user.token).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            items.extend(body["items"].as_array().expect("items").iter().cloned());
            match body["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => return items,
            }
        }
    }
}

impl TestApp {
    /// Waits until the thumbnailer is done with every item of the album (ready or failed), and
    /// gives them whole. A minute: on two busy cores (the suite's tests run side by side) an
    /// iPhone's 24-megapixel HEIC and its movie have taken more than 30 s.
    pub async fn settle(&self, user: &User, album: &str) -> Vec<Value> {
        for _ in 0..600 {
            if self.media_list(user, album).await.iter().all(|m| m["status"] != "processing") {
                return self.whole_items(user, album).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("media still processing after 60 s: {:?}", self.media_list(user, album).await);
    }

    /// What the items occupy in storage, measured the way a user could: the original's size plus
    /// the size of every derivative their URLs serve.
    pub async fn stored_bytes(&self, items: &[Value]) -> i64 {
        let mut total = 0;
        for item in items {
            total += item["size_bytes"].as_i64().expect("size");
            for kind in ["thumbnail", "preview", "playable"] {
                if let Some(url) = item["urls"][kind].as_str() {
                    let bytes = self.client.get(url).send().await.expect("GET").bytes().await.expect("body");
                    total += bytes.len() as i64;
                }
            }
        }
        total
    }
}

pub struct User {
    pub token: String,
    pub id: String,
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id is a string").to_owned()
}

pub async fn read(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

fn corpus_file(relative: &str) -> Option<Vec<u8>> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus").join(relative)).ok()
}

/// A corpus file a test needs; None (the test returns) only when the corpus is absent and
/// PICUP_REQUIRE_CORPUS is not set: CI sets it, so there a missing corpus fails instead of skipping.
pub fn required_corpus_file(relative: &str) -> Option<Vec<u8>> {
    let bytes = corpus_file(relative);
    assert!(
        bytes.is_some() || std::env::var("PICUP_REQUIRE_CORPUS").is_err(),
        "PICUP_REQUIRE_CORPUS is set but {relative} is missing"
    );
    if bytes.is_none() {
        // libtest shows the test as passed; this line says it checked nothing.
        eprintln!("corpus missing ({relative}): this test checks nothing here");
    }
    bytes
}

/// A real photo from the shared corpus when this checkout has one beside it, else a small JPEG
/// made here.
pub fn sample_photo() -> Vec<u8> {
    corpus_file("orientation/Landscape_1.jpg").unwrap_or_else(|| {
        let (width, height) = (640u32, 480u32);
        let pixels = (0..width * height)
            .flat_map(|i| [(i % width * 255 / width) as u8, (i / width * 255 / height) as u8, 90])
            .collect();
        let image = picup_thumbnailer::raster::Rgb { width, height, pixels };
        picup_thumbnailer::raster::encode_jpeg(&image).expect("encode a JPEG")
    })
}

/// A real phone video from the corpus, else bytes of our own.
pub fn sample_video() -> Vec<u8> {
    corpus_file("video/mp42-hvc1.mp4").unwrap_or_else(|| pseudo_random_bytes(50_000, 2))
}

pub fn pseudo_random_bytes(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32).map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 24) as u8).collect()
}

/// A small deterministic generator (xorshift), so a failing seed can be replayed.
pub struct Dice(pub u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }

    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}
