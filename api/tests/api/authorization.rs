//! The authorization matrix: every endpoint of the route table, called by the album's owner (who
//! is also the family's admin), a contributor, a viewer, a family member outside the album, and
//! someone not signed in. The route table is read from the router's source, and the matrix must
//! have exactly one row per route, so a new endpoint cannot be added without deciding who may
//! call it; it must also be in the OpenAPI document.

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::oidc::OidcTestProvider;
use crate::helpers::{PASSWORD, TestApp, User, id_of, sample_photo};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fixture {
    None,
    Album,
    Media,
    Upload,
    Comment,
    /// The owner's user id.
    OwnerUser,
    /// The contributor's user id.
    ContributorUser,
    /// A session of the owner's on another device.
    OwnerSession,
    /// One of the owner's passkeys.
    OwnerPasskey,
    /// A sign-in link the owner (the admin) made for the contributor.
    SignInLink,
    /// The owner's account at the `family` OpenID provider, linked.
    OwnerIdentity,
    /// A share link of the album.
    ShareLink,
    /// An invite into the album, as a viewer.
    Invite,
}

/// Who may: O owner (and admin), C contributor, V viewer, X a member outside the album; anyone
/// not listed must be refused (401 signed out, 403 or 404 signed in). `public` rows need no
/// session and are only checked for being in the table.
struct Row {
    method: &'static str,
    path: &'static str,
    fixture: Fixture,
    allowed: &'static str,
    /// Changes or removes its resource, so every caller gets a fresh one.
    fresh: bool,
    body: Option<fn(&World) -> Value>,
}

const fn row(method: &'static str, path: &'static str, fixture: Fixture, allowed: &'static str) -> Row {
    Row { method, path, fixture, allowed, fresh: false, body: None }
}

const PUBLIC: &str = "public";
const EVERYONE: &str = "OCVX";

