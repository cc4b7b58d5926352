//! The jobs: relay the outbox, sweep expired uploads, purge the trash, re-drive stuck media,
//! audit the quota and the store, and announce the day's memories.

use anyhow::Context;
use picup_common::db::OnThisDay;
use picup_common::now_ms;
use picup_common::services::Services;
use picup_common::storage::ObjectKind;

const BATCH: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    RelayOutbox,
    SweepUploads,
    PurgeTrash,
    InvalidateCdn,
    ReconcileQuota,
    RedriveProcessing,
    FanOutActivity,
    AuditStorage,
    AnnounceMemories,
}

impl Job {
    pub const ALL: [Job; 9] = [
        Job::RelayOutbox,
        Job::SweepUploads,
        Job::PurgeTrash,
        Job::InvalidateCdn,
        Job::ReconcileQuota,
        Job::RedriveProcessing,
        Job::FanOutActivity,
        Job::AuditStorage,
        Job::AnnounceMemories,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Job::RelayOutbox => "relay-outbox",
            Job::SweepUploads => "sweep-uploads",
            Job::PurgeTrash => "purge-trash",
            Job::InvalidateCdn => "invalidate-cdn",
            Job::ReconcileQuota => "reconcile-quota",
            Job::RedriveProcessing => "redrive-processing",
            Job::FanOutActivity => "fan-out-activity",
            Job::AuditStorage => "audit-storage",
            Job::AnnounceMemories => "announce-memories",
        }
    }

    pub fn from_name(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name)
    }

    /// Runs the job until there is nothing left to do; returns how many items it handled.
    pub async fn run(self, services: &Services) -> anyhow::Result<u64> {
        let started = std::time::Instant::now();
        let result = match self {
            Job::RelayOutbox => relay_outbox(services).await,
            Job::SweepUploads => sweep_uploads(services).await,
            Job::PurgeTrash => purge_trash(services).await,
            Job::InvalidateCdn => invalidate_cdn(services).await,
            Job::ReconcileQuota => reconcile_quota(services).await,
            Job::RedriveProcessing => Ok(picup_common::processing::redrive(services, STUCK_AFTER_MS, BATCH).await?),
            // The api fans out as activities happen; this catches what a stopped api left.
            Job::FanOutActivity => picup_common::activity::fan_out_pending(services).await,
            Job::AuditStorage => audit_storage(services, AUDIT_GRACE_MS).await,
            // Today in UTC: picup stores no one's time zone.
            Job::AnnounceMemories => picup_common::memories::announce(services, OnThisDay::at(now_ms(), 0)).await,
        };
        let (outcome, items) = match &result {
            Ok(done) => ("ok", *done),
            Err(_) => ("failed", 0),
        };
        services.metrics.observe_job(self.name(), outcome, items, started.elapsed());
        if self == Job::RelayOutbox
            && let Ok(backlog) = services.db.count_unpublished().await
        {
            services.metrics.outbox_backlog.set(backlog);
        }
        if items > 0 {
            tracing::info!(job = self.name(), items, "job done");
        }
        result
    }
}

/// Publishes unpublished outbox rows in order. At least once: a row is marked only after the
/// broker took it, so a crash in between publishes it again (consumers are idempotent).
pub async fn relay_outbox(services: &Services) -> anyhow::Result<u64> {
    let mut published = 0;
    loop {
        let rows = services.db.unpublished_events(BATCH).await?;
        if rows.is_empty() {
            return Ok(published);
        }
        for row in &rows {
            match row.event() {
                Some(event) => services.events.publish(&event).await.context("broker unavailable")?,
                None => tracing::error!(outbox_id = %row.id, topic = %row.topic, "unreadable outbox row skipped"),
            }
            services.db.mark_published(row.id).await?;
            published += 1;
        }
    }
}

/// Releases reservations whose upload never completed (see `picup_common::uploads`), and
/// forgets sessions and passkey ceremonies past their time (rows nobody can use any more).
pub async fn sweep_uploads(services: &Services) -> anyhow::Result<u64> {
    let released = picup_common::uploads::sweep_expired(services, BATCH).await?;
    services.db.delete_expired_sessions().await?;
    services.db.delete_expired_ceremonies().await?;
    Ok(released)
}

/// Deletes media whose trash time is over or whose trash was emptied: objects first, then the
/// row and the bytes in one transaction. A crash between the two leaves the row, and the next
/// run deletes the (already gone) objects again and then the row; the bytes come back once.
pub async fn purge_trash(services: &Services) -> anyhow::Result<u64> {
    let retention = i64::try_from(services.config.limits.trash_retention.as_millis()).unwrap_or(i64::MAX / 2);
    let mut purged = 0;
    loop {
        let batch = services.db.media_to_purge(now_ms() - retention, BATCH).await?;
        if batch.is_empty() {
            return Ok(purged);
        }
        for media in &batch {
            for key in media.purge_keys() {
                services.storage.delete(&key).await.with_context(|| format!("deleting {key}"))?;
            }
            if services.db.delete_purged_media(media, services.view_urls.uses_cdn()).await? {
                purged += 1;
            }
        }
    }
}

