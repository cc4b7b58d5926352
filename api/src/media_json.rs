//! An album's page, written from items already written (#19 goal 2). Most of a media item's
//! JSON (names, sizes, camera, place and its signed URLs) changes only when its row does, which
//! moves `updated_at`, or when the URLs' signing window turns; yet every page request fetched
//! every column, signed or looked up 150 URLs and wrote them again. The page query now returns
//! only what changes without `updated_at` (the counts of likes and comments, and whether the
//! viewer liked it); each item's other fields are written once per change and window, kept
//! here, and copied into the page. A page lists tiles (`StoredMediaTile`): what the grid shows,
//! with the thumbnail's URL alone.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use picup_common::db::PageRow;
use picup_common::id::MediaId;
use picup_common::services::Services;
use picup_common::storage::StorageError;

use crate::error::ApiResult;
use crate::views::StoredMediaTile;

#[derive(Default)]
pub struct MediaJsonCache {
    entries: Mutex<HashMap<MediaId, Written>>,
}

/// One item's JSON without the fields a page row brings, nor the closing brace.
struct Written {
    updated_at: i64,
    window: u64,
    json: Arc<str>,
}

impl MediaJsonCache {
    /// About 700 bytes each: the items of the pages being looked at. Past it, those of earlier
    /// windows go, then all (the next pages write them again).
    const MAX_ENTRIES: usize = 10_000;

    /// A page's JSON body, `{"items": [...], "next_cursor": ...}`: each item a tile with its
    /// counts and the viewer's like, as `MediaView` has them. The rows' access was checked by the
    /// query that gave them; an item purged since is left out.
    pub async fn page(&self, services: &Services, rows: &[PageRow], next_cursor: Option<&str>) -> ApiResult<Vec<u8>> {
        let window = services.view_urls.window();
        let mut written = self.written(rows, window);
        let missing: Vec<MediaId> =
            rows.iter().zip(&written).filter(|(_, json)| json.is_none()).map(|(row, _)| row.id).collect();
        if !missing.is_empty() {
            let media = services.db.media_with_ids(&missing).await?;
            // Signed together: a CDN's URLs may each ask Redis.
            let fresh = futures::future::try_join_all(media.iter().map(|media| async move {
                let json = Arc::<str>::from(StoredMediaTile::new(&services.view_urls, media).await?.open_json());
                self.remember(media.id, Written { updated_at: media.updated_at, window, json: json.clone() });
                Ok::<_, StorageError>((media.id, json))
            }))
            .await?;
            let mut fresh: HashMap<MediaId, Arc<str>> = fresh.into_iter().collect();
            for (row, json) in rows.iter().zip(&mut written) {
                if json.is_none() {
                    *json = fresh.remove(&row.id);
                }
            }
        }
        let items: Vec<(&PageRow, Arc<str>)> =
            rows.iter().zip(written).filter_map(|(row, json)| Some((row, json?))).collect();
        Ok(page_body(&items, next_cursor))
    }

    /// Each row's remembered JSON, when it was written from the same row in this window.
    fn written(&self, rows: &[PageRow], window: u64) -> Vec<Option<Arc<str>>> {
        let entries = self.lock();
        rows.iter()
            .map(|row| {
                entries
                    .get(&row.id)
                    .filter(|written| written.updated_at == row.updated_at && written.window == window)
                    .map(|written| written.json.clone())
            })
            .collect()
    }

    fn remember(&self, id: MediaId, written: Written) {
        let mut entries = self.lock();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, kept| kept.window == written.window);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(id, written);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<MediaId, Written>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `{"items":[...],"next_cursor":...}`, each item its written JSON closed by the row's fields.
fn page_body(items: &[(&PageRow, Arc<str>)], next_cursor: Option<&str>) -> Vec<u8> {
    // Sized once: a body held while a slow phone reads it is held at its capacity, and 256 of
    // them grown by doubling took the api past 50 MB (#19 goal 4).
    let closing = r#","like_count":,"comment_count":,"liked":false},"#.len() + 2 * 20;
    let capacity = items.iter().map(|(_, json)| json.len() + closing).sum::<usize>() + 64;
    let mut body = String::with_capacity(capacity);
    body.push_str(r#"{"items":["#);
    for (index, (row, json)) in items.iter().enumerate() {
        if index > 0 {
            body.push(',');
        }
        body.push_str(json);
        // Writing to a String cannot fail.
        let _ = write!(
            body,
            r#","like_count":{},"comment_count":{},"liked":{}}}"#,
            row.like_count, row.comment_count, row.liked
        );
    }
    body.push_str(r#"],"next_cursor":"#);
    // A cursor is digits and a dot; serde_json writes it quoted and escaped all the same.
    body.push_str(&serde_json::to_string(&next_cursor).unwrap_or_else(|_| "null".to_owned()));
    body.push('}');
    body.into_bytes()
}
