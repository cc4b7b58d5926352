-- iPhone Live Photos and Android Motion Photos (#16). content_identifier: the UUID an iPhone
-- writes into a Live Photo's still and its movie. motion_key: the video a photo plays as its
-- motion (a motion photo's MP4, cut out by the thumbnailer and owned by the photo; or, for a Live
-- Photo, its movie's playable copy or original, owned by the movie). live_photo_of: the photo a
-- movie is the motion of; such a movie is stored and counted but never listed as an item of its own.
ALTER TABLE media ADD COLUMN content_identifier TEXT;
ALTER TABLE media ADD COLUMN motion_key TEXT;
ALTER TABLE media ADD COLUMN live_photo_of BIGINT;
CREATE INDEX media_content_identifier ON media (owner_id, content_identifier);
