//! Share links (#20): the album's owner makes a link that opens the album, read-only, for
//! relatives without an account: its ready photos and videos and nothing else, optionally behind
//! a password (asked once per browser) and until a date.

use std::time::Duration;

use picup_common::db::{Media, NewShareLink, ShareLink, User};
use picup_common::id::{AlbumId, ShareLinkId};
use picup_common::now_ms;

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::sign_in::not_slowed_down_until;
use crate::state::AppState;

/// How long a browser that gave a link's password may come back without it.
pub const GRANT_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

pub struct NewLink {
    pub expires_at: Option<i64>,
    pub password: Option<String>,
    pub allow_download: bool,
}

/// A link just made: the only time its token is seen.
pub struct MadeLink {
    pub id: ShareLinkId,
    pub url: String,
}

/// The album's owner makes a link (only they share the album).
pub async fn make_link(state: &AppState, owner: &User, album_id: AlbumId, new: NewLink) -> ApiResult<MadeLink> {
    let db = &state.services.db;
    if !db.album_access(album_id, owner.id).await?.role.can_manage() {
        return Err(ApiError::Forbidden("only the album's owner can share it with a link"));
    }
    if new.expires_at.is_some_and(|end| end <= now_ms()) {
        return Err(ApiError::field("expires_at", "please choose a time in the future"));
    }
    let password_hash = match new.password.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(password) if !(4..=256).contains(&password.chars().count()) => {
            return Err(ApiError::field("password", "please use 4 to 256 characters"));
        }
        Some(password) => Some(state.passwords.hash(password.to_owned()).await?),
        None => None,
    };
    let token = auth::new_token();
    let id = db
        .create_share_link(&NewShareLink {
            album_id,
            token_hash: &auth::hash_token(&token),
            created_by: owner.id,
            expires_at: new.expires_at,
            password_hash: password_hash.as_deref(),
            allow_download: new.allow_download,
        })
        .await?;
    tracing::info!(user_id = %owner.id, %album_id, link_id = %id, "share link made");
    Ok(MadeLink { id, url: format!("{}/s/{token}", state.config().public_url) })
}

/// The album's links, for its owner.
pub async fn links_of(state: &AppState, owner: &User, album_id: AlbumId) -> ApiResult<Vec<ShareLink>> {
    let db = &state.services.db;
    if !db.album_access(album_id, owner.id).await?.role.can_manage() {
        return Err(ApiError::Forbidden("only the album's owner can see its links"));
    }
    Ok(db.share_links_of(album_id).await?)
}

/// The album's owner revokes a link: it answers "gone" from now on.
pub async fn revoke(state: &AppState, owner: &User, id: ShareLinkId) -> ApiResult<()> {
    let db = &state.services.db;
    let link = db.share_link(id).await?;
    // Someone who may not see the album learns nothing of its links.
    let access = db.album_access(link.album_id, owner.id).await?;
    if !access.role.can_manage() {
        return Err(ApiError::Forbidden("only the album's owner can stop its links"));
    }
    db.revoke_share_link(id).await?;
    tracing::info!(user_id = %owner.id, link_id = %id, "share link revoked");
    Ok(())
}

/// The link a token names, if it still opens: 404 for no link, 410 for one revoked or past its
/// end, 401 `password_required` when it has a password and the browser's grant for it
/// (`grant_of(link id)`, its cookie) is not one that opened it.
pub async fn open(
    state: &AppState,
    token: &str,
    grant_of: impl Fn(ShareLinkId) -> Option<String>,
) -> ApiResult<ShareLink> {
    let link = find(state, token).await?;
    if link.password_hash.is_some() {
        let granted = match grant_of(link.id) {
            Some(grant) => state.services.db.share_access_granted(&auth::hash_token(&grant), link.id).await?,
            None => false,
        };
        if !granted {
            return Err(ApiError::PasswordRequired);
        }
    }
    Ok(link)
}

async fn find(state: &AppState, token: &str) -> ApiResult<ShareLink> {
    let link = state.services.db.share_link_by_token(&auth::hash_token(token)).await?;
    if link.is_gone(now_ms()) {
        return Err(ApiError::Gone("this link has been stopped or has expired; please ask the family for a new one"));
    }
    Ok(link)
}

/// The link's password, given: a grant for this browser (the cookie's value), or refused and,
/// after a few wrong ones, slowed down.
pub async fn unlock(state: &AppState, token: &str, password: String) -> ApiResult<(ShareLinkId, String)> {
    let link = find(state, token).await?;
    let Some(stored) = link.password_hash.clone() else {
        return Err(ApiError::field("password", "this link has no password"));
    };
    not_slowed_down_until(link.blocked_until)?;
    let db = &state.services.db;
    if !state.passwords.verify(password, Some(stored)).await? {
        db.record_wrong_share_password(link.id).await?;
        return Err(ApiError::WrongPassword);
    }
    let grant = auth::new_token();
    let expires_at = now_ms() + i64::try_from(GRANT_TTL.as_millis()).unwrap_or(i64::MAX / 2);
    db.grant_share_access(&auth::hash_token(&grant), link.id, expires_at).await?;
    Ok((link.id, grant))
}

/// A page of what the link shows.
pub async fn page(
    state: &AppState,
    link: &ShareLink,
    after: Option<picup_common::db::MediaCursor>,
    limit: i64,
) -> ApiResult<Vec<Media>> {
    Ok(state.services.db.shared_page(link.album_id, after, limit).await?)
}
