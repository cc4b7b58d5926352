//! Faults of the object store: an S3 that answers 5xx, hangs, or drops connections, put between
//! picup and the embedded endpoint by a small TCP proxy. Browsers still reach the store directly
//! (their presigned URLs name it), as they would reach AWS while a zone's path to it is broken.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use picup_common::config::ExposeSecret;
use picup_common::db::MediaStatus;
use picup_common::id::MediaId;
use reqwest::{StatusCode, header};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::helpers::{Backends, TestApp, sample_photo};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Fault {
    None = 0,
    /// Every request gets `503 Slow Down`, as S3 says when it is overloaded.
    ServerError = 1,
    /// Connections are accepted and never answered.
    Hang = 2,
    /// Connections are closed as soon as they open.
    Drop = 3,
}

/// The proxy. Changing the fault cuts the connections already open, so pooled connections cannot
/// carry requests past it.
struct FaultyLink {
    port: u16,
    fault: Arc<AtomicU8>,
    /// Requests that fail with a 503 before the fault applies again ("flaky").
    fail_next: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
    live: std::sync::Mutex<CancellationToken>,
    stop: CancellationToken,
}

impl FaultyLink {
    async fn open(target: std::net::SocketAddr) -> Arc<FaultyLink> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let link = Arc::new(FaultyLink {
            port: listener.local_addr().expect("addr").port(),
            fault: Arc::new(AtomicU8::new(Fault::None as u8)),
            fail_next: Arc::new(AtomicUsize::new(0)),
            connections: Arc::new(AtomicUsize::new(0)),
            live: std::sync::Mutex::new(CancellationToken::new()),
            stop: CancellationToken::new(),
        });
        let serving = link.clone();
        tokio::spawn(async move {
            loop {
                let (inbound, _) = tokio::select! {
                    () = serving.stop.cancelled() => break,
                    accepted = listener.accept() => match accepted { Ok(pair) => pair, Err(_) => continue },
                };
                serving.connections.fetch_add(1, Ordering::SeqCst);
                let cut = serving.live.lock().expect("lock").clone();
                let flaky =
                    serving.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                let fault = if flaky { Fault::ServerError } else { serving.fault() };
                tokio::spawn(async move {
                    tokio::select! {
                        () = cut.cancelled() => {}
                        () = serve(inbound, fault, target) => {}
                    }
                });
            }
        });
        link
    }

    fn fault(&self) -> Fault {
        match self.fault.load(Ordering::SeqCst) {
            1 => Fault::ServerError,
            2 => Fault::Hang,
            3 => Fault::Drop,
            _ => Fault::None,
        }
    }

    fn set(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
        let mut live = self.live.lock().expect("lock");
        live.cancel();
        *live = CancellationToken::new();
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FaultyLink {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn serve(mut inbound: TcpStream, fault: Fault, target: std::net::SocketAddr) {
    match fault {
        Fault::None => {
            if let Ok(mut outbound) = TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        }
        Fault::ServerError => {
            // Read the request head first, as a server does, then refuse it.
            let mut head = Vec::new();
            let mut buffer = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                match inbound.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buffer[..n]),
                }
            }
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
            let response = format!(
                "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = inbound.write_all(response.as_bytes()).await;
            let _ = inbound.shutdown().await;
        }
        Fault::Hang => std::future::pending().await,
        Fault::Drop => drop(inbound),
    }
}

struct Setup {
    app: TestApp,
    link: Arc<FaultyLink>,
    _store: CancellationToken,
}

/// An api configured for "real" S3 whose endpoint is the proxy in front of an embedded store.
async fn app_behind_faulty_link() -> Setup {
    let backends = Backends::fresh().await;
    let store_stop = CancellationToken::new();
    let store = picup_common::embedded_s3::start(
        &backends.data_dir.path().join("store"),
        "127.0.0.1:0".parse().expect("addr"),
        None,
        "http://127.0.0.1",
        store_stop.clone(),
    )
    .await
    .expect("embedded store");
    let link = FaultyLink::open(store.addr).await;
    let (key_id, secret) = store.config.credentials.clone().expect("credentials");
    let secret = secret.expose_secret().to_owned();
    let proxied = format!("http://127.0.0.1:{}", link.port);
    let direct = format!("http://{}", store.addr);
    let app = TestApp::spawn_on(
        &backends,
        &[
            ("PICUP_S3_BUCKET", picup_common::embedded_s3::BUCKET),
            ("PICUP_S3_ENDPOINT", &proxied),
            ("PICUP_S3_PUBLIC_ENDPOINT", &direct),
            ("PICUP_S3_FORCE_PATH_STYLE", "true"),
            ("PICUP_S3_ACCESS_KEY_ID", &key_id),
            ("PICUP_S3_SECRET_ACCESS_KEY", &secret),
            ("PICUP_S3_READ_TIMEOUT_SECS", "1"),
            ("PICUP_S3_BREAKER_THRESHOLD", "3"),
            ("PICUP_S3_BREAKER_COOLDOWN_SECS", "2"),
        ],
    )
    .await;
    Setup { app, link, _store: store_stop }
}

