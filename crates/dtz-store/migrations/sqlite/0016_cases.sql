-- Cases, staff triage of signals, protection steps, transfers. Same names and columns as
-- migrations/postgres/0016_cases.sql.
--
-- What names or locates a child is sealed under the case's own data key (`data_key`,
-- wrapped by the owning organisation's key-encryption key): the profile, notes, goal
-- texts, step notes, consent reasons. Every other column is plaintext so that lists can
-- filter and sort on it without opening anything.

-- Case numbers: each allocating site (the hub, later each field node) counts on its own
-- per country and year.
CREATE TABLE case_number_sequences (
    allocator TEXT NOT NULL,
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (allocator, country, year)
) STRICT;

CREATE TABLE cases (
    id BLOB PRIMARY KEY,
    number TEXT NOT NULL,
    country TEXT NOT NULL,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    team_id BLOB REFERENCES teams (id),
    caseworker_id BLOB REFERENCES users (id),
    signal_id BLOB REFERENCES signals (id),
    status TEXT NOT NULL,
    risk TEXT,
    sex TEXT,
    birth_year INTEGER,
    birth_year_estimated INTEGER NOT NULL,
    languages TEXT NOT NULL,
    consent_services TEXT,
    consent_sharing TEXT,
    consent_statistics TEXT,
    consent_flagged INTEGER NOT NULL,
    closure_reason TEXT,
    closure_requested_by BLOB REFERENCES users (id),
    closure_requested_at TEXT,
    closed_by BLOB REFERENCES users (id),
    closed_at TEXT,
    data_key BLOB,
    profile BLOB,
    created_by BLOB REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    erased_at TEXT,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX cases_number ON cases (number);
CREATE INDEX cases_org ON cases (org_id, status, updated_at);
CREATE INDEX cases_team ON cases (team_id, status);
CREATE INDEX cases_caseworker ON cases (caseworker_id, status);
CREATE INDEX cases_signal ON cases (signal_id);

CREATE TABLE case_consents (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    given_by TEXT,
    reason BLOB,
    recorded_by BLOB REFERENCES users (id),
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX case_consents_case ON case_consents (case_id, recorded_at);

CREATE TABLE case_notes (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    amends_id BLOB REFERENCES case_notes (id),
    body BLOB,
    author_id BLOB REFERENCES users (id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);

CREATE TABLE case_goals (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    status TEXT NOT NULL,
    due_date TEXT,
    body BLOB,
    created_by BLOB REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX case_goals_case ON case_goals (case_id, created_at);

CREATE TABLE protection_steps (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    due_date TEXT,
    done_date TEXT,
    note BLOB,
    reminded_at TEXT,
    created_by BLOB REFERENCES users (id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX protection_steps_case ON protection_steps (case_id, due_date);
CREATE INDEX protection_steps_due ON protection_steps (status, reminded_at, due_date);

CREATE TABLE case_transfers (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    from_org_id BLOB NOT NULL REFERENCES organisations (id),
    to_org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by BLOB REFERENCES users (id),
    requested_at TEXT NOT NULL,
    decided_by BLOB REFERENCES users (id),
    decided_at TEXT,
    version INTEGER NOT NULL
) STRICT;
CREATE INDEX case_transfers_case ON case_transfers (case_id, state);
CREATE INDEX case_transfers_to ON case_transfers (to_org_id, state);

-- One alert per user and day about unusual volumes of case reads.
CREATE TABLE case_read_alerts (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    alerted_at TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_reads ON audit_events (actor_user_id, action, at);

-- Triage of signals.
ALTER TABLE signals ADD COLUMN triaged_at TEXT;
ALTER TABLE signals ADD COLUMN urgent_since TEXT;
ALTER TABLE signals ADD COLUMN picked_up_at TEXT;
ALTER TABLE signals ADD COLUMN escalated_at TEXT;
ALTER TABLE signals ADD COLUMN close_reason TEXT;
ALTER TABLE signals ADD COLUMN duplicate_of BLOB REFERENCES signals (id);
ALTER TABLE signals ADD COLUMN case_id BLOB REFERENCES cases (id);
CREATE INDEX signals_escalation ON signals (urgency, escalated_at, picked_up_at);

-- Minutes within which an urgent signal must be picked up before supervisors are told.
ALTER TABLE country_settings ADD COLUMN urgent_pickup_minutes INTEGER;
