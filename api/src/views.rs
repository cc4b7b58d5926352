//! The JSON shapes clients see. Ids are strings; times are RFC 3339 in UTC.

use std::time::{Duration, UNIX_EPOCH};

use picup_common::db::{Album, Comment, FeedItem, Media, MediaKind, MediaStatus, Person, Role, User};
use picup_common::id::{AlbumId, CommentId, MediaId, UserId};
use picup_common::storage::{ObjectKind, StorageError};
use picup_common::view_urls::ViewUrls;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Serialize)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub quota_bytes: i64,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
    /// False for someone who joined through an OpenID provider and has not chosen a password.
    pub has_password: bool,
    /// Simple mode (#20): bigger text and buttons, no deleting or renaming.
    pub simple_mode: bool,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            is_admin: user.is_admin(),
            quota_bytes: user.quota_bytes,
            used_bytes: user.used_bytes,
            reserved_bytes: user.reserved_bytes,
            has_password: user.password_set,
            simple_mode: user.simple_mode,
        }
    }
}

#[derive(Serialize)]
pub struct AlbumView {
    pub id: AlbumId,
    pub title: String,
    pub owner_id: UserId,
    /// The caller's role: owner, contributor or viewer.
    pub role: Role,
    pub media_count: i64,
    /// The people who share it, its owner included.
    pub member_count: i64,
    pub owner_name: String,
    pub cover_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl AlbumView {
    pub async fn new(state: &AppState, album: &Album) -> ApiResult<Self> {
        let cover_url = match &album.cover_key {
            Some(key) => Some(view_url(state, key, ObjectKind::Thumbnail).await?),
            None => None,
        };
        Ok(AlbumView {
            id: album.id,
            title: album.title.clone(),
            owner_id: album.owner_id,
            role: album.role,
            media_count: album.media_count,
            member_count: album.member_count,
            owner_name: album.owner_name.clone(),
            cover_url,
            created_at: rfc3339(album.created_at),
            updated_at: rfc3339(album.updated_at),
        })
    }
}

#[derive(Serialize)]
pub struct MediaUrls {
    pub original: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub playable: Option<String>,
}

/// A media item as someone sees it: what its row says, with its counts and their like.
#[derive(Serialize)]
pub struct MediaView {
    #[serde(flatten)]
    pub stored: StoredMediaView,
    pub like_count: i64,
    pub comment_count: i64,
    /// Whether the person asking liked it.
    pub liked: bool,
}

/// What a media item's row says of it that the album's grid shows, besides its thumbnail: the same
/// in an album's page (a tile) and whole. Changes only when its row does (`updated_at`).
#[derive(Serialize)]
pub struct MediaFields {
    pub id: MediaId,
    pub album_id: AlbumId,
    pub owner_id: UserId,
    pub kind: MediaKind,
    pub status: MediaStatus,
    pub filename: String,
    pub size_bytes: i64,
    pub taken_at: String,
    /// False when `taken_at` is only when it was uploaded: the file gave no date (or it is
    /// still being read).
    pub taken_at_known: bool,
    /// As displayed: after the file's own orientation and a member's turn.
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// How many quarter turns clockwise a member turned it (0 to 3). The thumbnail and preview
    /// are made turned; a video itself is not, so players turn it by this.
    pub quarter_turns: u8,
    pub duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// Why it failed, for programs: `checksum_mismatch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// A tiny placeholder (base64 ThumbHash) to show while the thumbnail loads.
    pub thumbhash: Option<String>,
}

/// What a media item's row says of it that only its own page shows.
#[derive(Serialize)]
pub struct MediaDetails {
    pub content_type: String,
    pub camera: Option<Camera>,
    pub location: Option<Location>,
    /// The SHA-256 of the stored original (hex), once the thumbnailer has read it.
    pub sha256: Option<String>,
}

/// A media item whole, with every URL: its own page, uploads, search, memories and the trash.
#[derive(Serialize)]
pub struct StoredMediaView {
    #[serde(flatten)]
    pub fields: MediaFields,
    #[serde(flatten)]
    pub details: MediaDetails,
    pub urls: MediaUrls,
    /// A Live Photo or motion photo: the video its still plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<Live>,
}

/// A media item as an album's page lists it (#19): what the grid shows, so of its URLs only the
/// thumbnail's, and no details. A page is 50 to 200 of them, nearly all never opened; the
/// preview's, original's and motion's URLs were half its bytes, and a SHA-256 is 64 characters
/// that no compression shrinks. The viewer asks `GET /media/{id}` for the one it opens.
#[derive(Serialize)]
pub struct StoredMediaTile {
    #[serde(flatten)]
    pub fields: MediaFields,
    pub urls: TileUrls,
    /// A Live Photo or motion photo (its video's URL comes with the whole item).
    pub live: bool,
}

#[derive(Serialize)]
pub struct TileUrls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
}

