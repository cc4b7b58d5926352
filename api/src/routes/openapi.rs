//! The OpenAPI document of `/api/v1`, for client authors. A test checks that every path it lists
//! is served.

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { axum::Json(document()) }))
}

fn op(summary: &str, ok: &str) -> Value {
    json!({ "summary": summary, "responses": { ok: { "description": "success" }, "default": { "$ref": "#/components/responses/Error" } } })
}

fn with_body(mut operation: Value, schema: &str) -> Value {
    operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    operation
}

/// An operation that may also answer `status` on success.
fn also(mut operation: Value, status: &str, description: &str) -> Value {
    operation["responses"][status] = json!({ "description": description });
    operation
}

pub fn document() -> Value {
    let mut document = paths();
    // Every `{id}` in a path is a string id; a `{part_number}`, a part of a multipart upload; a
    // `{provider}`, an OpenID provider's name.
    if let Some(paths) = document["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let mut parameters = Vec::new();
            if path.contains("{id}") {
                parameters
                    .push(json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }));
            }
            if path.contains("{token}") {
                parameters
                    .push(json!({ "name": "token", "in": "path", "required": true, "schema": { "type": "string" } }));
            }
            if path.contains("{media_id}") {
                parameters.push(
                    json!({ "name": "media_id", "in": "path", "required": true, "schema": { "type": "string" } }),
                );
            }
            if path.contains("{provider}") {
                parameters.push(json!({ "name": "provider", "in": "path", "required": true,
                                        "schema": { "type": "string", "pattern": "^[a-z0-9]+$" } }));
            }
            if path.contains("{part_number}") {
                parameters.push(json!({ "name": "part_number", "in": "path", "required": true,
                                        "schema": { "type": "integer", "minimum": 1, "maximum": 10000 } }));
            }
            if !parameters.is_empty() {
                item["parameters"] = json!(parameters);
            }
        }
    }
    document
}

/// The ways in without a password (#17), apart so that one `json!` stays within the macro's
/// recursion limit.
fn sign_in_paths() -> Value {
    json!({
        "/auth/methods": { "get": op("What the sign-in page offers besides a password: {passkeys: bool, providers: [{name, label}]}", "200") },
        "/auth/link": { "post": with_body(op("Sign in with the one-time link the admin made (single use, 24 hours); answers as /auth/login; 401 sign_in_refused when used, revoked or expired", "200"), "SignInLinkToken") },
        "/auth/passkey/options": { "post": op("Begin signing in with a passkey: {ceremony, options} for navigator.credentials.get (any of the family's passkeys; nothing typed)", "200") },
        "/auth/passkey": { "post": with_body(op("Finish signing in with a passkey; answers as /auth/login; 401 sign_in_refused", "200"), "PasskeySignIn") },
        "/auth/oidc/{provider}/start": { "get": op("Sign in (or join, with ?invite=) through an OpenID provider: a redirect to it, with the trip's state cookie", "303") },
        "/auth/oidc/{provider}/callback": { "get": op("Where the provider sends the browser back (code, state): a redirect to the album signed in, to #/devices when linking, or to #/oidc-error/{code}", "303") },
        "/auth/oidc/{provider}/link": { "post": op("Link an account at an OpenID provider to yours: {url} to send the browser to", "200") },
        "/me/identities": { "get": op("Your linked provider accounts: {items: [{provider, label, email, created_at, last_used_at}]}", "200") },
        "/me/identities/{provider}": { "delete": op("Unlink your account at this provider", "204") },
        "/me/password": { "put": with_body(op("Set a new password; current_password is needed unless this session began with the admin's sign-in link less than an hour ago", "204"), "NewPassword") },
        "/passkeys": { "get": op("Your passkeys: {items: [{id, name, created_at, last_used_at}]}", "200"), "post": with_body(op("Add a passkey: what navigator.credentials.create made, for the ceremony of POST /passkeys/options", "201"), "PasskeyRegistration") },
        "/passkeys/options": { "post": op("Begin adding a passkey: {ceremony, options} for navigator.credentials.create; 422 passkeys_off when picup is opened by an IP address", "200") },
        "/passkeys/{id}": { "delete": op("Remove one of your passkeys", "204") },
        "/admin/users/{id}/sign-in-links": { "post": op("Make a one-time sign-in link for a family member, valid 24 hours: {id, url, expires_at, qr_svg} (admin; not for oneself)", "201") },
        "/admin/sign-in-links": { "get": op("Every sign-in link made, newest first, with its status: active, used, expired or revoked (admin)", "200") },
        "/admin/sign-in-links/{id}": { "delete": op("Revoke a sign-in link not used yet (admin)", "204") }
    })
}

