-- Second factor (TOTP): the sealed secret and replay/attempt state per user, single-use
-- recovery codes (hashes only), and the "second factor passed" mark of a session.
-- Same names and columns as migrations/postgres/0003_totp.sql.

CREATE TABLE user_totp (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    secret BLOB NOT NULL,
    enabled_at TEXT,
    last_step INTEGER,
    failures INTEGER NOT NULL,
    failures_since TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE totp_recovery_codes (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    code_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT
) STRICT;
CREATE UNIQUE INDEX totp_recovery_codes_hash ON totp_recovery_codes (user_id, code_hash);

ALTER TABLE sessions ADD COLUMN second_factor_at TEXT;
