-- Family activity: likes, comments, following, and the activity outbox that is fanned out to
-- each member's feed and notifications (the push model).

ALTER TABLE media ADD COLUMN like_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE media ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE likes (
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (media_id, user_id)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    edited_at INTEGER
);
CREATE INDEX comments_media ON comments (media_id, id);

CREATE TABLE follows (
    follower_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id);

-- Written in the same transaction as what happened; fanned out once (fanned_out_at).
CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    media_id INTEGER,
    comment_id INTEGER,
    created_at INTEGER NOT NULL,
    fanned_out_at INTEGER
);
CREATE INDEX activities_pending ON activities (fanned_out_at, id);
CREATE INDEX activities_album ON activities (album_id, id);

-- One row per recipient: the feed lists them all, notifications those with notify = 1. New
-- photos by one person in one album within an hour are one item with a count.
CREATE TABLE feed_items (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    album_id INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
    media_id INTEGER,
    comment_id INTEGER,
    item_count INTEGER NOT NULL DEFAULT 1,
    notify INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    read_at INTEGER,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX feed_items_recent ON feed_items (user_id, updated_at, id);
CREATE INDEX feed_items_unread ON feed_items (user_id, notify, read_at);

-- Search: substring matching (Korean and English, as people type) through an FTS5 index with the
-- trigram tokenizer over each item's searchable text, kept by triggers.
CREATE VIRTUAL TABLE media_search USING fts5 (body, tokenize = 'trigram case_sensitive 0');

CREATE TRIGGER media_search_insert AFTER INSERT ON media BEGIN
    INSERT INTO media_search (rowid, body) VALUES (new.id, new.filename);
END;
CREATE TRIGGER media_search_delete AFTER DELETE ON media BEGIN
    DELETE FROM media_search WHERE rowid = old.id;
END;
CREATE TRIGGER media_search_metadata AFTER UPDATE OF camera_make, camera_model ON media BEGIN
    UPDATE media_search SET body = new.filename || ' ' || COALESCE(new.camera_make, '') || ' '
        || COALESCE(new.camera_model, '') WHERE rowid = new.id;
END;
INSERT INTO media_search (rowid, body)
    SELECT id, filename || ' ' || COALESCE(camera_make, '') || ' ' || COALESCE(camera_model, '') FROM media;

CREATE VIRTUAL TABLE album_search USING fts5 (body, tokenize = 'trigram case_sensitive 0');
CREATE TRIGGER album_search_insert AFTER INSERT ON albums BEGIN
    INSERT INTO album_search (rowid, body) VALUES (new.id, new.title);
END;
CREATE TRIGGER album_search_update AFTER UPDATE OF title ON albums BEGIN
    UPDATE album_search SET body = new.title WHERE rowid = new.id;
END;
CREATE TRIGGER album_search_delete AFTER DELETE ON albums BEGIN
    DELETE FROM album_search WHERE rowid = old.id;
END;
INSERT INTO album_search (rowid, body) SELECT id, title FROM albums;

CREATE VIRTUAL TABLE comment_search USING fts5 (body, tokenize = 'trigram case_sensitive 0');
CREATE TRIGGER comment_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comment_search (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comment_search_update AFTER UPDATE OF body ON comments BEGIN
    UPDATE comment_search SET body = new.body WHERE rowid = new.id;
END;
CREATE TRIGGER comment_search_delete AFTER DELETE ON comments BEGIN
    DELETE FROM comment_search WHERE rowid = old.id;
END;
