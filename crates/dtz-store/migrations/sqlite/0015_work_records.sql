-- Records of the alliance's work: harvested outcomes with their links (to goals and
-- outcomes of a framework, policy instruments, activities), policy instruments and
-- prosecutions with their stage histories, companies with their engagement stages and
-- The Code's six criteria per year. Each record belongs to one organisation and one
-- country (need to know); stage entries are one per record and stage (a correction
-- changes the entry, a withdrawal is a tombstone). Prosecutions hold nothing about the
-- victim; their case reference is sealed under the organisation's key. Same names and
-- columns as migrations/postgres/0015_work_records.sql.

CREATE TABLE harvested_outcomes (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    title TEXT NOT NULL,
    observed_on TEXT NOT NULL,
    change_text TEXT NOT NULL,
    social_actor TEXT NOT NULL,
    significance TEXT NOT NULL,
    contribution TEXT NOT NULL,
    sources TEXT,
    verification TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX harvested_outcomes_place ON harvested_outcomes (country, org_id, observed_on);

CREATE TABLE outcome_links (
    id BLOB PRIMARY KEY,
    outcome_id BLOB NOT NULL REFERENCES harvested_outcomes (id),
    kind TEXT NOT NULL,
    target_id BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX outcome_links_key ON outcome_links (outcome_id, kind, target_id);
CREATE INDEX outcome_links_target ON outcome_links (kind, target_id);

CREATE TABLE policy_instruments (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    area TEXT,
    title TEXT NOT NULL,
    description TEXT,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX policy_instruments_place ON policy_instruments (country, org_id);

CREATE TABLE policy_stages (
    id BLOB PRIMARY KEY,
    record_id BLOB NOT NULL REFERENCES policy_instruments (id),
    stage TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    note TEXT,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX policy_stages_key ON policy_stages (record_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX policy_stages_reached ON policy_stages (stage, reached_on);

CREATE TABLE prosecutions (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    reference TEXT NOT NULL,
    offence TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    legal_aid INTEGER NOT NULL,
    accompaniment INTEGER NOT NULL,
    case_ref BLOB,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX prosecutions_place ON prosecutions (country, org_id, opened_on);

CREATE TABLE prosecution_stages (
    id BLOB PRIMARY KEY,
    record_id BLOB NOT NULL REFERENCES prosecutions (id),
    stage TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    note TEXT,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX prosecution_stages_key ON prosecution_stages (record_id, stage) WHERE deleted_at IS NULL;

CREATE TABLE companies (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    size TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX companies_place ON companies (country, org_id);

CREATE TABLE company_stages (
    id BLOB PRIMARY KEY,
    record_id BLOB NOT NULL REFERENCES companies (id),
    stage TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    note TEXT,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX company_stages_key ON company_stages (record_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX company_stages_reached ON company_stages (stage, reached_on);

CREATE TABLE company_years (
    id BLOB PRIMARY KEY,
    company_id BLOB NOT NULL REFERENCES companies (id),
    year INTEGER NOT NULL,
    policy INTEGER NOT NULL,
    training INTEGER NOT NULL,
    staff_trained INTEGER,
    clause INTEGER NOT NULL,
    travellers INTEGER NOT NULL,
    stakeholders INTEGER NOT NULL,
    report INTEGER NOT NULL,
    policy_evidence TEXT,
    training_evidence TEXT,
    clause_evidence TEXT,
    travellers_evidence TEXT,
    stakeholders_evidence TEXT,
    report_evidence TEXT,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX company_years_key ON company_years (company_id, year);
