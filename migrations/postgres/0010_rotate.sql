-- Rotate (#20): how many quarter turns clockwise a member added to what the file itself says
-- (its EXIF orientation or display matrix). The original is never changed; the thumbnail and
-- preview are made again with the turn, and width and height are the turned (displayed) size.
ALTER TABLE media ADD COLUMN quarter_turns BIGINT NOT NULL DEFAULT 0 CHECK (quarter_turns BETWEEN 0 AND 3);
