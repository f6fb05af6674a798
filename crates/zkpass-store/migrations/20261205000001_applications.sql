-- Jobs of any application: the application (`name/version`), the
-- operation and its request (JSON text the application defines) replace
-- the DVR application's own columns; `result` (the operation's answer as
-- JSON text) replaces `proof_token`. One script for SQLite and PostgreSQL.
ALTER TABLE jobs ADD COLUMN app TEXT NOT NULL DEFAULT 'dvr/1.0';
ALTER TABLE jobs ADD COLUMN operation TEXT NOT NULL DEFAULT 'prove';
ALTER TABLE jobs ADD COLUMN request TEXT NOT NULL DEFAULT '';

-- Unfinished DVR jobs keep their request as the DVR application's JSON.
-- The tokens are compact JWEs and the date is YYYY-MM-DD; quotes and
-- backslashes are escaped all the same.
UPDATE jobs SET request =
    '{"user_data_token":"' || replace(replace(user_data_token, '\', '\\'), '"', '\"')
    || '","dvr_token":"' || replace(replace(dvr_token, '\', '\\'), '"', '\"')
    || '","evaluation_date":' || COALESCE('"' || replace(replace(evaluation_date, '\', '\\'), '"', '\"') || '"', 'null')
    || '}'
WHERE state IN ('queued', 'running');

ALTER TABLE jobs DROP COLUMN user_data_token;
ALTER TABLE jobs DROP COLUMN dvr_token;
ALTER TABLE jobs DROP COLUMN evaluation_date;

-- The DVR application's answer is the proof token, a JSON string.
ALTER TABLE jobs RENAME COLUMN proof_token TO result;
UPDATE jobs SET result = '"' || result || '"' WHERE result IS NOT NULL;
