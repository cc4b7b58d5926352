-- End-to-end integrity and "never twice" (#16): the SHA-256 a client declares when it reserves an
-- upload (kept on the media it becomes), and the SHA-256 the thumbnailer computed from the stored
-- original. Only the computed one is trusted: duplicates are found by it.
ALTER TABLE uploads ADD COLUMN declared_sha256 TEXT;
ALTER TABLE media ADD COLUMN declared_sha256 TEXT;
ALTER TABLE media ADD COLUMN sha256 TEXT;
CREATE INDEX media_sha256 ON media (sha256);
-- Why a media failed, for programs (the person reads failure_reason): checksum_mismatch so far.
ALTER TABLE media ADD COLUMN failure_code TEXT;
