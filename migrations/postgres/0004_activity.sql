-- Family activity: likes, comments, following, and the activity outbox that is fanned out to
-- each member's feed and notifications (the push model).

ALTER TABLE media ADD COLUMN like_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN comment_count BIGINT NOT NULL DEFAULT 0;

CREATE TABLE likes (
    media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (media_id, user_id)
);

CREATE TABLE comments (
    id BIGINT PRIMARY KEY,
    media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT
);
CREATE INDEX comments_media ON comments (media_id, id);

CREATE TABLE follows (
    follower_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id);

-- Written in the same transaction as what happened; fanned out once (fanned_out_at).
CREATE TABLE activities (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id BIGINT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    media_id BIGINT,
    comment_id BIGINT,
    created_at BIGINT NOT NULL,
    fanned_out_at BIGINT
);
CREATE INDEX activities_pending ON activities (fanned_out_at, id);
CREATE INDEX activities_album ON activities (album_id, id);

-- One row per recipient: the feed lists them all, notifications those with notify = 1. New
-- photos by one person in one album within an hour are one item with a count.
CREATE TABLE feed_items (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id BIGINT NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    media_id BIGINT,
    comment_id BIGINT,
    item_count BIGINT NOT NULL DEFAULT 1,
    notify BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    read_at BIGINT,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX feed_items_recent ON feed_items (user_id, updated_at, id);
CREATE INDEX feed_items_unread ON feed_items (user_id, notify, read_at);

-- Search: substring matching (Korean and English, as people type) through trigram indexes.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX media_filename_trgm ON media USING gin (lower(filename) gin_trgm_ops);
CREATE INDEX albums_title_trgm ON albums USING gin (lower(title) gin_trgm_ops);
CREATE INDEX comments_body_trgm ON comments USING gin (lower(body) gin_trgm_ops);
