//! Who may see what, asked of every query that returns albums or what is in them, against one
//! table. The rule is written once (`common/src/db/access.rs`); this proves each query uses it:
//! a query that forgot it would show the stranger a row, or hide a row from a member.

use std::collections::BTreeMap;

use picup_common::db::{Db, Role, SearchQuery, SearchWord};
use picup_common::id::{AlbumId, MediaId, UserId};
use reqwest::StatusCode;

use crate::helpers::{TestApp, User, sample_photo};

/// The family: the album's owner, a contributor, a viewer, and a member outside the albums.
const PEOPLE: [&str; 4] = ["owner", "contributor", "viewer", "outsider"];

/// What each query shows each person, as the names of the albums and photos it returns.
/// "seaside" is a live album, "gone" one its owner deleted with its photo "gone-photo";
/// "kept" is a live photo; "binned-by-contributor" and "binned-by-owner" are in the trash.
const EXPECTED: [(&str, [&str; 4]); 10] = [
    ("list_albums", ["seaside", "seaside", "seaside", ""]),
    ("album_view seaside", ["seaside", "seaside", "seaside", ""]),
    ("album_access seaside", ["owner", "contributor", "viewer", ""]),
    ("album_access gone", ["", "", "", ""]),
    ("album_page seaside", ["kept", "kept", "kept", ""]),
    ("album_page gone", ["", "", "", ""]),
    ("search_media", ["kept", "kept", "kept", ""]),
    ("search_albums", ["seaside", "seaside", "seaside", ""]),
    ("list_trash", ["binned-by-contributor binned-by-owner gone-photo", "binned-by-contributor gone-photo", "", ""]),
    (
        "media_for_user",
        ["binned-by-contributor binned-by-owner gone-photo kept", "binned-by-contributor gone-photo kept", "kept", ""],
    ),
];

struct World {
    people: Vec<User>,
    albums: BTreeMap<i64, &'static str>,
    media: BTreeMap<i64, &'static str>,
}

impl World {
    fn names(&self, ids: impl IntoIterator<Item = i64>) -> String {
        let mut names: Vec<&str> =
            ids.into_iter().map(|id| self.albums.get(&id).or(self.media.get(&id)).copied().unwrap_or("?")).collect();
        names.sort_unstable();
        names.join(" ")
    }

    fn album(&self, name: &str) -> AlbumId {
        self.albums.iter().find(|(_, n)| **n == name).map(|(id, _)| AlbumId::new(*id)).expect("album")
    }
}

async fn build_world(app: &TestApp) -> World {
    let owner = app.admin().await;
    let seaside = app.album(&owner, "Seaside").await;
    let gone = app.album(&owner, "Gone").await;
    let contributor = app.seeded_member(&seaside, "contributor", Role::Contributor).await;
    let viewer = app.seeded_member(&seaside, "viewer", Role::Viewer).await;
    let outsider = app.member(&owner, "outsider@family.test").await;
    let db = &app.services.db;
    let gone_id: AlbumId = gone.parse().expect("id");
    db.add_album_member(gone_id, contributor.id.parse().expect("id"), Role::Contributor).await.expect("member");
    db.add_album_member(gone_id, viewer.id.parse().expect("id"), Role::Viewer).await.expect("member");

    let photo = sample_photo();
    let mut media = BTreeMap::new();
    for (name, who, album, trash) in [
        ("kept", &contributor, &seaside, false),
        ("binned-by-contributor", &contributor, &seaside, true),
        ("binned-by-owner", &owner, &seaside, true),
        ("gone-photo", &contributor, &gone, false),
    ] {
        let id = crate::helpers::id_of(&app.upload(who, album, &photo, "image/jpeg").await);
        if trash {
            let (status, body) = app.delete(&format!("/media/{id}"), &who.token).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
        media.insert(id.parse().expect("id"), name);
    }
    let (status, body) = app.delete(&format!("/albums/{gone}"), &owner.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let albums = BTreeMap::from([(seaside.parse().expect("id"), "seaside"), (gone_id.get(), "gone")]);
    World { people: vec![owner, contributor, viewer, outsider], albums, media }
}

/// What `query` shows `user`, as names.
async fn ask(db: &Db, world: &World, query: &str, user: UserId) -> String {
    let seaside = world.album("seaside");
    let gone = world.album("gone");
    let words = |text: &str| vec![SearchWord { text: text.to_owned(), period: None }];
    match query {
        "list_albums" => world.names(db.list_albums(user, None, 100).await.expect("albums").iter().map(|a| a.id.get())),
        "album_view seaside" => world.names(db.album_view(seaside, user).await.ok().map(|a| a.album.id.get())),
        "album_access seaside" => {
            db.album_access(seaside, user).await.map(|a| a.role.as_str().to_owned()).unwrap_or_default()
        }
        "album_access gone" => {
            db.album_access(gone, user).await.map(|a| a.role.as_str().to_owned()).unwrap_or_default()
        }
        "album_page seaside" | "album_page gone" => {
            let album = if query.ends_with("seaside") { seaside } else { gone };
            world.names(db.album_page(album, user, None, 100).await.expect("page").iter().map(|m| m.id.get()))
        }
        "search_media" => {
            let query = SearchQuery { words: words("photo"), ..SearchQuery::default() };
            world.names(db.search_media(user, &query, None, 100).await.expect("search").iter().map(|m| m.id.get()))
        }
        "search_albums" => {
            let mut found = db.search_albums(user, &words("seaside"), 100).await.expect("search");
            found.extend(db.search_albums(user, &words("gone"), 100).await.expect("search"));
            world.names(found.into_iter().map(|(id, _)| id.get()))
        }
        "list_trash" => world.names(db.list_trash(user, None, 100).await.expect("trash").iter().map(|m| m.id.get())),
        "media_for_user" => {
            let mut seen = Vec::new();
            for &id in world.media.keys() {
                if db.media_for_user(MediaId::new(id), user).await.is_ok() {
                    seen.push(id);
                }
            }
            world.names(seen)
        }
        other => panic!("no query {other}"),
    }
}

#[tokio::test]
async fn every_query_shows_each_person_exactly_what_the_one_access_rule_allows() {
    let app = TestApp::spawn().await;
    let world = build_world(&app).await;
    let mut wrong = Vec::new();
    for (query, expected) in EXPECTED {
        for ((person, user), want) in PEOPLE.iter().zip(&world.people).zip(expected) {
            let got = ask(&app.services.db, &world, query, user.id.parse().expect("id")).await;
            if got != want {
                wrong.push(format!("{query} as {person}: got [{got}], want [{want}]"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
