-- What the thumbnailer reads from a photo or video, beyond its dimensions and date.
ALTER TABLE media ADD COLUMN thumbhash TEXT;
ALTER TABLE media ADD COLUMN camera_make TEXT;
ALTER TABLE media ADD COLUMN camera_model TEXT;
ALTER TABLE media ADD COLUMN latitude REAL;
ALTER TABLE media ADD COLUMN longitude REAL;
