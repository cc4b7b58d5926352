//! Media in processing: the use case both the worker's redrive job and a standalone api starting
//! up run, so a photo whose `media.uploaded` was lost still gets its thumbnails; and turning a
//! photo, which sends it back to the thumbnailer the way an upload does.

use anyhow::Context;

use crate::db::{DbError, Media, MediaStatus, QuarterTurns};
use crate::events::Event;
use crate::id::{MediaId, UserId};
use crate::now_ms;
use crate::services::Services;

/// Which way a member turns a photo or video, a quarter turn at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Clockwise,
    Counterclockwise,
}

impl Direction {
    /// As quarter turns clockwise: three of them are one counterclockwise.
    pub fn turns(self) -> QuarterTurns {
        match self {
            Direction::Clockwise => QuarterTurns::from(1),
            Direction::Counterclockwise => QuarterTurns::from(3),
        }
    }
}

/// Why a turn was refused. The message is what the person reads.
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("{NOT_AN_EDITOR}")]
    NotAllowed,
    #[error("this item is in the trash; restore it to turn it")]
    InTrash,
    #[error("this item is still being prepared; turn it again when it is ready")]
    Processing,
    #[error("picup could not read this file, so there is no picture to turn")]
    Failed,
    #[error(transparent)]
    Db(#[from] DbError),
}

pub const NOT_AN_EDITOR: &str = "you can look at this album but not change it; ask its owner to make you a contributor";

/// Turns a ready photo or video a quarter turn for whoever may change the album's media: the
/// turn is kept as the media's, the thumbnail and preview are made again with it (the original
/// is never touched), and until then the media is processing. One turn at a time: a turn asked
/// while the previous one is being made is refused (409), so one item never has two renders
/// racing for its derivatives.
pub async fn rotate(
    services: &Services,
    user_id: UserId,
    media_id: MediaId,
    direction: Direction,
) -> Result<Media, RotateError> {
    let (media, access) = services.db.media_for_user(media_id, user_id).await?;
    if !access.may_edit() {
        return Err(RotateError::NotAllowed);
    }
    if media.deleted_at.is_some() {
        return Err(RotateError::InTrash);
    }
    match media.status {
        MediaStatus::Ready => {}
        MediaStatus::Processing => return Err(RotateError::Processing),
        MediaStatus::Failed => return Err(RotateError::Failed),
    }
    let turned = match services.db.turn_media(media_id, direction.turns()).await {
        // Someone else's turn (or a delete) came first.
        Err(DbError::Conflict) => return Err(RotateError::Processing),
        other => other?,
    };
    crate::uploads::publish_uploaded(services, media_id).await;
    tracing::info!(%media_id, %user_id, degrees = turned.quarter_turns.degrees(), "media turned");
    Ok(turned)
}

/// Re-sends `media.uploaded` for media in processing untouched for `stuck_after_ms`, `batch` at a
/// time; each is touched so it waits that long again before it is re-sent. Returns how many.
pub async fn redrive(services: &Services, stuck_after_ms: i64, batch: i64) -> anyhow::Result<u64> {
    let mut redriven = 0;
    // Fixed once: the touched rows must not match again within this run.
    let cutoff = now_ms() - stuck_after_ms;
    loop {
        let stuck = services.db.stuck_media(cutoff, batch).await?;
        if stuck.is_empty() {
            return Ok(redriven);
        }
        for &media_id in &stuck {
            services.events.publish(&Event::MediaUploaded { media_id }).await.context("broker unavailable")?;
        }
        services.db.touch_media(&stuck).await?;
        redriven += stuck.len() as u64;
    }
}
