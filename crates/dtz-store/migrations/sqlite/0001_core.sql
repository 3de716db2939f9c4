-- Core platform: organisations, accounts, roles, teams, sessions, tokens, keys, audit.
-- Same names and columns as migrations/postgres/0001_core.sql; types differ by dialect:
-- uuid -> BLOB, timestamptz -> TEXT (RFC 3339, UTC), boolean -> INTEGER, bytea -> BLOB.

CREATE TABLE organisations (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    iati_id TEXT,
    country TEXT,
    publishable INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX organisations_iati_id ON organisations (iati_id);
CREATE UNIQUE INDEX organisations_name ON organisations (name);

CREATE TABLE org_keys (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    master_key_id TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL,
    retired_at TEXT
) STRICT;
CREATE INDEX org_keys_org ON org_keys (org_id);
CREATE INDEX org_keys_master ON org_keys (master_key_id);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE teams (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX teams_org ON teams (org_id);

CREATE TABLE role_assignments (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    org_id BLOB REFERENCES organisations (id),
    country TEXT,
    team_id BLOB REFERENCES teams (id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX role_assignments_user ON role_assignments (user_id);
CREATE INDEX role_assignments_team ON role_assignments (team_id);

CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
) STRICT;
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL,
    at TEXT NOT NULL,
    actor_user_id BLOB,
    actor_org_id BLOB,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BLOB,
    entity_version INTEGER,
    fields TEXT NOT NULL,
    org_id BLOB,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
) STRICT;
CREATE INDEX audit_events_entity ON audit_events (entity_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_user_id, seq);
CREATE INDEX audit_events_org ON audit_events (org_id, seq);

CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL
) STRICT;
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, X'');
