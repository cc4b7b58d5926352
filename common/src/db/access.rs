//! Who may see an album and what they may do with what is in it, written once.
//!
//! Every query that returns an album, or what is in one, filters with [`album_role`] or
//! [`may_see_album`]; the trash with [`may_remove_media`]; fan-out reaches [`album_people`]. Every use case decides with [`Role`]
//! and [`MediaAccess`]. `api/tests/api/access.rs` checks each query against one table of who
//! may see what. What a person in simple mode may not do is [`may_delete_or_rename`], asked by
//! [`MediaAccess::may_delete`] and [`AlbumAccess::may_rename_or_delete`].

use super::AlbumAccess;
use crate::id::UserId;

/// What a user may do with an album. Owners manage it, contributors add to it, viewers look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Contributor,
    Owner,
}

impl TryFrom<String> for Role {
    type Error = super::UnknownValue;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Role::parse(&value).ok_or(super::UnknownValue(value))
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Contributor => "contributor",
            Role::Owner => "owner",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "viewer" => Some(Role::Viewer),
            "contributor" => Some(Role::Contributor),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }

    pub fn can_upload(self) -> bool {
        self >= Role::Contributor
    }

    /// Rename, delete, share and invite to the album.
    pub fn can_manage(self) -> bool {
        self == Role::Owner
    }
}

/// The user's role in album `album` (an alias of `albums`), as SQL: 'owner', their member
/// role, or NULL when they may not see it (a stranger, or a deleted album). `user` is the SQL
/// of the user's id (a parameter).
pub(super) fn album_role(album: &str, user: &str) -> String {
    format!(
        "CASE WHEN {album}.deleted_at IS NOT NULL THEN NULL WHEN {album}.owner_id = {user} THEN 'owner' \
         ELSE (SELECT am.role FROM album_members am WHERE am.album_id = {album}.id AND am.user_id = {user}) END"
    )
}

/// The condition that the user may see album `album` (an alias of `albums`).
pub(super) fn may_see_album(album: &str, user: &str) -> String {
    format!("({}) IS NOT NULL", album_role(album, user))
}

/// The people of album `album` (the SQL of its id) as one `user_id` column: its owner and its
/// members, the same people `album_role` lets see it while it is not deleted. For fanning out
/// what happens in it; what they then read is filtered by `may_see_album` again.
pub(super) fn album_people(album: &str) -> String {
    format!(
        "SELECT user_id FROM album_members WHERE album_id = {album} \
         UNION SELECT owner_id AS user_id FROM albums WHERE id = {album}"
    )
}

/// The condition that the user may delete media `media` (an alias of `media`), restore it, and
/// see it in the trash: [`MediaAccess::may_remove`] in SQL.
pub(super) fn may_remove_media(media: &str, user: &str) -> String {
    format!(
        "({media}.owner_id = {user} OR EXISTS (SELECT 1 FROM albums ao WHERE ao.id = {media}.album_id \
         AND ao.owner_id = {user}))"
    )
}

/// Whether the user (the SQL of their id) is in simple mode, as a flag (0 or 1).
pub(super) fn simple_mode(user: &str) -> String {
    format!("COALESCE((SELECT su.simple_mode FROM users su WHERE su.id = {user}), 0)")
}

/// Why a change was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Their role, or who added the thing, does not allow it.
    NotAllowed,
    /// They are in simple mode: they only look.
    SimpleMode,
}

/// Deleting or renaming what the family keeps (photos, videos, albums; emptying the trash) is
/// refused to a person in simple mode (#20), whatever their role: they only look, and a stray tap
/// must not lose photos. Every such change asks this first.
pub fn may_delete_or_rename(simple_mode: bool) -> Result<(), Refusal> {
    if simple_mode { Err(Refusal::SimpleMode) } else { Ok(()) }
}

/// One user's standing toward one media item, whether it is in the trash or not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaAccess {
    pub user_id: UserId,
    /// Their role in the media's album while they may see the album (see [`album_role`]).
    pub role: Option<Role>,
    /// They own the album, deleted or not: an owner restores what they deleted with it.
    pub owns_album: bool,
    /// They are in simple mode (see [`may_delete_or_rename`]).
    pub simple_mode: bool,
}

