-- Sessions a person can see (#17): the browser that signed in (its User-Agent, as sent) and when
-- the session was last used (written at most once a minute).
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT;
