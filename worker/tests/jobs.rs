//! The worker's jobs and the CDN, against the same backends as the api: SQLite and the embedded
//! store by default, PostgreSQL and Redis when `PICUP_TEST_DATABASE_URL` and
//! `PICUP_TEST_REDIS_URL` are set (as `.ci/run` does).

use std::sync::{Arc, Mutex};

use picup_common::cdn::{InvalidateError, Invalidator};
use picup_common::config::ExposeSecret;
use picup_common::events::{Event, EventBus};
use picup_common::id::{MediaId, UserId};
use picup_common::storage::ObjectKind;
use picup_testkit::{TestApp, User, pseudo_random_bytes, sample_photo};
use picup_worker::jobs::{self, Job};
use reqwest::StatusCode;
use serde_json::Value;

/// Records what would go to CloudFront; can pretend CloudFront is throttling.
#[derive(Default)]
struct RecordingInvalidator {
    sent: Mutex<Vec<Vec<String>>>,
    throttled: bool,
}

#[async_trait::async_trait]
impl Invalidator for RecordingInvalidator {
    async fn invalidate(&self, paths: &[String]) -> Result<(), InvalidateError> {
        if self.throttled {
            return Err(InvalidateError::Throttled);
        }
        self.sent.lock().expect("lock").push(paths.to_vec());
        Ok(())
    }
}

fn cdn_settings(dir: &std::path::Path) -> String {
    let key = dir.join("cloudfront.pem");
    let status = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"])
        .arg(&key)
        .output()
        .expect("openssl");
    assert!(status.status.success());
    key.display().to_string()
}

async fn photo_in_trash(app: &TestApp, admin: &User) -> (String, Value) {
    let album = app.album(admin, "Purge").await;
    app.upload(admin, &album, &sample_photo(), "image/jpeg").await;
    let items = app.settle(admin, &album).await;
    let id = items[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(app.delete(&format!("/media/{id}"), &admin.token).await.0, StatusCode::NO_CONTENT);
    (album, items[0].clone())
}

async fn used(app: &TestApp, admin: &User) -> i64 {
    app.me(admin).await["used_bytes"].as_i64().expect("used")
}

#[tokio::test]
async fn with_cloudfront_view_urls_are_signed_stable_and_purges_are_invalidated() {
    let dir = tempfile::tempdir().expect("temp");
    let key = cdn_settings(dir.path());
    let app = TestApp::spawn_with(&[
        ("PICUP_CLOUDFRONT_DOMAIN", "cdn.family.test"),
        ("PICUP_CLOUDFRONT_KEY_PAIR_ID", "KTEST"),
        ("PICUP_CLOUDFRONT_PRIVATE_KEY_FILE", &key),
        ("PICUP_TRASH_RETENTION_SECS", "3600"),
    ])
    .await;
    let admin = app.admin().await;
    let (album, item) = photo_in_trash(&app, &admin).await;
    let thumbnail = item["urls"]["thumbnail"].as_str().expect("thumbnail");
    assert!(thumbnail.starts_with("https://cdn.family.test/derivatives/"), "{thumbnail}");
    assert!(
        thumbnail.contains("Expires=") && thumbnail.contains("Signature=") && thumbnail.contains("Key-Pair-Id=KTEST")
    );
    let (_, first) = app.get("/trash", &admin.token).await;
    let (_, second) = app.get("/trash", &admin.token).await;
    assert_eq!(first["items"][0]["urls"], second["items"][0]["urls"], "the same URLs twice in a row");
    assert!(album.parse::<i64>().is_ok());

    // Emptying the trash deletes the objects and queues each path for invalidation once.
    app.delete("/trash", &admin.token).await;
    Job::PurgeTrash.run(&app.services).await.expect("purge");
    assert_eq!(app.services.db.queued_invalidations().await.expect("count"), 3, "original, thumbnail, preview");

    let throttled = Arc::new(RecordingInvalidator { throttled: true, ..RecordingInvalidator::default() });
    let mut services = app.services.clone();
    services.invalidator = Some(throttled.clone());
    assert_eq!(Job::InvalidateCdn.run(&services).await.expect("run"), 0);
    assert_eq!(app.services.db.queued_invalidations().await.expect("count"), 3, "kept for later when throttled");

    let recording = Arc::new(RecordingInvalidator::default());
    services.invalidator = Some(recording.clone());
    // A minute later the backoff is over.
    let pool = sqlx::AnyPool::connect(app.services.config.database_url.expose_secret()).await.expect("pool");
    sqlx::query("UPDATE cdn_invalidations SET claimed_until = 0").execute(&pool).await.expect("due now");
    pool.close().await;
    assert_eq!(Job::InvalidateCdn.run(&services).await.expect("run"), 3);
    let sent = recording.sent.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1, "one batch");
    let mut paths = sent[0].clone();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 3, "each path once");
    assert!(paths.iter().any(|p| p.ends_with("thumb.webp")));
    assert_eq!(app.services.db.queued_invalidations().await.expect("count"), 0);
    app.stop().await;
}

