//! `job-bench [ROWS]`: how long each worker job takes for ROWS rows (10 000 by default) on
//! embedded defaults (SQLite and the embedded S3 endpoint) in a temporary folder.

use std::sync::Arc;
use std::time::Instant;

use picup_common::cdn::{InvalidateError, Invalidator};
use picup_common::config::Config;
use picup_common::config::ExposeSecret;
use picup_common::db::{MediaKind, MetadataHints, NewMedia, NewUpload, NewUser};
use picup_common::events::EventBus;
use picup_common::id::{AlbumId, MediaId, UserId};
use picup_common::services::Services;
use picup_common::storage::ObjectKind;
use picup_worker::jobs::Job;
use tokio_util::sync::CancellationToken;

struct NoopInvalidator;

#[async_trait::async_trait]
impl Invalidator for NoopInvalidator {
    async fn invalidate(&self, _paths: &[String]) -> Result<(), InvalidateError> {
        Ok(())
    }
}

async fn upload(
    services: &Services,
    user_id: UserId,
    album_id: AlbumId,
    expires_at: i64,
) -> anyhow::Result<picup_common::db::Upload> {
    let id = MediaId::new(services.db.next_id());
    let key = ObjectKind::Original.key(user_id, id, "image/jpeg");
    Ok(services
        .db
        .reserve_upload(&NewUpload {
            id,
            user_id,
            album_id,
            filename: "bench.jpg",
            content_type: "image/jpeg",
            size_bytes: 1000,
            object_key: &key,
            multipart_upload_id: None,
            part_size: None,
            expires_at,
            declared_sha256: None,
        })
        .await?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let folder = tempfile::tempdir()?;
    let data = folder.path().display().to_string();
    let config = Config::from_lookup(|name| match name {
        "PICUP_DATA_DIR" => Some(data.clone()),
        "PICUP_EMBEDDED_S3_ADDR" => Some("127.0.0.1:0".into()),
        _ => None,
    })?;
    let shutdown = CancellationToken::new();
    let (mut services, _events) = Services::connect(config, shutdown.clone()).await?;
    services.db.migrate().await?;
    let (bus, mut receiver) = EventBus::local();
    services.events = bus;
    tokio::spawn(async move { while receiver.recv().await.is_some() {} });

    let mut tx = services.db.begin().await?;
    let user = services
        .db
        .create_user(
            &mut tx,
            &NewUser {
                email: "bench@family.test",
                display_name: "Bench",
                password_hash: "x",
                password_set: true,
                quota_bytes: i64::MAX / 4,
            },
        )
        .await?;
    tx.commit().await?;
    let album = services.db.create_album(user.id, "Bench").await?.album.id;

    let started = Instant::now();
    let mut media_ids = Vec::with_capacity(rows);
    for _ in 0..rows {
        let reservation = upload(&services, user.id, album, i64::MAX / 2).await?;
        services.storage.put(&reservation.object_key, vec![7; 1000], "image/jpeg", ObjectKind::Original).await?;
        let media = NewMedia {
            id: reservation.id,
            album_id: album,
            owner_id: user.id,
            kind: MediaKind::Photo,
            filename: "bench.jpg",
            content_type: "image/jpeg",
            size_bytes: 1000,
            object_key: &reservation.object_key,
            taken_at: 0,
            declared_sha256: None,
            hints: &MetadataHints::default(),
        };
        services.db.complete_upload(&reservation, &media).await?;
        media_ids.push(reservation.id);
    }
    for _ in 0..rows {
        upload(&services, user.id, album, 0).await?;
    }
    eprintln!(
        "seeded {rows} media (objects and outbox rows) and {rows} expired reservations in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let pool = sqlx::AnyPool::connect(services.config.database_url.expose_secret()).await?;
    let mut report = String::from("job                  rows    seconds\n");
    let mut time = async |job: Job, services: &Services| -> anyhow::Result<()> {
        let started = Instant::now();
        let done = job.run(services).await?;
        report.push_str(&format!("{:<20} {done:>6} {:>10.2}\n", job.name(), started.elapsed().as_secs_f64()));
        Ok(())
    };
    time(Job::RelayOutbox, &services).await?;
    sqlx::query("UPDATE media SET updated_at = 0").execute(&pool).await?;
    time(Job::RedriveProcessing, &services).await?;
    time(Job::ReconcileQuota, &services).await?;
    time(Job::SweepUploads, &services).await?;
    sqlx::query("UPDATE media SET deleted_at = 1, purge_requested = 1").execute(&pool).await?;
    time(Job::PurgeTrash, &services).await?;
    for id in &media_ids {
        sqlx::query("INSERT INTO cdn_invalidations (path, created_at) VALUES ($1, 0)")
            .bind(format!("derivatives/{id}"))
            .execute(&pool)
            .await?;
    }
    services.invalidator = Some(Arc::new(NoopInvalidator));
    time(Job::InvalidateCdn, &services).await?;
    #[allow(clippy::print_stdout)]
    {
        print!("{report}");
    }
    shutdown.cancel();
    Ok(())
}
