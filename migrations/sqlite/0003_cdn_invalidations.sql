-- Paths whose CDN copies must be invalidated (objects deleted by the purge). Filled in the same
-- transaction that deletes the media row; drained in batches by the invalidate-cdn job.
CREATE TABLE cdn_invalidations (
    path TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX cdn_invalidations_claim ON cdn_invalidations (claimed_until);
