-- Second factor (TOTP): the sealed secret and replay/attempt state per user, single-use
-- recovery codes (hashes only), and the "second factor passed" mark of a session.
-- Same names and columns as migrations/sqlite/0003_totp.sql.

CREATE TABLE user_totp (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    secret BYTEA NOT NULL,
    enabled_at TIMESTAMPTZ,
    last_step BIGINT,
    failures BIGINT NOT NULL,
    failures_since TIMESTAMPTZ,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE totp_recovery_codes (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    code_hash BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX totp_recovery_codes_hash ON totp_recovery_codes (user_id, code_hash);

ALTER TABLE sessions ADD COLUMN second_factor_at TIMESTAMPTZ;
