-- A verifier's DVRs. Times are unix seconds (BIGINT); the DVR itself is
-- its JSON text. `used_at` is set once, when a proof for the DVR is
-- accepted.
CREATE TABLE dvrs (
    dvr_id TEXT PRIMARY KEY,
    dvr TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    used_at BIGINT
);

CREATE INDEX dvrs_expiry ON dvrs (expires_at);
