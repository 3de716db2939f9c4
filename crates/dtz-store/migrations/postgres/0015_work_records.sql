-- Records of the alliance's work: harvested outcomes with their links (to goals and
-- outcomes of a framework, policy instruments, activities), policy instruments and
-- prosecutions with their stage histories, companies with their engagement stages and
-- The Code's six criteria per year. Each record belongs to one organisation and one
-- country (need to know); stage entries are one per record and stage (a correction
-- changes the entry, a withdrawal is a tombstone). Prosecutions hold nothing about the
-- victim; their case reference is sealed under the organisation's key. Same names and
-- columns as migrations/sqlite/0015_work_records.sql.

CREATE TABLE harvested_outcomes (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    title TEXT NOT NULL,
    observed_on DATE NOT NULL,
    change_text TEXT NOT NULL,
    social_actor TEXT NOT NULL,
    significance TEXT NOT NULL,
    contribution TEXT NOT NULL,
    sources TEXT,
    verification TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX harvested_outcomes_place ON harvested_outcomes (country, org_id, observed_on);

CREATE TABLE outcome_links (
    id UUID PRIMARY KEY,
    outcome_id UUID NOT NULL REFERENCES harvested_outcomes (id),
    kind TEXT NOT NULL,
    target_id UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX outcome_links_key ON outcome_links (outcome_id, kind, target_id);
CREATE INDEX outcome_links_target ON outcome_links (kind, target_id);

CREATE TABLE policy_instruments (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    area TEXT,
    title TEXT NOT NULL,
    description TEXT,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX policy_instruments_place ON policy_instruments (country, org_id);

CREATE TABLE policy_stages (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES policy_instruments (id),
    stage TEXT NOT NULL,
    reached_on DATE NOT NULL,
    note TEXT,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX policy_stages_key ON policy_stages (record_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX policy_stages_reached ON policy_stages (stage, reached_on);

CREATE TABLE prosecutions (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    reference TEXT NOT NULL,
    offence TEXT NOT NULL,
    opened_on DATE NOT NULL,
    legal_aid BOOLEAN NOT NULL,
    accompaniment BOOLEAN NOT NULL,
    case_ref BYTEA,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX prosecutions_place ON prosecutions (country, org_id, opened_on);

CREATE TABLE prosecution_stages (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES prosecutions (id),
    stage TEXT NOT NULL,
    reached_on DATE NOT NULL,
    note TEXT,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX prosecution_stages_key ON prosecution_stages (record_id, stage) WHERE deleted_at IS NULL;

CREATE TABLE companies (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    size TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX companies_place ON companies (country, org_id);

CREATE TABLE company_stages (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES companies (id),
    stage TEXT NOT NULL,
    reached_on DATE NOT NULL,
    note TEXT,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX company_stages_key ON company_stages (record_id, stage) WHERE deleted_at IS NULL;
CREATE INDEX company_stages_reached ON company_stages (stage, reached_on);

CREATE TABLE company_years (
    id UUID PRIMARY KEY,
    company_id UUID NOT NULL REFERENCES companies (id),
    year BIGINT NOT NULL,
    policy BOOLEAN NOT NULL,
    training BOOLEAN NOT NULL,
    staff_trained BIGINT,
    clause BOOLEAN NOT NULL,
    travellers BOOLEAN NOT NULL,
    stakeholders BOOLEAN NOT NULL,
    report BOOLEAN NOT NULL,
    policy_evidence TEXT,
    training_evidence TEXT,
    clause_evidence TEXT,
    travellers_evidence TEXT,
    stakeholders_evidence TEXT,
    report_evidence TEXT,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX company_years_key ON company_years (company_id, year);
