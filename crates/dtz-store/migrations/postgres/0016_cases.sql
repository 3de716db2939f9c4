-- Cases, staff triage of signals, protection steps, transfers. Same names and columns as
-- migrations/sqlite/0016_cases.sql.
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
    year BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (allocator, country, year)
);

CREATE TABLE cases (
    id UUID PRIMARY KEY,
    number TEXT NOT NULL,
    country TEXT NOT NULL,
    org_id UUID NOT NULL REFERENCES organisations (id),
    team_id UUID REFERENCES teams (id),
    caseworker_id UUID REFERENCES users (id),
    signal_id UUID REFERENCES signals (id),
    status TEXT NOT NULL,
    risk TEXT,
    sex TEXT,
    birth_year BIGINT,
    birth_year_estimated BOOLEAN NOT NULL,
    languages TEXT NOT NULL,
    consent_services TEXT,
    consent_sharing TEXT,
    consent_statistics TEXT,
    consent_flagged BOOLEAN NOT NULL,
    closure_reason TEXT,
    closure_requested_by UUID REFERENCES users (id),
    closure_requested_at TIMESTAMPTZ,
    closed_by UUID REFERENCES users (id),
    closed_at TIMESTAMPTZ,
    data_key BYTEA,
    profile BYTEA,
    created_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    erased_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX cases_number ON cases (number);
CREATE INDEX cases_org ON cases (org_id, status, updated_at);
CREATE INDEX cases_team ON cases (team_id, status);
CREATE INDEX cases_caseworker ON cases (caseworker_id, status);
CREATE INDEX cases_signal ON cases (signal_id);

CREATE TABLE case_consents (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    given_by TEXT,
    reason BYTEA,
    recorded_by UUID REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_consents_case ON case_consents (case_id, recorded_at);

CREATE TABLE case_notes (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    amends_id UUID REFERENCES case_notes (id),
    body BYTEA,
    author_id UUID REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);

CREATE TABLE case_goals (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    status TEXT NOT NULL,
    due_date DATE,
    body BYTEA,
    created_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_goals_case ON case_goals (case_id, created_at);

CREATE TABLE protection_steps (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    due_date DATE,
    done_date DATE,
    note BYTEA,
    reminded_at TIMESTAMPTZ,
    created_by UUID REFERENCES users (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX protection_steps_case ON protection_steps (case_id, due_date);
CREATE INDEX protection_steps_due ON protection_steps (status, reminded_at, due_date);

CREATE TABLE case_transfers (
    id UUID PRIMARY KEY,
    case_id UUID NOT NULL REFERENCES cases (id),
    from_org_id UUID NOT NULL REFERENCES organisations (id),
    to_org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    state TEXT NOT NULL,
    requested_by UUID REFERENCES users (id),
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by UUID REFERENCES users (id),
    decided_at TIMESTAMPTZ,
    version BIGINT NOT NULL
);
CREATE INDEX case_transfers_case ON case_transfers (case_id, state);
CREATE INDEX case_transfers_to ON case_transfers (to_org_id, state);

-- One alert per user and day about unusual volumes of case reads.
CREATE TABLE case_read_alerts (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    alerted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_events_reads ON audit_events (actor_user_id, action, at);

-- Triage of signals.
ALTER TABLE signals ADD COLUMN triaged_at TIMESTAMPTZ;
ALTER TABLE signals ADD COLUMN urgent_since TIMESTAMPTZ;
ALTER TABLE signals ADD COLUMN picked_up_at TIMESTAMPTZ;
ALTER TABLE signals ADD COLUMN escalated_at TIMESTAMPTZ;
ALTER TABLE signals ADD COLUMN close_reason TEXT;
ALTER TABLE signals ADD COLUMN duplicate_of UUID REFERENCES signals (id);
ALTER TABLE signals ADD COLUMN case_id UUID REFERENCES cases (id);
CREATE INDEX signals_escalation ON signals (urgency, escalated_at, picked_up_at);

-- Minutes within which an urgent signal must be picked up before supervisors are told.
ALTER TABLE country_settings ADD COLUMN urgent_pickup_minutes BIGINT;