/// CloudFront takes at most 3000 paths per invalidation; batches stay well under.
const INVALIDATION_BATCH: i64 = 1000;
/// A claimed batch is someone else's for this long (longer than a CreateInvalidation call).
const INVALIDATION_LEASE_MS: i64 = 5 * 60 * 1000;

/// Sends queued paths to CloudFront in de-duplicated batches (the queue's key is the path). When
/// CloudFront says too many invalidations are in progress, the batch waits and is tried again.
pub async fn invalidate_cdn(services: &Services) -> anyhow::Result<u64> {
    let Some(invalidator) = &services.invalidator else {
        return Ok(0);
    };
    let mut sent = 0;
    loop {
        let paths = services.db.claim_invalidations(INVALIDATION_BATCH, INVALIDATION_LEASE_MS).await?;
        if paths.is_empty() {
            return Ok(sent);
        }
        match invalidator.invalidate(&paths).await {
            Ok(()) => {
                services.db.finish_invalidations(&paths).await?;
                sent += paths.len() as u64;
            }
            Err(err) => {
                let backoff_ms =
                    if matches!(err, picup_common::cdn::InvalidateError::Throttled) { 60_000 } else { 5 * 60_000 };
                services.db.postpone_invalidations(&paths, now_ms() + backoff_ms).await?;
                tracing::warn!(error = %err, paths = paths.len(), backoff_ms, "invalidation postponed");
                return Ok(sent);
            }
        }
    }
}

/// Recomputes every user's used and reserved bytes from the rows and reports drift; corrects it
/// when PICUP_RECONCILE_FIX is set. Returns how many users drifted.
pub async fn reconcile_quota(services: &Services) -> anyhow::Result<u64> {
    let mut drifted = 0;
    for audit in services.db.quota_audit().await?.into_iter().filter(|a| a.drifted()) {
        drifted += 1;
        tracing::warn!(
            user_id = %audit.user_id,
            used = audit.used_bytes,
            actual_used = audit.actual_used,
            reserved = audit.reserved_bytes,
            actual_reserved = audit.actual_reserved,
            fixed = services.config.reconcile_fix,
            "quota drift"
        );
        if services.config.reconcile_fix {
            // Under the user's lock, so no reservation or completion moves the counters meanwhile.
            let fix = async { anyhow::Ok(services.db.fix_quota(audit.user_id).await?) };
            services.under_user_lock(audit.user_id, "reconcile", fix).await?;
        }
    }
    Ok(drifted)
}

/// Media processing for longer than this have lost their event or their thumbnailer.
const STUCK_AFTER_MS: i64 = 15 * 60 * 1000;

/// The storage audit leaves objects younger than this alone: a margin for writes in flight.
const AUDIT_GRACE_MS: i64 = 60 * 60 * 1000;

/// Finds objects no media or upload row accounts for, older than `grace_ms`.
///
/// Derivatives are deleted: they can always be made again, and they are what a thumbnailer
/// killed after storing, while its photo was being purged, leaves behind. Originals are only
/// reported (logged, and counted in `picup_orphan_originals`): after a database restore they are
/// the family's photos uploaded since the restore point, and picup never deletes a photo on a
/// guess. Returns how many derivatives it deleted.
pub async fn audit_storage(services: &Services, grace_ms: i64) -> anyhow::Result<u64> {
    let cutoff = now_ms() - grace_ms;
    let orphan_originals = orphans(services, "originals/", cutoff).await?;
    for key in &orphan_originals {
        tracing::warn!(key = %key, "an original no row names is left in place; see the README on restoring");
    }
    services.metrics.orphan_originals.set(i64::try_from(orphan_originals.len()).unwrap_or(i64::MAX));
    let orphan_derivatives = orphans(services, "derivatives/", cutoff).await?;
    for key in &orphan_derivatives {
        services.storage.delete(key).await.with_context(|| format!("deleting {key}"))?;
        tracing::info!(key = %key, "orphan derivative deleted");
    }
    Ok(orphan_derivatives.len() as u64)
}

/// The keys under `prefix` last written before `cutoff` whose media or upload row is gone.
/// Collected before anything is deleted, so deleting cannot shift the listing's pages.
async fn orphans(services: &Services, prefix: &str, cutoff: i64) -> anyhow::Result<Vec<String>> {
    let mut orphans = Vec::new();
    let mut continuation = None;
    loop {
        let (objects, next) = services.storage.list_page(prefix, continuation).await?;
        let mut ids: Vec<_> = objects.iter().filter_map(|object| ObjectKind::media_id_of(&object.key)).collect();
        ids.dedup(); // a media's derivatives are listed together
        let live = services.db.live_object_ids(&ids).await?;
        for object in objects.into_iter().filter(|object| object.modified_ms <= cutoff) {
            match ObjectKind::media_id_of(&object.key) {
                Some(id) if live.contains(&id) => {}
                Some(_) => orphans.push(object.key),
                None => tracing::warn!(key = %object.key, "an object picup did not name is left alone"),
            }
        }
        match next {
            Some(token) => continuation = Some(token),
            None => return Ok(orphans),
        }
    }
}
