-- Configuration as data: system settings, per-country settings and vocabularies with
-- translations. Same names and columns as migrations/sqlite/0002_settings.sql.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE country_settings (
    id UUID PRIMARY KEY,
    country TEXT NOT NULL,
    lead_org_id UUID REFERENCES organisations (id),
    helpline TEXT,
    police TEXT,
    answer_within_hours BIGINT,
    retention_closed_case_months BIGINT,
    retention_signal_months BIGINT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX country_settings_country ON country_settings (country);

CREATE TABLE vocabulary_terms (
    id UUID PRIMARY KEY,
    vocabulary TEXT NOT NULL,
    code TEXT NOT NULL,
    country TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    active BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX vocabulary_terms_code ON vocabulary_terms (vocabulary, code, country);

CREATE TABLE vocabulary_labels (
    term_id UUID NOT NULL REFERENCES vocabulary_terms (id),
    language TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (term_id, language)
);
