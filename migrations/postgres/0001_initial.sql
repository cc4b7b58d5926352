-- Times are epoch milliseconds (BIGINT) and flags are integers, so the same queries run on
-- PostgreSQL and SQLite through sqlx's Any driver.

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BIGINT NOT NULL DEFAULT 0,
    quota_bytes BIGINT NOT NULL,
    used_bytes BIGINT NOT NULL DEFAULT 0,
    reserved_bytes BIGINT NOT NULL DEFAULT 0,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    login_blocked_until BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CHECK (used_bytes >= 0 AND reserved_bytes >= 0)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE albums (
    id BIGINT PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX albums_owner ON albums (owner_id, id);

CREATE TABLE album_members (
    album_id BIGINT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'contributor')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (album_id, user_id)
);
CREATE INDEX album_members_user ON album_members (user_id, album_id);

CREATE TABLE invites (
    token_hash TEXT PRIMARY KEY,
    created_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id BIGINT REFERENCES albums (id) ON DELETE CASCADE,
    role TEXT CHECK (role IN ('viewer', 'contributor')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);

-- A reservation: bytes promised to an upload that has not completed yet. The media row that
-- completes it takes the same id.
CREATE TABLE uploads (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id BIGINT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    object_key TEXT NOT NULL,
    multipart_upload_id TEXT,
    part_size BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX uploads_expiry ON uploads (expires_at);
CREATE INDEX uploads_user ON uploads (user_id);

CREATE TABLE media (
    id BIGINT PRIMARY KEY,
    album_id BIGINT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'video')),
    status TEXT NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    derivative_bytes BIGINT NOT NULL DEFAULT 0,
    thumbnail_key TEXT,
    preview_key TEXT,
    playable_key TEXT,
    taken_at BIGINT NOT NULL,
    width BIGINT,
    height BIGINT,
    duration_ms BIGINT,
    failure_reason TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    purge_requested BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX media_album_taken ON media (album_id, taken_at, id);
CREATE INDEX media_owner_deleted ON media (owner_id, deleted_at);
CREATE INDEX media_status ON media (status, updated_at);

CREATE TABLE outbox (
    id BIGINT PRIMARY KEY,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX outbox_unpublished ON outbox (published_at, id);
