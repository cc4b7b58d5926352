-- The album's page and its months (#19) read only the photos it lists: not in the trash, not the
-- movie half of a Live Photo. This index holds just those, so counting a month's photos needs no
-- visit to the rows.
CREATE INDEX media_album_listed ON media (album_id, taken_at, id) WHERE deleted_at IS NULL AND live_photo_of IS NULL;
-- Whether anything in an album changed since its months were counted: its newest updated_at.
CREATE INDEX media_album_updated ON media (album_id, updated_at);