impl MediaAccess {
    /// The person who added something (a photo, a comment), and the album's owner, may delete it;
    /// for a photo, also restore it and see it in the trash.
    pub fn may_remove(&self, added_by: UserId) -> bool {
        added_by == self.user_id || self.owns_album
    }

    /// Media out of the trash: whoever may see the album. In the trash: whoever may remove it.
    pub fn may_see(&self, added_by: UserId, trashed: bool) -> bool {
        if trashed { self.may_remove(added_by) } else { self.role.is_some() }
    }

    /// Changing how it is shown (turning it): whoever may add to the album, the album's owner and
    /// its contributors, whoever added it; viewers only look. Nothing of the original is lost, so
    /// simple mode does not refuse it.
    pub fn may_edit(&self) -> bool {
        self.role.is_some_and(Role::can_upload)
    }

    /// Moving it to the trash: who may remove it, unless they are in simple mode.
    pub fn may_delete(&self, added_by: UserId) -> Result<(), Refusal> {
        may_delete_or_rename(self.simple_mode)?;
        if self.may_remove(added_by) { Ok(()) } else { Err(Refusal::NotAllowed) }
    }
}

impl AlbumAccess {
    /// Renaming the album or deleting it: its owner, unless they are in simple mode.
    pub fn may_rename_or_delete(&self) -> Result<(), Refusal> {
        may_delete_or_rename(self.simple_mode)?;
        if self.role.can_manage() { Ok(()) } else { Err(Refusal::NotAllowed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uploader_and_the_album_owner_may_remove_and_see_the_trash() {
        let viewer =
            MediaAccess { user_id: UserId::new(3), role: Some(Role::Viewer), owns_album: false, simple_mode: false };
        let owner =
            MediaAccess { user_id: UserId::new(1), role: Some(Role::Owner), owns_album: true, simple_mode: false };
        let former_uploader =
            MediaAccess { user_id: UserId::new(2), role: None, owns_album: false, simple_mode: false };
        assert!(
            viewer.may_see(UserId::new(2), false)
                && !viewer.may_see(UserId::new(2), true)
                && !viewer.may_remove(UserId::new(2))
        );
        assert!(viewer.may_remove(UserId::new(3)) && viewer.may_see(UserId::new(3), true));
        assert!(owner.may_remove(UserId::new(2)) && owner.may_see(UserId::new(2), true));
        assert!(!former_uploader.may_see(UserId::new(3), false) && former_uploader.may_see(UserId::new(2), true));
    }

    #[test]
    fn in_simple_mode_nobody_deletes_or_renames_whatever_their_role() {
        let owner =
            MediaAccess { user_id: UserId::new(1), role: Some(Role::Owner), owns_album: true, simple_mode: false };
        let simple_owner = MediaAccess { simple_mode: true, ..owner };
        assert_eq!(owner.may_delete(UserId::new(1)), Ok(()));
        assert_eq!(simple_owner.may_delete(UserId::new(1)), Err(Refusal::SimpleMode));
        assert!(simple_owner.may_remove(UserId::new(1)), "they still see their trash and restore from it");
        let viewer = MediaAccess { role: Some(Role::Viewer), owns_album: false, ..owner };
        assert_eq!(viewer.may_delete(UserId::new(2)), Err(Refusal::NotAllowed));
        assert_eq!(may_delete_or_rename(true), Err(Refusal::SimpleMode));
    }

    #[test]
    fn only_owners_manage_and_viewers_only_look() {
        assert!(Role::Owner.can_manage() && !Role::Contributor.can_manage());
        assert!(Role::Contributor.can_upload() && !Role::Viewer.can_upload());
        for role in [Role::Viewer, Role::Contributor, Role::Owner] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }

    #[test]
    fn owners_and_contributors_turn_photos_and_viewers_only_look() {
        let access = |role| MediaAccess { user_id: UserId::new(2), role, owns_album: false, simple_mode: false };
        assert!(access(Some(Role::Owner)).may_edit() && access(Some(Role::Contributor)).may_edit());
        assert!(!access(Some(Role::Viewer)).may_edit() && !access(None).may_edit());
        assert!(MediaAccess { simple_mode: true, ..access(Some(Role::Contributor)) }.may_edit());
    }
}