fn matrix() -> Vec<Row> {
    use Fixture::*;
    let fresh = |row: Row| Row { fresh: true, ..row };
    let with = |row: Row, body: fn(&World) -> Value| Row { body: Some(body), ..row };
    vec![
        row("GET", "/healthz", None, PUBLIC),
        row("GET", "/readyz", None, PUBLIC),
        row("GET", "/api/v1/openapi.json", None, PUBLIC),
        row("POST", "/api/v1/auth/register", None, PUBLIC),
        row("POST", "/api/v1/auth/login", None, PUBLIC),
        row("GET", "/api/v1/auth/methods", None, PUBLIC),
        row("POST", "/api/v1/auth/link", None, PUBLIC),
        row("POST", "/api/v1/auth/passkey/options", None, PUBLIC),
        row("POST", "/api/v1/auth/passkey", None, PUBLIC),
        row("GET", "/api/v1/me", None, EVERYONE),
        with(
            row("PUT", "/api/v1/me/password", None, EVERYONE),
            |_| json!({ "current_password": PASSWORD, "new_password": PASSWORD }),
        ),
        with(row("PUT", "/api/v1/me/simple-mode", None, EVERYONE), |_| json!({ "on": false })),
        row("GET", "/api/v1/passkeys", None, EVERYONE),
        row("POST", "/api/v1/passkeys/options", None, EVERYONE),
        // Signed in, a made-up credential is refused as unprocessable, not as unauthorized.
        row("POST", "/api/v1/passkeys", None, EVERYONE),
        fresh(row("DELETE", "/api/v1/passkeys/{id}", OwnerPasskey, "O")),
        row("GET", "/api/v1/auth/oidc/{provider}/start", None, PUBLIC),
        row("GET", "/api/v1/auth/oidc/{provider}/callback", None, PUBLIC),
        row("POST", "/api/v1/auth/oidc/{provider}/link", None, EVERYONE),
        row("GET", "/api/v1/me/identities", None, EVERYONE),
        fresh(row("DELETE", "/api/v1/me/identities/{provider}", OwnerIdentity, "O")),
        with(row("POST", "/api/v1/invites", Album, "O"), |w| json!({ "album_id": w.album, "role": "viewer" })),
        row("GET", "/api/v1/invites/{token}", None, PUBLIC),
        // Whoever is signed in: the album's people keep their role, anyone else joins it.
        fresh(row("POST", "/api/v1/invites/{token}/accept", Invite, EVERYONE)),
        with(row("POST", "/api/v1/albums", None, EVERYONE), |_| json!({ "title": "Mine" })),
        row("GET", "/api/v1/albums", None, EVERYONE),
        row("GET", "/api/v1/albums/{id}", Album, "OCV"),
        with(row("POST", "/api/v1/albums/{id}/links", Album, "O"), |_| json!({ "allow_download": true })),
        row("GET", "/api/v1/albums/{id}/links", Album, "O"),
        fresh(row("DELETE", "/api/v1/links/{id}", ShareLink, "O")),
        row("GET", "/api/v1/shared/{token}", None, PUBLIC),
        row("POST", "/api/v1/shared/{token}/password", None, PUBLIC),
        row("GET", "/api/v1/shared/{token}/media", None, PUBLIC),
        row("GET", "/api/v1/shared/{token}/media/{media_id}", None, PUBLIC),
        row("GET", "/api/v1/shared/{token}/media/{media_id}/download", None, PUBLIC),
        row("GET", "/api/v1/shared/{token}/download", None, PUBLIC),
        with(row("PATCH", "/api/v1/albums/{id}", Album, "O"), |_| json!({ "title": "Renamed" })),
        fresh(row("DELETE", "/api/v1/albums/{id}", Album, "O")),
        fresh(with(
            row("POST", "/api/v1/albums/{id}/members", Album, "O"),
            |w| json!({ "email": w.other_email, "role": "viewer" }),
        )),
        with(
            row("POST", "/api/v1/albums/{id}/uploads", Album, "OC"),
            |_| json!({ "filename": "a.jpg", "size": 1000, "content_type": "image/jpeg" }),
        ),
        row("GET", "/api/v1/uploads", None, EVERYONE),
        row("GET", "/api/v1/uploads/{id}", Upload, "O"),
        fresh(row("DELETE", "/api/v1/uploads/{id}", Upload, "O")),
        with(
            row("POST", "/api/v1/uploads/{id}/parts/{part_number}", Upload, "O"),
            |_| json!({ "sha256": "ab".repeat(32) }),
        ),
        fresh(row("POST", "/api/v1/uploads/{id}/complete", Upload, "O")),
        row("GET", "/api/v1/albums/{id}/media", Album, "OCV"),
        row("GET", "/api/v1/albums/{id}/months", Album, "OCV"),
        row("GET", "/api/v1/media/{id}", Media, "OCV"),
        row("GET", "/api/v1/media/{id}/download", Media, "OCV"),
        row("GET", "/api/v1/albums/{id}/download", Album, "OCV"),
        fresh(row("DELETE", "/api/v1/media/{id}", Media, "O")),
        row("POST", "/api/v1/media/{id}/restore", Media, "O"),
        // Turning the shared photo: while one turn is made the next answers 409, still allowed.
        with(row("POST", "/api/v1/media/{id}/rotate", Media, "OC"), |_| json!({ "direction": "clockwise" })),
        row("PUT", "/api/v1/media/{id}/like", Media, "OCV"),
        row("DELETE", "/api/v1/media/{id}/like", Media, "OCV"),
        row("GET", "/api/v1/media/{id}/likes", Media, "OCV"),
        row("GET", "/api/v1/media/{id}/comments", Media, "OCV"),
        with(row("POST", "/api/v1/media/{id}/comments", Media, "OCV"), |_| json!({ "body": "lovely" })),
        with(row("PATCH", "/api/v1/comments/{id}", Comment, "C"), |_| json!({ "body": "edited" })),
        fresh(row("DELETE", "/api/v1/comments/{id}", Comment, "OC")),
        row("PUT", "/api/v1/users/{id}/follow", OwnerUser, EVERYONE),
        row("DELETE", "/api/v1/users/{id}/follow", OwnerUser, EVERYONE),
        row("GET", "/api/v1/following", None, EVERYONE),
        row("GET", "/api/v1/feed", None, EVERYONE),
        row("GET", "/api/v1/memories", None, EVERYONE),
        row("GET", "/api/v1/notifications", None, EVERYONE),
        row("POST", "/api/v1/notifications/read", None, EVERYONE),
        row("GET", "/api/v1/notifications/stream", None, EVERYONE),
        row("GET", "/api/v1/search", None, EVERYONE),
        row("GET", "/api/v1/trash", None, EVERYONE),
        row("DELETE", "/api/v1/trash", None, EVERYONE),
        row("GET", "/api/v1/sessions", None, EVERYONE),
        fresh(row("DELETE", "/api/v1/sessions/{id}", OwnerSession, "O")),
        row("GET", "/api/v1/admin/users", None, "O"),
        with(row("PUT", "/api/v1/admin/users/{id}/quota", ContributorUser, "O"), |_| json!({ "quota_bytes": 1 << 30 })),
        with(row("PUT", "/api/v1/admin/users/{id}/simple-mode", ContributorUser, "O"), |_| json!({ "on": false })),
        row("POST", "/api/v1/admin/users/{id}/sign-in-links", ContributorUser, "O"),
        row("GET", "/api/v1/admin/sign-in-links", None, "O"),
        fresh(row("DELETE", "/api/v1/admin/sign-in-links/{id}", SignInLink, "O")),
        // Last: they end the caller's other sessions, then the caller's own.
        row("POST", "/api/v1/sessions/sign-out-others", None, EVERYONE),
        row("POST", "/api/v1/auth/logout", None, EVERYONE),
    ]
}

