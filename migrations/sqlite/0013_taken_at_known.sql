-- Whether `taken_at` was read from the file (its EXIF date, a video's creation time), or is only
-- the time it was uploaded, which stands in until then and stays when the file has no date (#20).
-- Media already read: a date far from the upload's (more than two seconds) came from the file.
ALTER TABLE media ADD COLUMN taken_at_known INTEGER NOT NULL DEFAULT 0;
UPDATE media SET taken_at_known = 1 WHERE status = 'ready' AND ABS(taken_at - created_at) > 2000;