/// The grandparents' album (#20): share links, on this day, downloads; apart for the same reason.
fn sharing_paths() -> Value {
    json!({
        "/memories": { "get": op("On this day: photos taken on today's month and day (?on=YYYY-MM-DD, ?offset_minutes east of UTC) in earlier years, from albums you may see, grouped by year: {items: [{year, years_ago, media}]}", "200") },
        "/albums/{id}/download": { "get": op("The album (or ?ids=a,b,c of it) as one ZIP, streamed: the originals under unique names, dated when taken", "200") },
        "/media/{id}/download": { "get": op("Save the original under its real name: a redirect to a signed URL answered with Content-Disposition: attachment", "303") },
        "/albums/{id}/links": { "post": with_body(op("Make a share link that opens the album read-only without an account (owner): {id, url, expires_at}", "201"), "ShareLink"), "get": op("The album's share links with their status (owner)", "200") },
        "/links/{id}": { "delete": op("Stop a share link: it answers 410 from now on (owner)", "204") },
        "/shared/{token}": { "get": op("What a share link opens: {album: {title}, allow_download, expires_at}; 401 password_required; 410 when stopped or expired", "200") },
        "/shared/{token}/password": { "post": with_body(op("Give a share link's password: sets this browser's grant cookie; 401 wrong_password, then slowed down (429)", "204"), "SharePassword") },
        "/shared/{token}/media": { "get": op("The shared album's ready photos and videos, newest taken first (cursor pages): no uploader, likes or comments; the original only when downloads are allowed", "200") },
        "/shared/{token}/download": { "get": op("The shared album (or ?ids= of it) as one ZIP, when the link allows downloads (403 otherwise)", "200") },
        "/shared/{token}/media/{media_id}/download": { "get": op("Save the original under its name (a redirect to a signed URL with Content-Disposition: attachment); 403 when the link does not allow downloads", "303") },
        "/shared/{token}/media/{media_id}": { "get": op("One photo or video of the shared album; 404 for anything else", "200") }
    })
}

/// Changing how a photo is shown (#20): turning it; apart for the same reason, with its schema.
fn editing_paths() -> Value {
    json!({
        "/media/{id}/rotate": { "post": with_body(op("Turn a photo or video a quarter turn (the album's owner and contributors; the original is never changed): answers the media, processing until its thumbnail and preview are made again under new URLs, with quarter_turns (0 to 3, clockwise) and width and height as turned. 409 media_processing while it is being made (one turn at a time), media_failed when the file could not be read, in_trash", "200"), "Rotate") }
    })
}

/// Grandparents who only look, and joining an album from an invite (#20); apart for the same
/// reason.
fn family_paths() -> Value {
    json!({
        "/me/simple-mode": { "put": with_body(op("Turn your simple mode on or off (bigger text and buttons; deleting and renaming photos and albums, and emptying the trash, answer 403 simple_mode): answers /me", "200"), "SimpleMode") },
        "/admin/users/{id}/simple-mode": { "put": with_body(op("Turn simple mode on or off for a family member (admin): answers the user as /admin/users lists them, with simple_mode", "200"), "SimpleMode") },
        "/invites/{token}": { "get": op("What an invite link shows before signing in (no session needed): {album: {title} | null, role, invited_by, expires_at, usable, status: active | used | expired}; no member list; 404 for a token that never existed", "200") },
        "/invites/{token}/accept": { "post": op("Accept an album invite while signed in: {joined, album} (joined false, and the invite left unused, for someone who may already see the album); 410 gone when used or expired; 409 family_invite for an invite into the family only", "200") }
    })
}

/// The album's timeline (#19); apart for the same reason.
fn timeline_paths() -> Value {
    json!({
        "/albums/{id}/months": { "get": op("The album's months that hold photos or videos, newest first, in the viewer's time zone (?offset_minutes east of UTC): {months: [{month: YYYY-MM, count}]}, for the scrubber", "200") }
    })
}

fn rotate_schema() -> Value {
    json!({ "type": "object", "required": ["direction"], "properties": { "direction": { "enum": ["clockwise", "counterclockwise"] } } })
}