/// (METHOD, path) of every route the router's source declares.
fn route_table() -> BTreeSet<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("routes folder") {
        let path = entry.expect("entry").path();
        let source = std::fs::read_to_string(&path).expect("source");
        let prefix = if path.ends_with("health.rs") { "" } else { "/api/v1" };
        for piece in source.split(".route(\"").skip(1) {
            let (route, rest) = piece.split_once('"').expect("a quoted path");
            // The methods follow the path on the same line (rustfmt keeps a route on one line).
            let line = rest.lines().next().unwrap_or_default();
            let call = line.split(".route(").next().unwrap_or(line);
            for method in ["get", "post", "put", "patch", "delete"] {
                let declared = call.match_indices(&format!("{method}(")).any(|(at, _)| {
                    at == 0 || !call.as_bytes()[at - 1].is_ascii_alphanumeric() && call.as_bytes()[at - 1] != b'_'
                });
                if declared {
                    routes.insert((method.to_uppercase(), format!("{prefix}{route}")));
                }
            }
        }
    }
    routes
}

#[test]
fn every_route_has_exactly_one_row_in_the_matrix_and_is_documented() {
    let table = route_table();
    assert!(table.len() > 30, "the route table was read ({} routes)", table.len());
    let rows: Vec<(String, String)> = matrix().iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    let listed: BTreeSet<(String, String)> = rows.iter().cloned().collect();
    assert_eq!(listed.len(), rows.len(), "a route is listed twice");
    let missing: Vec<_> = table.difference(&listed).collect();
    assert!(missing.is_empty(), "routes without a row in the authorization matrix: {missing:?}");
    let stale: Vec<_> = listed.difference(&table).collect();
    assert!(stale.is_empty(), "rows for routes that do not exist: {stale:?}");

    let document = picup_api::routes::openapi_document();
    for (method, path) in table.iter().filter(|(_, path)| path.starts_with("/api/v1")) {
        let documented = &document["paths"][path.trim_start_matches("/api/v1")][method.to_lowercase()];
        assert!(documented.is_object(), "{method} {path} is not in the OpenAPI document");
    }
}

/// The people and things one row is called on.
struct World {
    album: String,
    media: String,
    upload: String,
    comment: String,
    owner_id: String,
    contributor_id: String,
    other_email: String,
    owner_session: String,
    owner_passkey: String,
    sign_in_link: String,
    share_link: String,
    invite: String,
}

struct Family {
    owner: User,
    contributor: User,
    viewer: User,
    other: User,
}

