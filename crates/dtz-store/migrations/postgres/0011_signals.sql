-- Signals (reports of suspected sexual exploitation of children) and the messages
-- between staff and whoever holds a signal's receipt. Same names and columns as
-- migrations/sqlite/0011_signals.sql.
--
-- What a reporter wrote is sealed (`content`, `signal_messages.body`) under the signal's
-- own data key, which is wrapped (`data_key`) by the key-encryption key of the receiving
-- organisation; the ciphertexts name the key that sealed them. Lists filter on the
-- plaintext columns only. No column holds an address, a user agent or a cookie of a
-- reporter.

CREATE TABLE signals (
    id UUID PRIMARY KEY,
    country TEXT NOT NULL,
    org_id UUID NOT NULL REFERENCES organisations (id),
    channel TEXT NOT NULL,
    reporter_type TEXT,
    status TEXT NOT NULL,
    category TEXT,
    urgency TEXT,
    team_id UUID REFERENCES teams (id),
    assignee_id UUID REFERENCES users (id),
    created_by UUID REFERENCES users (id),
    receipt_lookup BYTEA,
    receipt_hash TEXT,
    data_key BYTEA,
    content BYTEA,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    erased_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX signals_receipt_lookup ON signals (receipt_lookup);
CREATE INDEX signals_org ON signals (org_id, created_at);
CREATE INDEX signals_country ON signals (country, status);

CREATE TABLE signal_messages (
    id UUID PRIMARY KEY,
    signal_id UUID NOT NULL REFERENCES signals (id),
    direction TEXT NOT NULL,
    author_id UUID REFERENCES users (id),
    body BYTEA,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX signal_messages_signal ON signal_messages (signal_id, created_at);