fn paths() -> Value {
    let mut document = json!({
        "openapi": "3.1.0",
        "info": { "title": "picup", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Family photo and video album. Ids are strings; errors are {code, message}. Authenticate with the session cookie (state-changing requests need X-Requested-With) or Authorization: Bearer <token>." },
        "servers": [{ "url": "/api/v1" }],
        "paths": {
            "/auth/register": { "post": with_body(op("Create an account (the first is the admin; later ones need an invite)", "201"), "Register") },
            "/auth/login": { "post": with_body(op("Sign in; returns a bearer token and sets the session cookie", "200"), "Login") },
            "/auth/logout": { "post": op("Sign out (revokes the token)", "204") },
            "/me": { "get": op("The signed-in user with quota, used and reserved bytes", "200") },
            "/invites": { "post": op("Make an invite link, optionally into an album as viewer or contributor", "201") },
            "/albums": { "post": with_body(op("Create an album", "201"), "AlbumTitle"), "get": op("Albums the user owns or was shared (cursor pages)", "200") },
            "/albums/{id}": { "get": op("One album", "200"), "patch": with_body(op("Rename an album (owner)", "200"), "AlbumTitle"), "delete": op("Delete an album; its media go to the trash (owner)", "204") },
            "/albums/{id}/members": { "post": with_body(op("Share an album with a member as viewer or contributor (owner)", "204"), "Member") },
            "/albums/{id}/uploads": { "post": also(with_body(op("Reserve quota and get a presigned PUT (with the sha256 as a signed x-amz-checksum-sha256 header) or multipart parts (with URLs, or, when sha256 is given, URLs asked for part by part); 413 quota_exceeded", "201"), "Reserve"), "200", "The file (by its sha256) is in the family already: {duplicate: true, media}; nothing reserved") },
            "/uploads": { "get": op("The caller's unfinished uploads, newest first, each as GET /uploads/{id} answers (cursor pages)", "200") },
            "/uploads/{id}": { "get": op("An unfinished upload: what the store holds (parts_done) and fresh URLs for the rest only", "200"), "delete": op("Cancel an upload and release its reservation", "204") },
            "/uploads/{id}/parts/{part_number}": { "post": with_body(op("A URL for one part of an upload that declared its sha256, signed with the part's own SHA-256: the store refuses other bytes (parts without a url in the reservation)", "200"), "PartChecksum") },
            "/uploads/{id}/complete": { "post": op("Complete an upload; the size S3 reports is charged", "201") },
            "/albums/{id}/media": { "get": op("Media of an album, newest taken first (cursor pages), each a tile: of its URLs only the thumbnail, `live` true or false, no content_type, camera, location or sha256; GET /media/{id} gives the item whole; ?month=YYYY-MM (with ?offset_minutes east of UTC) starts at that month's newest photo", "200") },
            "/media/{id}": { "get": op("One media item with view URLs, its sha256, and live: {video_url} for a Live Photo or motion photo", "200"), "delete": op("Move to the trash", "204") },
            "/media/{id}/restore": { "post": op("Restore from the trash", "200") },
            "/trash": { "get": op("The user's trash", "200"), "delete": op("Empty the trash; the space is freed by the purge job", "200") },
            "/media/{id}/like": { "put": op("Like (idempotent); returns like_count", "200"), "delete": op("Take a like back (idempotent)", "200") },
            "/media/{id}/likes": { "get": op("Who liked it, most recent first (cursor pages)", "200") },
            "/media/{id}/comments": { "get": op("Comments, oldest first (cursor pages)", "200"), "post": with_body(op("Comment (plain text, at most 2000 characters)", "201"), "Comment") },
            "/comments/{id}": { "patch": with_body(op("Edit your comment", "200"), "Comment"), "delete": op("Delete a comment (its author or the album's owner)", "204") },
            "/users/{id}/follow": { "put": op("Follow a family member: their new photos come into your feed", "204"), "delete": op("Unfollow", "204") },
            "/following": { "get": op("The people you follow", "200") },
            "/feed": { "get": op("What's new: new photos in shared albums, likes and comments on yours, new members (cursor pages)", "200") },
            "/notifications": { "get": op("Notifications with unread_count (cursor pages)", "200") },
            "/notifications/read": { "post": op("Mark notifications read: the given ids, or all", "200") },
            "/notifications/stream": { "get": op("Server-Sent Events: `unread` with {unread_count} now and whenever it changes", "200") },
            "/search": { "get": op("Search titles, file names, cameras, comments and dates (q), with from, to, camera and area=south,west,north,east", "200") },
            "/sessions": { "get": op("The devices you are signed in on: {items: [{id, device, signed_in_at, last_seen_at, signed_in_with, place: {country, city} | null, current}], places_by}", "200") },
            "/sessions/{id}": { "delete": op("Sign out one of your devices", "204") },
            "/sessions/sign-out-others": { "post": op("Sign out every device but this one; answers {signed_out}", "200") },
            "/admin/users": { "get": op("All accounts (admin)", "200") },
            "/admin/users/{id}/quota": { "put": with_body(op("Set a user's quota (admin)", "200"), "Quota") },
            "/openapi.json": { "get": op("This document", "200") }
        },
        "components": {
            "responses": { "Error": { "description": "error", "content": { "application/json": { "schema": {
                "type": "object", "required": ["code", "message"],
                "properties": { "code": { "type": "string" }, "message": { "type": "string" }, "fields": { "type": "object" } } } } } } },
            "schemas": {
                "Register": { "type": "object", "required": ["email", "password", "display_name"], "properties": {
                    "email": { "type": "string" }, "password": { "type": "string", "minLength": 8 }, "display_name": { "type": "string" }, "invite": { "type": "string" } } },
                "Login": { "type": "object", "required": ["email", "password"], "properties": { "email": { "type": "string" }, "password": { "type": "string" } } },
                "AlbumTitle": { "type": "object", "required": ["title"], "properties": { "title": { "type": "string", "maxLength": 200 } } },
                "Member": { "type": "object", "required": ["email", "role"], "properties": { "email": { "type": "string" }, "role": { "enum": ["viewer", "contributor"] } } },
                "Reserve": { "type": "object", "required": ["filename", "size", "content_type"], "properties": {
                    "filename": { "type": "string" }, "size": { "type": "integer", "minimum": 1 }, "content_type": { "type": "string" },
                    "sha256": { "type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "The file's SHA-256; a file the family has already answers 200 duplicate, and stored bytes that differ never become a photo" } } },
                "PartChecksum": { "type": "object", "required": ["sha256"], "properties": {
                    "sha256": { "type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "The part's SHA-256" } } },
                "Comment": { "type": "object", "required": ["body"], "properties": { "body": { "type": "string", "minLength": 1, "maxLength": 2000 } } },
                "Quota": { "type": "object", "required": ["quota_bytes"], "properties": { "quota_bytes": { "type": "integer", "minimum": 0 } } },
                "ShareLink": { "type": "object", "properties": {
                    "expires_at": { "type": "string", "format": "date-time" }, "password": { "type": "string", "minLength": 4, "maxLength": 256 },
                    "allow_download": { "type": "boolean" } } },
                "SharePassword": { "type": "object", "required": ["password"], "properties": { "password": { "type": "string" } } },
                "SignInLinkToken": { "type": "object", "required": ["token"], "properties": { "token": { "type": "string" } } },
                "NewPassword": { "type": "object", "required": ["new_password"], "properties": {
                    "current_password": { "type": "string" }, "new_password": { "type": "string", "minLength": 8, "maxLength": 256 } } },
                "PasskeySignIn": { "type": "object", "required": ["ceremony", "credential"], "properties": {
                    "ceremony": { "type": "string" }, "credential": { "type": "object", "description": "The PublicKeyCredential, its binary fields base64url" } } },
                "PasskeyRegistration": { "type": "object", "required": ["ceremony", "credential"], "properties": {
                    "ceremony": { "type": "string" }, "credential": { "type": "object", "description": "The PublicKeyCredential made, its binary fields base64url" },
                    "name": { "type": "string", "maxLength": 100 } } }
            }
        }
    });
    document["components"]["schemas"]["Rotate"] = rotate_schema();
    document["components"]["schemas"]["SimpleMode"] =
        json!({ "type": "object", "required": ["on"], "properties": { "on": { "type": "boolean" } } });
    for group in [sign_in_paths(), sharing_paths(), editing_paths(), family_paths(), timeline_paths()] {
        if let (Some(paths), Value::Object(more)) = (document["paths"].as_object_mut(), group) {
            paths.extend(more);
        }
    }
    document
}
