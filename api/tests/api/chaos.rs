//! Processes killed with SIGKILL at random moments while families upload, delete and empty their
//! trash. The real binaries run: on embedded defaults the api (which also thumbnails, relays and
//! purges); on PostgreSQL + Redis the api, the thumbnailer and the worker, each killed on its own
//! clock. After a restart nothing is lost, nothing is left over, and the quota is exact.
//!
//! The kill times come from a seed printed by the test (`PICUP_CHAOS_SEED` replays one).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use picup_worker::jobs::Job;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backends, Dice, TestApp, sample_photo};
use crate::processes::{Process, Setting, start_processes, wait_until_up};

const ROUNDS: usize = 5;
const CLIENTS: usize = 3;

/// What the families were told and asked: uploads acknowledged as done, uploads begun and not
/// acknowledged, and media they asked to delete (a kill can lose the answer to a delete the
/// server did, and then another browser's "empty the trash" purges it).
#[derive(Default)]
struct Ledger {
    acknowledged: BTreeSet<String>,
    unfinished: BTreeSet<String>,
    delete_asked: BTreeSet<String>,
    delete_acknowledged: BTreeSet<String>,
}

/// One family member's browser: upload after upload, deleting every third and emptying the
/// trash, until the server goes away under it.
async fn family_member(base: String, token: String, album: String, photo: Arc<Vec<u8>>, ledger: Arc<Mutex<Ledger>>) {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    for round in 0u32.. {
        let reserved = http
            .post(format!("{base}/api/v1/albums/{album}/uploads"))
            .bearer_auth(&token)
            .json(
                &json!({ "filename": format!("chaos-{round}.jpg"), "size": photo.len(), "content_type": "image/jpeg" }),
            )
            .send()
            .await;
        let Ok(reserved) = reserved else { return };
        if reserved.status() != StatusCode::CREATED {
            return;
        }
        let Ok(reservation) = reserved.json::<Value>().await else { return };
        let upload_id = reservation["id"].as_str().expect("id").to_owned();
        ledger.lock().expect("ledger").unfinished.insert(upload_id.clone());
        let mut put = http.put(reservation["url"].as_str().expect("url")).body(photo.to_vec());
        for (name, value) in reservation["headers"].as_object().expect("headers") {
            put = put.header(name, value.as_str().expect("value"));
        }
        if !matches!(put.send().await, Ok(response) if response.status().is_success()) {
            return;
        }
        let completed = http
            .post(format!("{base}/api/v1/uploads/{upload_id}/complete"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send();
        let Ok(completed) = completed.await else { return };
        if !completed.status().is_success() {
            return;
        }
        let Ok(body) = completed.json::<Value>().await else { return };
        let media_id = body["media"]["id"].as_str().expect("media id").to_owned();
        {
            let mut ledger = ledger.lock().expect("ledger");
            ledger.unfinished.remove(&upload_id);
            ledger.acknowledged.insert(media_id.clone());
        }
        if round % 3 == 2 {
            ledger.lock().expect("ledger").delete_asked.insert(media_id.clone());
            let deleted = http.delete(format!("{base}/api/v1/media/{media_id}")).bearer_auth(&token).send().await;
            if !deleted.is_ok_and(|response| response.status().is_success()) {
                return;
            }
            ledger.lock().expect("ledger").delete_acknowledged.insert(media_id);
            if http.delete(format!("{base}/api/v1/trash")).bearer_auth(&token).send().await.is_err() {
                return;
            }
        }
    }
}

/// Every file the store holds under picup's prefixes, as object keys.
fn keys_in_store(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, keys: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, keys);
            } else if let Ok(key) = path.strip_prefix(root) {
                keys.insert(key.to_string_lossy().into_owned());
            }
        }
    }
    let mut keys = BTreeSet::new();
    for prefix in ["originals", "derivatives"] {
        walk(&root.join(prefix), root, &mut keys);
    }
    keys
}

