-- Programmes and their results framework. Same names and columns as
-- migrations/postgres/0005_framework.sql. Organisations in a programme (donor, lead,
-- country leads and implementers) are kept as references (IATI id or name), so a
-- programme file loads into any database, and are resolved when shown.

CREATE TABLE programmes (
    id BLOB PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    period_kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    iati_identifier TEXT,
    donor_ref TEXT,
    lead_ref TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX programmes_code ON programmes (code);

CREATE TABLE programme_countries (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    country TEXT NOT NULL,
    lead_ref TEXT,
    implementer_refs TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX programme_countries_programme ON programme_countries (programme_id);

CREATE TABLE category_sets (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    options TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX category_sets_programme ON category_sets (programme_id);

CREATE TABLE result_nodes (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    parent_id BLOB REFERENCES result_nodes (id),
    level TEXT NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX result_nodes_programme ON result_nodes (programme_id);

CREATE TABLE indicators (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    node_id BLOB NOT NULL REFERENCES result_nodes (id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    measure TEXT NOT NULL,
    aggregation TEXT NOT NULL,
    cumulative INTEGER NOT NULL,
    counts TEXT NOT NULL,
    ascending INTEGER NOT NULL,
    scale_max INTEGER,
    disaggregations TEXT NOT NULL,
    verification TEXT NOT NULL,
    refs TEXT NOT NULL,
    source TEXT NOT NULL,
    computation TEXT,
    sort_order INTEGER NOT NULL,
    version INTEGER NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX indicators_programme ON indicators (programme_id);
