-- Configuration as data: system settings, per-country settings and vocabularies with
-- translations. Same names and columns as migrations/postgres/0002_settings.sql.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE country_settings (
    id BLOB PRIMARY KEY,
    country TEXT NOT NULL,
    lead_org_id BLOB REFERENCES organisations (id),
    helpline TEXT,
    police TEXT,
    answer_within_hours INTEGER,
    retention_closed_case_months INTEGER,
    retention_signal_months INTEGER,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX country_settings_country ON country_settings (country);

CREATE TABLE vocabulary_terms (
    id BLOB PRIMARY KEY,
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    country TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    active INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX vocabulary_terms_code ON vocabulary_terms (vocabulary, code, country);

CREATE TABLE vocabulary_labels (
    term_id BLOB NOT NULL REFERENCES vocabulary_terms (id),
    language TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (term_id, language)
) STRICT;
