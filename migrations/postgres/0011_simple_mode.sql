-- Simple mode (#20): bigger text and buttons, one tap from the albums to the slideshow, and no
-- deleting or renaming, for someone who only looks. The person or the family's admin turns it on.
-- A flag as an integer 0/1, like every flag here, so both databases decode it the same way.
ALTER TABLE users ADD COLUMN simple_mode BIGINT NOT NULL DEFAULT 0;