/// The ids of every item of a list, following its pages.
async fn every_id(app: &TestApp, token: &str, path: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = app.get(&format!("{path}?limit=200{cursor}"), token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        ids.extend(page["items"].as_array().expect("items").iter().map(|m| m["id"].as_str().expect("id").to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn killed_at_random_moments_nothing_is_lost_nothing_is_left_and_the_quota_is_exact() {
    let seed = std::env::var("PICUP_CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos() as u64 | 1
    });
    eprintln!("chaos seed {seed} (PICUP_CHAOS_SEED={seed} replays it)");
    let mut dice = Dice(seed);

    let backends = Backends::fresh().await;
    // Uploads cut off by a kill expire quickly, so the test sees them swept. A kill
    // mid-thumbnail counts as an attempt (a crash caused by the file looks the same); here the
    // kills are not the photos' fault.
    let mut setting =
        Setting::new(&backends, &[("PICUP_RESERVATION_TTL_SECS", "3"), ("PICUP_MAX_ATTEMPTS", "20")]).await;
    // The worker runs every job every second, so kills land inside them too.
    for job in Job::ALL {
        let name = format!("PICUP_SCHEDULE_{}", job.name().replace('-', "_").to_uppercase());
        setting.vars.insert(name, "* * * * * *".into());
    }
    let (base, vars) = (setting.base.clone(), setting.vars.clone());

    // The family, made on a first run that is allowed to finish.
    let setup = TestApp::spawn_on(&backends, &[]).await;
    let admin = setup.admin().await;
    let album = setup.album(&admin, "Chaos").await;
    setup.stop().await;
    let photo = Arc::new(sample_photo());
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    for _ in 0..ROUNDS {
        let mut processes = start_processes(&vars, backends.data_dir.path());
        wait_until_up(&base, backends.data_dir.path()).await;
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                tokio::spawn(family_member(
                    base.clone(),
                    admin.token.clone(),
                    album.clone(),
                    photo.clone(),
                    ledger.clone(),
                ))
            })
            .collect();
        // Each process dies on its own clock, mid-upload, mid-thumbnail, mid-job.
        let mut deaths: Vec<(u64, Process)> =
            processes.drain(..).map(|process| (dice.between(500, 3000), process)).collect();
        deaths.sort_by_key(|(at, _)| *at);
        let mut elapsed = 0;
        for (at, mut process) in deaths {
            tokio::time::sleep(Duration::from_millis(at - elapsed)).await;
            elapsed = at;
            process.kill();
        }
        for client in clients {
            client.await.expect("client task");
        }
    }

    // The restart: picup comes back (in this process, to look inside), and browsers retry what
    // they had not been told was done.
    let app = TestApp::spawn_on(
        &backends,
        &[("PICUP_RESERVATION_TTL_SECS", "3"), ("PICUP_CLAIM_IDLE_SECS", "1"), ("PICUP_MAX_ATTEMPTS", "20")],
    )
    .await;
    let ledger = std::mem::take(&mut *ledger.lock().expect("ledger"));
    let mut acknowledged = ledger.acknowledged.clone();
    for upload_id in &ledger.unfinished {
        // A 503 is "try again": the killed api may have held this user's quota lock, which Redis
        // frees when its 10-second TTL runs out. Browsers retry after Retry-After.
        let (mut status, mut body) = (StatusCode::SERVICE_UNAVAILABLE, Value::Null);
        for _ in 0..40 {
            (status, body) = app.post(&format!("/uploads/{upload_id}/complete"), &admin.token, json!({})).await;
            if status != StatusCode::SERVICE_UNAVAILABLE {
                break;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        match status {
            StatusCode::OK | StatusCode::CREATED => {
                acknowledged.insert(body["media"]["id"].as_str().expect("media id").to_owned());
            }
            // Expired, or its bytes never arrived: a clear answer, and the sweep releases it.
            StatusCode::NOT_FOUND | StatusCode::CONFLICT => {
                assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
            }
            other => panic!("a retried complete after a crash answered {other}: {body}"),
        }
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    for job in [Job::SweepUploads, Job::RelayOutbox, Job::PurgeTrash] {
        job.run(&app.services).await.unwrap_or_else(|e| panic!("{}: {e:#}", job.name()));
    }

    // Nothing lost: every upload the family was told was done is there (or was deleted by them),
    // and every photo was processed.
    let settled = app.settle(&admin, &album).await;
    let listed = every_id(&app, &admin.token, &format!("/albums/{album}/media")).await;
    assert_eq!(listed.len(), settled.len(), "every page of the album settled");
    let trashed = every_id(&app, &admin.token, "/trash").await;
    let gone: Vec<&String> = acknowledged.iter().filter(|id| !listed.contains(*id) && !trashed.contains(*id)).collect();
    for media_id in &gone {
        assert!(
            ledger.delete_asked.contains(*media_id),
            "media {media_id} was acknowledged and then lost (seed {seed})"
        );
    }
    let unanswered_deletes = gone.iter().filter(|id| !ledger.delete_acknowledged.contains(**id)).count();
    assert!(settled.iter().all(|m| m["status"] == "ready"), "every photo processed (seed {seed}): {settled:?}");
    assert!(!acknowledged.is_empty(), "the families got uploads through between the kills");

    // Nothing left over, the quota exact: no reservation survives its expiry, the counters match
    // the rows, and the store holds exactly the objects the rows name.
    let me = app.me(&admin).await;
    assert_eq!(me["reserved_bytes"], 0, "seed {seed}");
    assert_eq!(Job::ReconcileQuota.run(&app.services).await.expect("audit"), 0, "no drift (seed {seed})");
    if trashed.is_empty() {
        assert_eq!(me["used_bytes"].as_i64(), Some(app.stored_bytes(&settled).await), "seed {seed}");
    }
    // A thumbnailer killed after storing a photo's derivatives, while that photo was being purged,
    // leaves them behind; the storage audit deletes them (every process is stopped, so no grace).
    let cleaned = picup_worker::jobs::audit_storage(&app.services, 0).await.expect("storage audit");
    let referenced: BTreeSet<String> =
        app.services.db.referenced_object_keys().await.expect("keys").into_iter().collect();
    let stored = keys_in_store(&backends.data_dir.path().join("objects").join(picup_common::embedded_s3::BUCKET));
    assert!(stored.len() >= 3 * listed.len(), "the store holds each photo's original, thumbnail and preview");
    let orphans: Vec<&String> = stored.difference(&referenced).collect();
    assert_eq!(orphans, Vec::<&String>::new(), "objects no row names (seed {seed})");
    assert_eq!(referenced.difference(&stored).collect::<Vec<_>>(), Vec::<&String>::new(), "objects lost (seed {seed})");
    eprintln!(
        "chaos: {ROUNDS} rounds, {} uploads acknowledged, {} retried after the kills, {} asked to be deleted \
         ({unanswered_deletes} done though a kill lost the answer), {cleaned} orphan derivatives deleted by the storage \
         audit",
        ledger.acknowledged.len(),
        ledger.unfinished.len(),
        ledger.delete_asked.len()
    );
    app.stop().await;
}