async fn world(app: &TestApp, family: &Family) -> World {
    let album = app.album(&family.owner, "Matrix").await;
    for (email, role) in [("contributor@family.test", "contributor"), ("viewer@family.test", "viewer")] {
        let (status, body) = app
            .post(&format!("/albums/{album}/members"), &family.owner.token, json!({ "email": email, "role": role }))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    let media = id_of(&app.upload(&family.owner, &album, &sample_photo(), "image/jpeg").await);
    let upload = id_of(&app.reserve(&family.owner, &album, "later.jpg", 1000, "image/jpeg").await);
    let (status, comment) =
        app.post(&format!("/media/{media}/comments"), &family.contributor.token, json!({ "body": "first!" })).await;
    assert_eq!(status, StatusCode::CREATED, "{comment}");
    // A passkey row as a registration leaves it (only its id matters here: a real one needs an
    // authenticator, and Chromium's virtual one makes them in web/tests).
    let passkey_id = picup_common::id::IdGenerator::new().next_id();
    app.execute_sql(&format!(
        "INSERT INTO passkeys (id, user_id, credential_id, credential, name, created_at) \
         VALUES ({passkey_id}, {}, 'credential-{passkey_id}', '{{}}', 'Chrome on Linux', 0)",
        family.owner.id
    ))
    .await;
    let (status, link) = app
        .post(&format!("/admin/users/{}/sign-in-links", family.contributor.id), &family.owner.token, json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let (status, share_link) = app.post(&format!("/albums/{album}/links"), &family.owner.token, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{share_link}");
    let (status, invite) =
        app.post("/invites", &family.owner.token, json!({ "album_id": album, "role": "viewer" })).await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    app.execute_sql(&format!(
        "INSERT INTO oidc_identities (provider, subject, user_id, created_at) VALUES ('family', 'owner-{passkey_id}', {}, 0)",
        family.owner.id
    ))
    .await;
    World {
        album,
        media,
        upload,
        comment: id_of(&comment),
        owner_id: family.owner.id.clone(),
        contributor_id: family.contributor.id.clone(),
        other_email: "other@family.test".into(),
        // The owner signed in on another device: the first 16 characters of its token's hash.
        owner_session: picup_api::auth::hash_token(&app.login("admin@family.test").await)[..16].to_owned(),
        owner_passkey: passkey_id.to_string(),
        sign_in_link: id_of(&link),
        share_link: id_of(&share_link),
        invite: invite["token"].as_str().expect("invite token").to_owned(),
    }
}

fn resolve(row: &Row, world: &World) -> String {
    let id: &str = match row.fixture {
        Fixture::None => "",
        Fixture::Album => &world.album,
        Fixture::Media => &world.media,
        Fixture::Upload => &world.upload,
        Fixture::Comment => &world.comment,
        Fixture::OwnerUser => &world.owner_id,
        Fixture::ContributorUser => &world.contributor_id,
        Fixture::OwnerSession => &world.owner_session,
        Fixture::OwnerPasskey => &world.owner_passkey,
        Fixture::SignInLink => &world.sign_in_link,
        Fixture::OwnerIdentity => "",
        Fixture::ShareLink => &world.share_link,
        Fixture::Invite => &world.invite,
    };
    row.path.replace("{id}", id).replace("{token}", id).replace("{part_number}", "1").replace("{provider}", "family")
}

#[tokio::test]
async fn every_endpoint_refuses_whoever_may_not_call_it() {
    // A real OpenID provider, so linking an account there is an allowed call that succeeds.
    let provider = OidcTestProvider::start().await;
    let settings = provider.settings();
    let app = TestApp::spawn_with(&settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>()).await;
    let owner = app.admin().await;
    let family = Family {
        contributor: app.member(&owner, "contributor@family.test").await,
        viewer: app.member(&owner, "viewer@family.test").await,
        other: app.member(&owner, "other@family.test").await,
        owner,
    };
    let shared = world(&app, &family).await;
    let actors: [(char, Option<&User>); 5] = [
        ('O', Some(&family.owner)),
        ('C', Some(&family.contributor)),
        ('V', Some(&family.viewer)),
        ('X', Some(&family.other)),
        ('-', None),
    ];

    let mut wrong = Vec::new();
    for row in matrix().iter().filter(|row| row.allowed != PUBLIC) {
        for (letter, user) in actors {
            let fresh;
            let world = if row.fresh {
                fresh = world(&app, &family).await;
                &fresh
            } else {
                &shared
            };
            let path = resolve(row, world);
            let url = format!("{}{path}{}", app.base, if path.ends_with("/search") { "?q=matrix" } else { "" });
            let method = Method::from_bytes(row.method.as_bytes()).expect("method");
            let mut request = app.client.request(method, &url);
            if let Some(user) = user {
                request = request.bearer_auth(&user.token);
            }
            if let Some(body) = row.body {
                request = request.json(&body(world));
            }
            let status = request.send().await.expect("request").status();
            let allowed = row.allowed.contains(letter);
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND);
            let right = match (allowed, user) {
                (_, None) => status == StatusCode::UNAUTHORIZED,
                (true, Some(_)) => !refused && !status.is_server_error(),
                (false, Some(_)) => refused,
            };
            if !right {
                wrong.push(format!("{} {} as {letter}: {status} (allowed: {})", row.method, row.path, row.allowed));
            }
        }
    }
    assert!(wrong.is_empty(), "authorization is wrong for:\n{}", wrong.join("\n"));
    app.stop().await;
}