#[tokio::test]
async fn two_purges_at_once_give_the_bytes_back_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (album, _) = photo_in_trash(&app, &admin).await;
    let kept = app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;
    let settled = app.settle(&admin, &album).await;
    let kept_bytes =
        app.stored_bytes(&settled.iter().filter(|m| m["id"] == kept["id"]).cloned().collect::<Vec<_>>()).await;
    app.services.db.request_trash_purge(admin.id.parse().expect("id")).await.expect("mark");
    let (a, b) = tokio::join!(jobs::purge_trash(&app.services), jobs::purge_trash(&app.services));
    assert_eq!(a.expect("first") + b.expect("second"), 1, "one of them purged it");
    assert_eq!(used(&app, &admin).await, kept_bytes);
    app.stop().await;
}

#[tokio::test]
async fn a_purge_killed_after_the_s3_delete_finishes_on_the_next_run() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, item) = photo_in_trash(&app, &admin).await;
    let id: MediaId = item["id"].as_str().expect("id").parse().expect("id");
    app.services.db.request_trash_purge(admin.id.parse().expect("id")).await.expect("mark");
    // The crashed run got as far as deleting the objects.
    let media = app.services.db.media(id).await.expect("row still there");
    for key in media.object_keys() {
        app.services.storage.delete(key).await.expect("delete");
    }
    assert!(used(&app, &admin).await > 0, "the bytes are still counted");
    assert_eq!(Job::PurgeTrash.run(&app.services).await.expect("rerun"), 1);
    assert_eq!(used(&app, &admin).await, 0, "given back exactly once");
    assert!(app.services.db.media(id).await.expect_err("gone").is_not_found());
    assert_eq!(Job::PurgeTrash.run(&app.services).await.expect("again"), 0);
    assert_eq!(used(&app, &admin).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn the_outbox_relay_waits_out_a_dead_broker_and_loses_nothing() {
    let app = TestApp::spawn_with(&[("PICUP_TEST_NO_CONSUMER", "1")]).await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Outbox").await;
    // Completions whose immediate publish was lost leave unpublished outbox rows; make three.
    let mut ids = Vec::new();
    for _ in 0..3 {
        let media = app.upload(&admin, &album, &pseudo_random_bytes(500, 1), "image/jpeg").await;
        ids.push(media["id"].as_str().expect("id").parse::<MediaId>().expect("id"));
    }
    let mut services = app.services.clone();
    let (dead, receiver) = EventBus::local();
    drop(receiver); // the broker is down
    services.events = dead;
    requeue_outbox(&app).await;
    assert!(jobs::relay_outbox(&services).await.is_err(), "a dead broker is an error, not a loss");
    let (live, mut receiver) = EventBus::local();
    services.events = live;
    let relayed = jobs::relay_outbox(&services).await.expect("relay");
    assert_eq!(relayed, 3);
    let mut received = Vec::new();
    while let Ok(Event::MediaUploaded { media_id }) = receiver.try_recv() {
        received.push(media_id);
    }
    assert_eq!(received, ids, "all of them, in order");
    assert_eq!(jobs::relay_outbox(&services).await.expect("again"), 0, "nothing twice");
    app.stop().await;
}

/// Marks every outbox row unpublished again, as if the api's immediate publish had failed.
async fn requeue_outbox(app: &TestApp) {
    let pool = sqlx::AnyPool::connect(app.services.config.database_url.expose_secret()).await.expect("pool");
    sqlx::query("UPDATE outbox SET published_at = NULL").execute(&pool).await.expect("requeue");
    pool.close().await;
}

#[tokio::test]
async fn a_half_done_multipart_upload_is_swept() {
    let app = TestApp::spawn_with(&[
        ("PICUP_MULTIPART_THRESHOLD_BYTES", "5242880"),
        ("PICUP_PART_SIZE_BYTES", "5242880"),
        ("PICUP_RESERVATION_TTL_SECS", "1"),
    ])
    .await;
    let admin = app.admin().await;
    let album = app.album(&admin, "Half").await;
    let size = 11 * 1024 * 1024;
    let reservation = app.reserve(&admin, &album, "long.mov", size, "video/quicktime").await;
    let part = &reservation["parts"][0];
    let body = pseudo_random_bytes(part["size"].as_u64().expect("size") as usize, 3);
    assert!(
        app.client.put(part["url"].as_str().expect("url")).body(body).send().await.expect("PUT").status().is_success()
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(Job::SweepUploads.run(&app.services).await.expect("sweep"), 1);
    assert_eq!(app.me(&admin).await["reserved_bytes"], 0);
    let upload = app.services.db.upload(reservation["id"].as_str().expect("id").parse().expect("id")).await;
    assert!(upload.expect_err("gone").is_not_found());
    let key = ObjectKind::Original.key(
        admin.id.parse().expect("id"),
        reservation["id"].as_str().expect("id").parse().expect("id"),
        "video/quicktime",
    );
    assert!(app.services.storage.head(&key).await.expect_err("no object").is_not_found());
    app.stop().await;
}

#[tokio::test]
async fn the_quota_audit_reports_drift_and_fixes_it_when_told_to() {
    for fix in [false, true] {
        let app = TestApp::spawn_with(&[("PICUP_RECONCILE_FIX", if fix { "true" } else { "false" })]).await;
        let admin = app.admin().await;
        let album = app.album(&admin, "Audit").await;
        app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;
        let items = app.settle(&admin, &album).await;
        let right = app.stored_bytes(&items).await;
        assert_eq!(Job::ReconcileQuota.run(&app.services).await.expect("audit"), 0, "no drift to begin with");

        let pool = sqlx::AnyPool::connect(app.services.config.database_url.expose_secret()).await.expect("pool");
        sqlx::query("UPDATE users SET used_bytes = used_bytes + 12345").execute(&pool).await.expect("drift");
        pool.close().await;
        assert_eq!(Job::ReconcileQuota.run(&app.services).await.expect("audit"), 1);
        let expected = if fix { right } else { right + 12345 };
        assert_eq!(used(&app, &admin).await, expected, "fix={fix}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_storage_audit_deletes_derivatives_no_row_names_and_never_a_photo() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let owner: UserId = admin.id.parse().expect("id");
    let album = app.album(&admin, "Audit").await;
    let photo = app.upload(&admin, &album, &sample_photo(), "image/jpeg").await;
    app.settle(&admin, &album).await;
    let photo = app.services.db.media(photo["id"].as_str().expect("id").parse().expect("id")).await.expect("row");
    // Sent, not yet completed: its object is named by the reservation.
    let reservation = app.reserve(&admin, &album, "later.jpg", sample_photo().len(), "image/jpeg").await;
    assert!(app.put_presigned(&reservation, &sample_photo()).await.status().is_success());
    let pending: MediaId = reservation["id"].as_str().expect("id").parse().expect("id");

    // What a thumbnailer killed during a purge leaves, an original a restored database forgot,
    // and an object someone else put in the bucket.
    let purged_media = MediaId::new(42);
    let orphan_derivatives = [ObjectKind::Thumbnail, ObjectKind::Preview].map(|kind| kind.key(owner, purged_media, ""));
    let forgotten_original = ObjectKind::Original.key(owner, MediaId::new(43), "image/jpeg");
    let foreign = "notes/readme.txt".to_owned();
    for key in orphan_derivatives.iter().chain([&forgotten_original, &foreign]) {
        app.services.storage.put(key, b"left over".to_vec(), "image/jpeg", ObjectKind::Preview).await.expect("put");
    }
    let exists = |key: String| {
        let storage = app.services.storage.clone();
        async move {
            match storage.head(&key).await {
                Ok(_) => true,
                Err(err) if err.is_not_found() => false,
                Err(err) => panic!("head {key}: {err}"),
            }
        }
    };

    // As `picup-worker run audit-storage` runs it: with its hour of grace.
    let scheduled = Job::from_name("audit-storage").expect("a job of that name");
    assert_eq!(scheduled.run(&app.services).await.expect("audit"), 0, "all younger than an hour");
    assert!(exists(orphan_derivatives[0].clone()).await);

    assert_eq!(jobs::audit_storage(&app.services, 0).await.expect("audit"), 2);
    for key in &orphan_derivatives {
        assert!(!exists(key.clone()).await, "{key} deleted");
    }
    assert!(exists(forgotten_original.clone()).await, "an original is never deleted on a guess");
    assert_eq!(app.services.metrics.orphan_originals.get(), 1, "it is reported instead");
    assert!(exists(foreign).await, "what picup did not name is left alone");
    for key in photo.object_keys() {
        assert!(exists(key.to_owned()).await, "{key} of a live photo kept");
    }
    assert!(exists(ObjectKind::Original.key(owner, pending, "image/jpeg")).await, "an upload in progress kept");
    assert_eq!(app.complete(&admin, &reservation, None).await.0, StatusCode::CREATED, "and it still completes");
    app.stop().await;
}