#[derive(Serialize)]
pub struct Live {
    pub video_url: String,
}

#[derive(Serialize)]
pub struct Camera {
    pub make: Option<String>,
    pub model: Option<String>,
}

#[derive(Serialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
}

impl MediaFields {
    fn new(media: &Media) -> Self {
        MediaFields {
            id: media.id,
            album_id: media.album_id,
            owner_id: media.owner_id,
            kind: media.kind,
            status: media.status,
            filename: media.filename.clone(),
            size_bytes: media.size_bytes,
            taken_at: rfc3339(media.taken_at),
            taken_at_known: media.taken_at_known,
            width: media.width,
            height: media.height,
            quarter_turns: media.quarter_turns.get(),
            duration_ms: media.duration_ms,
            failure_reason: media.failure_reason.clone(),
            failure_code: media.failure_code.clone(),
            deleted_at: media.deleted_at.map(rfc3339),
            thumbhash: media.thumbhash.clone(),
        }
    }
}

impl MediaDetails {
    fn new(media: &Media) -> Self {
        MediaDetails {
            content_type: media.content_type.clone(),
            camera: (media.camera_make.is_some() || media.camera_model.is_some())
                .then(|| Camera { make: media.camera_make.clone(), model: media.camera_model.clone() }),
            location: media.latitude.zip(media.longitude).map(|(latitude, longitude)| Location { latitude, longitude }),
            sha256: media.sha256.clone(),
        }
    }
}

/// The URL of an object the item may not have yet (a thumbnail still being made).
async fn optional_url(urls: &ViewUrls, key: Option<&str>, kind: ObjectKind) -> Result<Option<String>, StorageError> {
    match key {
        Some(key) => urls.url(key, kind).await.map(Some),
        None => Ok(None),
    }
}

impl StoredMediaView {
    pub async fn new(urls: &ViewUrls, media: &Media) -> Result<Self, StorageError> {
        let media_urls = MediaUrls {
            original: urls.url(&media.object_key, ObjectKind::Original).await?,
            preview: optional_url(urls, media.preview_key.as_deref(), ObjectKind::Preview).await?,
            thumbnail: optional_url(urls, media.thumbnail_key.as_deref(), ObjectKind::Thumbnail).await?,
            playable: optional_url(urls, media.playable_key.as_deref(), ObjectKind::Playable).await?,
        };
        let live = optional_url(urls, media.motion_key.as_deref(), ObjectKind::Motion)
            .await?
            .map(|video_url| Live { video_url });
        Ok(StoredMediaView {
            fields: MediaFields::new(media),
            details: MediaDetails::new(media),
            urls: media_urls,
            live,
        })
    }
}

impl StoredMediaTile {
    pub async fn new(urls: &ViewUrls, media: &Media) -> Result<Self, StorageError> {
        let thumbnail = optional_url(urls, media.thumbnail_key.as_deref(), ObjectKind::Thumbnail).await?;
        Ok(StoredMediaTile {
            fields: MediaFields::new(media),
            urls: TileUrls { thumbnail },
            live: media.motion_key.is_some(),
        })
    }

    /// Its JSON object without the closing brace, for a page to close with the counts and the
    /// viewer's like (as `MediaView` has them).
    pub fn open_json(&self) -> String {
        // Writing plain data to a String cannot fail.
        let mut json = serde_json::to_string(self).unwrap_or_default();
        json.pop();
        json
    }
}

impl MediaView {
    async fn new(state: &AppState, media: &Media, liked: bool) -> ApiResult<Self> {
        Ok(MediaView {
            stored: StoredMediaView::new(&state.services.view_urls, media).await?,
            like_count: media.like_count,
            comment_count: media.comment_count,
            liked,
        })
    }

