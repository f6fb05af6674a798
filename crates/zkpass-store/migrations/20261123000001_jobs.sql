-- Proof jobs. One schema for SQLite and PostgreSQL: times are unix
-- milliseconds (BIGINT), states and ids are TEXT.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    api_key TEXT NOT NULL,
    idempotency_key TEXT,
    state TEXT NOT NULL,
    user_data_token TEXT NOT NULL,
    dvr_token TEXT NOT NULL,
    evaluation_date TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    proof_token TEXT,
    error_status BIGINT,
    error_code TEXT,
    error_text TEXT
);

CREATE UNIQUE INDEX jobs_idempotency ON jobs (api_key, idempotency_key);
CREATE INDEX jobs_queue ON jobs (state, created_at);
CREATE INDEX jobs_finished ON jobs (finished_at);