/// A complete that the store's state refuses: 503, Retry-After, and words that say try again.
async fn refused_complete(app: &TestApp, user: &crate::helpers::User, upload_id: &str) -> Duration {
    let started = Instant::now();
    let response = app
        .request(reqwest::Method::POST, &format!("/uploads/{upload_id}/complete"), Some(&user.token))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("sent");
    let took = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["code"], "unavailable");
    assert!(body["message"].as_str().expect("message").contains("try again"), "{body}");
    took
}

#[tokio::test]
async fn a_failing_store_is_retried_then_paused_and_nothing_is_counted_that_was_not_stored() {
    let Setup { app, link, _store } = app_behind_faulty_link().await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Outage").await;
    let photo = sample_photo();

    // Flaky: two 503s, then an answer. The SDK's retries hide it from the family.
    let reservation = app.reserve(&admin, &album, "flaky.jpg", photo.len(), "image/jpeg").await;
    assert!(app.put_presigned(&reservation, &photo).await.status().is_success());
    link.set(Fault::None);
    link.fail_next.store(2, Ordering::SeqCst);
    let before = link.connections();
    let (status, body) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(link.connections() - before >= 3, "two refused tries and a good one");
    let first_media = body["media"]["id"].as_str().expect("id").parse::<MediaId>().expect("numeric id");
    let settled = app.settle(&admin, &album).await;
    let used = app.me(&admin).await["used_bytes"].as_i64().expect("used");
    assert_eq!(used, app.stored_bytes(&settled).await);

    // Down: the bytes reached the store (browsers go there directly), but picup cannot check
    // them, so nothing is counted; the reservation stays for a later try.
    let reservation = app.reserve(&admin, &album, "outage.jpg", photo.len(), "image/jpeg").await;
    assert!(app.put_presigned(&reservation, &photo).await.status().is_success());
    let upload_id = reservation["id"].as_str().expect("id").to_owned();
    link.set(Fault::ServerError);
    refused_complete(&app, &admin, &upload_id).await;
    link.set(Fault::Drop);
    refused_complete(&app, &admin, &upload_id).await;
    refused_complete(&app, &admin, &upload_id).await;
    let me = app.me(&admin).await;
    assert_eq!((me["used_bytes"].as_i64(), me["reserved_bytes"].as_i64()), (Some(used), Some(photo.len() as i64)));

    // Three calls in a row failed: the breaker is open and calls are not even tried.
    let before = link.connections();
    let took = refused_complete(&app, &admin, &upload_id).await;
    assert_eq!(link.connections(), before, "no call went to the store");
    assert!(took < Duration::from_secs(2), "answered without waiting on the store: {took:?}");

    // The thumbnailer waits out the outage without using up the photo's attempts (three by
    // default): a photo is never marked failed because the store was down.
    for _ in 0..4 {
        assert!(picup_thumbnailer::job::process(&app.services, first_media).await.is_err());
    }
    assert_eq!(app.services.db.media(first_media).await.expect("media").status, MediaStatus::Ready);

    // Hanging: after the cooldown one trial call goes out and is bounded by the read timeout
    // and the retries, not left waiting.
    link.set(Fault::Hang);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let took = refused_complete(&app, &admin, &upload_id).await;
    assert!(took < Duration::from_secs(15), "a hanging store is given up on: {took:?}");

    // Back: after the cooldown the trial succeeds, the upload completes once, and the store
    // holds exactly what is counted.
    link.set(Fault::None);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = app.complete(&admin, &reservation, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app.complete(&admin, &reservation, None).await;
    assert!(status.is_success(), "a repeated complete is answered, not counted again");
    let processed = picup_thumbnailer::job::process(&app.services, first_media).await.expect("processed");
    assert_eq!(processed, picup_thumbnailer::job::Outcome::Ready);
    let settled = app.settle(&admin, &album).await;
    let me = app.me(&admin).await;
    assert_eq!(me["reserved_bytes"], 0);
    assert_eq!(me["used_bytes"].as_i64(), Some(app.stored_bytes(&settled).await));
    let drifted = picup_worker::jobs::Job::ReconcileQuota.run(&app.services).await.expect("audit");
    assert_eq!(drifted, 0, "the quota matches the rows");
    app.stop().await;
}
