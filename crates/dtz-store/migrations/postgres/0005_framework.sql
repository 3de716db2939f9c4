-- Programmes and their results framework. Same names and columns as
-- migrations/sqlite/0005_framework.sql. Organisations in a programme (donor, lead,
-- country leads and implementers) are kept as references (IATI id or name), so a
-- programme file loads into any database, and are resolved when shown.

CREATE TABLE programmes (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    period_kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    iati_identifier TEXT,
    donor_ref TEXT,
    lead_ref TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX programmes_code ON programmes (code);

CREATE TABLE programme_countries (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    country TEXT NOT NULL,
    lead_ref TEXT,
    implementer_refs TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX programme_countries_programme ON programme_countries (programme_id);

CREATE TABLE category_sets (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    options TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX category_sets_programme ON category_sets (programme_id);

CREATE TABLE result_nodes (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    parent_id UUID REFERENCES result_nodes (id),
    level TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX result_nodes_programme ON result_nodes (programme_id);

CREATE TABLE indicators (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    node_id UUID NOT NULL REFERENCES result_nodes (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    measure TEXT NOT NULL,
    aggregation TEXT NOT NULL,
    cumulative BOOLEAN NOT NULL,
    counts TEXT NOT NULL,
    ascending BOOLEAN NOT NULL,
    scale_max BIGINT,
    disaggregations TEXT NOT NULL,
    verification TEXT NOT NULL,
    refs TEXT NOT NULL,
    source TEXT NOT NULL,
    computation TEXT,
    sort_order BIGINT NOT NULL,
    version BIGINT NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX indicators_programme ON indicators (programme_id);
