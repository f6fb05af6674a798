-- Fair claims order queued jobs by their API key's running jobs and latest
-- start; this index answers both per key.
CREATE INDEX jobs_key_started ON jobs (api_key, state, started_at);