    /// Media as `viewer_id` sees them: with whether they liked each.
    pub async fn for_viewer(state: &AppState, media: &[Media], viewer_id: UserId) -> ApiResult<Vec<Self>> {
        let ids: Vec<MediaId> = media.iter().map(|m| m.id).collect();
        let liked = state.services.db.liked_by(&ids, viewer_id).await?;
        futures::future::try_join_all(media.iter().map(|m| MediaView::new(state, m, liked.contains(&m.id)))).await
    }

    /// One media item as `viewer_id` sees it.
    pub async fn one(state: &AppState, media: &Media, viewer_id: UserId) -> ApiResult<Self> {
        let mut views = Self::for_viewer(state, std::slice::from_ref(media), viewer_id).await?;
        views.pop().ok_or(ApiError::NotFound)
    }
}

/// A page of a list: `next_cursor` is absent on the last page.
#[derive(Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

async fn view_url(state: &AppState, key: &str, kind: ObjectKind) -> ApiResult<String> {
    Ok(state.services.view_urls.url(key, kind).await?)
}

pub fn rfc3339(ms: i64) -> String {
    let time = if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_millis(ms.unsigned_abs())).unwrap_or(UNIX_EPOCH)
    };
    humantime::format_rfc3339_millis(time).to_string()
}

pub use picup_common::civil_from_days;

/// A UTC time as clients send it (`2026-12-31T18:00:00Z`, what `Date.toISOString` writes), in
/// epoch milliseconds; None when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let time = humantime::parse_rfc3339(text.trim()).ok()?;
    i64::try_from(time.duration_since(UNIX_EPOCH).ok()?.as_millis()).ok()
}

#[derive(Serialize)]
pub struct PersonView {
    pub id: UserId,
    pub display_name: String,
    /// When they liked it, or when they were followed.
    pub at: String,
}

impl From<&Person> for PersonView {
    fn from(person: &Person) -> Self {
        PersonView { id: person.id, display_name: person.display_name.clone(), at: rfc3339(person.at) }
    }
}

/// A comment: plain text, which the web album always shows as text (never as HTML).
#[derive(Serialize)]
pub struct CommentView {
    pub id: CommentId,
    pub media_id: MediaId,
    pub author_id: UserId,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
    pub edited_at: Option<String>,
}

impl From<&Comment> for CommentView {
    fn from(comment: &Comment) -> Self {
        CommentView {
            id: comment.id,
            media_id: comment.media_id,
            author_id: comment.author_id,
            author_name: comment.author_name.clone(),
            body: comment.body.clone(),
            created_at: rfc3339(comment.created_at),
            edited_at: comment.edited_at.map(rfc3339),
        }
    }
}

#[derive(Serialize)]
pub struct FeedItemView {
    #[serde(with = "picup_common::id_string")]
    pub id: i64,
    /// `photos_added`, `like`, `comment`, `member_joined` or `on_this_day` (the person's own
    /// memories: `count` photos from `years`, its photo the newest).
    pub kind: String,
    pub actor_id: UserId,
    pub actor_name: String,
    pub album_id: AlbumId,
    pub album_title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_id: Option<MediaId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub thumbnail_url: Option<String>,
    /// How many photos a `photos_added` item stands for.
    pub count: i64,
    pub unread: bool,
    pub at: String,
    /// `on_this_day`: the day it is for (`YYYY-MM-DD`, for `/memories?on=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// `on_this_day`: the years of its photos, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub years: Option<Vec<i64>>,
}

impl FeedItemView {
    pub async fn many(state: &AppState, items: &[FeedItem]) -> ApiResult<Vec<Self>> {
        futures::future::try_join_all(items.iter().map(|item| async move {
            let thumbnail_url = match &item.thumbnail_key {
                Some(key) => Some(view_url(state, key, ObjectKind::Thumbnail).await?),
                None => None,
            };
            Ok(FeedItemView {
                id: item.id,
                kind: item.kind.clone(),
                actor_id: item.actor_id,
                actor_name: item.actor_name.clone(),
                album_id: item.album_id,
                album_title: item.album_title.clone(),
                media_id: item.media_id,
                comment: item.comment_body.clone(),
                thumbnail_url,
                count: item.item_count,
                unread: item.notify && item.read_at.is_none(),
                at: rfc3339(item.updated_at),
                day: item.day.clone(),
                years: item.years.as_deref().map(|years| years.split(',').filter_map(|y| y.parse().ok()).collect()),
            })
        }))
        .await
    }
}
