//! Faults: a Redis that dies under a running api: changes of quota answer 503 at once, looking
//! at photos goes on, and everything resumes when Redis is back.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use picup_common::id::UserId;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::helpers::{TestApp, on_redis, sample_photo};

/// A private redis-server this test may kill (the shared one must stay up for the others).
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(port: Option<u16>) -> PrivateRedis {
        let port = port.unwrap_or_else(|| {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            listener.local_addr().expect("addr").port()
        });
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed where the Redis suite runs");
        for _ in 0..50 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        PrivateRedis { port, child: Some(child) }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A reservation while a backend is down: 503 with Retry-After. Returns the error body.
async fn refused_reservation(app: &TestApp, user: &crate::helpers::User, album: &str) -> serde_json::Value {
    let response = app
        .request(reqwest::Method::POST, &format!("/albums/{album}/uploads"), Some(&user.token))
        .json(&json!({ "filename": "b.jpg", "size": 100, "content_type": "image/jpeg" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    response.json().await.expect("json")
}

#[tokio::test]
async fn a_dead_redis_refuses_quota_changes_with_a_503_while_viewing_and_liking_go_on() {
    if !on_redis() {
        // Without Redis the lock is in-process and cannot die on its own.
        return;
    }
    let mut redis = PrivateRedis::start(None);
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let app = TestApp::spawn_with(&[("REDIS_URL", &url), ("PICUP_LOCK_WAIT_SECS", "5")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Outage").await;
    let photo = sample_photo();
    let before = app.upload(&admin, &album, &photo, "image/jpeg").await;
    let before_id = before["id"].as_str().expect("id").to_owned();
    app.settle(&admin, &album).await;
    let reservation = app.reserve(&admin, &album, "a.jpg", photo.len(), "image/jpeg").await;
    assert!(app.put_presigned(&reservation, &photo).await.status().is_success());
    let used_before = app.me(&admin).await["used_bytes"].as_u64().expect("used");

    redis.kill();
    // Looking keeps working without Redis: listing, one photo, liking it, searching.
    let started = std::time::Instant::now();
    assert_eq!(app.media_list(&admin, &album).await.len(), 1);
    let (status, _) = app.get(&format!("/media/{before_id}"), &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, liked) =
        app.call(reqwest::Method::PUT, &format!("/media/{before_id}/like"), Some(&admin.token), None).await;
    assert_eq!((status, liked["like_count"].as_i64()), (StatusCode::OK, Some(1)));
    let (status, _) = app.get("/search?q=outage", &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(3), "viewing does not wait for Redis");

    let started = std::time::Instant::now();
    let body = refused_reservation(&app, &admin, &album).await;
    assert_eq!(body["code"], "unavailable");
    assert!(started.elapsed() < Duration::from_secs(5), "a dead Redis is noticed before the lock wait runs out");
    let (status, _) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let me = app.me(&admin).await;
    assert_eq!(
        (me["used_bytes"].as_u64(), me["reserved_bytes"].as_u64()),
        (Some(used_before), Some(photo.len() as u64)),
        "nothing half-done"
    );

    // Redis comes back: the same complete now succeeds, once.
    let _redis = PrivateRedis::start(Some(redis.port));
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = app.complete(&admin, &reservation, None).await.0;
        if status != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, StatusCode::CREATED);
    let me = app.me(&admin).await;
    assert_eq!(me["reserved_bytes"], 0);
    let settled = app.settle(&admin, &album).await;
    assert_eq!(app.me(&admin).await["used_bytes"], app.stored_bytes(&settled).await, "counted once");
    app.stop().await;
}

/// A TCP forwarder to the test's PostgreSQL; stopping it is the database going away (open
/// connections cut, new ones refused), starting it again on the same port is the restart.
struct DatabaseLink {
    port: u16,
    stop: tokio_util::sync::CancellationToken,
}

impl DatabaseLink {
    async fn open(port: u16, target: std::net::SocketAddr) -> DatabaseLink {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind the link");
        let port = listener.local_addr().expect("addr").port();
        let stop = tokio_util::sync::CancellationToken::new();
        let accepting = stop.clone();
        tokio::spawn(async move {
            loop {
                let (mut inbound, _) = tokio::select! {
                    () = accepting.cancelled() => break,
                    accepted = listener.accept() => match accepted { Ok(pair) => pair, Err(_) => continue },
                };
                let connection = accepting.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else { return };
                    tokio::select! {
                        () = connection.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                });
            }
        });
        DatabaseLink { port, stop }
    }

    fn cut(&self) {
        self.stop.cancel();
    }
}

#[tokio::test]
async fn a_database_restart_gets_fast_503s_and_the_pool_recovers_by_itself() {
    let Ok(server) = std::env::var("PICUP_TEST_DATABASE_URL") else {
        // SQLite is a file in the process; it does not go away on its own.
        return;
    };
    let backends = crate::helpers::Backends::fresh().await;
    let target = {
        let authority = server.split("://").nth(1).and_then(|rest| rest.split('/').next()).expect("host:port");
        let host_port = authority.rsplit('@').next().expect("host:port");
        tokio::net::lookup_host(host_port).await.expect("resolve").next().expect("an address")
    };
    let link = DatabaseLink::open(0, target).await;
    let proxied = backends.database_url.replacen(&target.port().to_string(), &link.port.to_string(), 1);
    let proxied = proxied.replacen("localhost", "127.0.0.1", 1);
    let app = TestApp::spawn_on(&backends, &[("DATABASE_URL", &proxied)]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Restart").await;
    let photo = sample_photo();
    app.upload(&admin, &album, &photo, "image/jpeg").await;
    let settled = app.settle(&admin, &album).await;
    let used = app.me(&admin).await["used_bytes"].as_i64().expect("used");

    link.cut();
    let started = std::time::Instant::now();
    refused_reservation(&app, &admin, &album).await;
    let response = app.request(reqwest::Method::GET, "/albums", Some(&admin.token)).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast: {:?}", started.elapsed());

    // PostgreSQL is back on the same address: the same process serves again.
    let _back = DatabaseLink::open(link.port, target).await;
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = app.request(reqwest::Method::GET, "/albums", Some(&admin.token)).send().await.expect("sent").status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(status, StatusCode::OK, "the pool recovered without a restart");
    let me = app.me(&admin).await;
    assert_eq!(
        (me["used_bytes"].as_i64(), me["reserved_bytes"].as_i64()),
        (Some(used), Some(0)),
        "nothing half-written"
    );
    assert_eq!(app.stored_bytes(&settled).await, used);
    app.upload(&admin, &album, &photo, "image/jpeg").await;
    app.stop().await;
}

#[tokio::test]
async fn a_request_dropped_while_holding_the_quota_lock_does_not_keep_it() {
    if !on_redis() {
        // The in-process lock is a mutex guard, released by being dropped.
        return;
    }
    let app = TestApp::spawn().await;
    let locks = &app.services.locks;
    // What happens when a client hangs up mid-request: the handler's future, guard and all, is
    // dropped without reaching `release`.
    let abandoned = locks.acquire(UserId::new(7), Duration::from_secs(2)).await.expect("free lock");
    drop(abandoned);
    let next = locks.acquire(UserId::new(7), Duration::from_secs(3)).await;
    assert!(next.is_ok(), "the lock was freed at once, not after its TTL");
    next.expect("lock").release().await;
    app.stop().await;
}

#[tokio::test]
async fn a_lock_held_longer_than_its_ttl_is_renewed_and_stays_held() {
    if !on_redis() {
        // The in-process lock has no TTL.
        return;
    }
    let app = TestApp::spawn().await;
    let locks = &app.services.locks;
    let held = locks.acquire(UserId::new(9), Duration::from_secs(2)).await.expect("free lock");
    // Past the 10 s TTL: without renewal Redis would have let the key expire.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let other = picup_common::lock::UserLocks::redis(
        &std::env::var("PICUP_TEST_REDIS_URL").expect("redis url"),
        &app.services.config.redis_prefix,
        app.services.redis.clone().expect("redis"),
        app.services.metrics.clone(),
    )
    .expect("a second process's locks");
    let stolen = other.acquire(UserId::new(9), Duration::from_millis(500)).await;
    assert!(matches!(stolen, Err(picup_common::lock::LockError::Timeout)), "still held by the first process");
    held.release().await;
    other.acquire(UserId::new(9), Duration::from_secs(2)).await.expect("free once released").release().await;
    app.stop().await;
}
