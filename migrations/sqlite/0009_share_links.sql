-- Share links (#20): an album opened by relatives without an account, read-only. Only the
-- token's hash is kept. A password, if set, is an argon2 hash; wrong ones slow the link down the
-- way wrong passwords slow an account down.
CREATE TABLE share_links (
    id INTEGER PRIMARY KEY,
    album_id INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    password_hash TEXT,
    allow_download INTEGER NOT NULL DEFAULT 0,
    revoked_at INTEGER,
    failed_passwords INTEGER NOT NULL DEFAULT 0,
    blocked_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX share_links_album ON share_links (album_id);

-- A browser that gave a link's password (its cookie's hash), so it is asked once.
CREATE TABLE share_grants (
    token_hash TEXT PRIMARY KEY,
    link_id INTEGER NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
