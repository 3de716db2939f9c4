-- Signals (reports of suspected sexual exploitation of children) and the messages
-- between staff and whoever holds a signal's receipt. Same names and columns as
-- migrations/postgres/0011_signals.sql.
--
-- What a reporter wrote is sealed (`content`, `signal_messages.body`) under the signal's
-- own data key, which is wrapped (`data_key`) by the key-encryption key of the receiving
-- organisation; the ciphertexts name the key that sealed them. Lists filter on the
-- plaintext columns only. No column holds an address, a user agent or a cookie of a
-- reporter.

CREATE TABLE signals (
    id BLOB PRIMARY KEY,
    country TEXT NOT NULL,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    channel TEXT NOT NULL,
    reporter_type TEXT,
    status TEXT NOT NULL,
    category TEXT,
    urgency TEXT,
    team_id BLOB REFERENCES teams (id),
    assignee_id BLOB REFERENCES users (id),
    created_by BLOB REFERENCES users (id),
    receipt_lookup BLOB,
    receipt_hash TEXT,
    data_key BLOB,
    content BLOB,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    erased_at TEXT,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX signals_receipt_lookup ON signals (receipt_lookup);
CREATE INDEX signals_org ON signals (org_id, created_at);
CREATE INDEX signals_country ON signals (country, status);

CREATE TABLE signal_messages (
    id BLOB PRIMARY KEY,
    signal_id BLOB NOT NULL REFERENCES signals (id),
    direction TEXT NOT NULL,
    author_id BLOB REFERENCES users (id),
    body BLOB,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX signal_messages_signal ON signal_messages (signal_id, created_at);
