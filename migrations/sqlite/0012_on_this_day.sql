-- "On this day" (#20): once a day, a feed item and notification for each person with photos taken
-- on that month and day in earlier years. `day` (YYYY-MM-DD) makes it one per person and day,
-- however often the job runs and however many workers run it; `years` lists the years shown
-- ("2023,2019"), newest first.
ALTER TABLE feed_items ADD COLUMN day TEXT;
ALTER TABLE feed_items ADD COLUMN years TEXT;
CREATE UNIQUE INDEX feed_items_one_a_day ON feed_items (user_id, kind, day) WHERE day IS NOT NULL;
