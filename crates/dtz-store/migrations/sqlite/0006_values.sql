-- Indicator values: one report per programme × organisation × country × period carries
-- the approval state; its values are one row per indicator × part (total or one option
-- of one category set); every change to a value is kept in its history. Baselines and
-- targets beside them. Same names and columns as migrations/postgres/0006_values.sql.

CREATE TABLE reports (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    returned_reason TEXT,
    submitted_at TEXT,
    submitted_by BLOB,
    country_approved_at TEXT,
    country_approved_by BLOB,
    alliance_approved_at TEXT,
    alliance_approved_by BLOB,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX reports_key ON reports (programme_id, org_id, country, period);
CREATE INDEX reports_status ON reports (programme_id, status);

CREATE TABLE data_values (
    id BLOB PRIMARY KEY,
    report_id BLOB NOT NULL REFERENCES reports (id),
    indicator_id BLOB NOT NULL REFERENCES indicators (id),
    part TEXT NOT NULL,
    value INTEGER,
    numerator INTEGER,
    denominator INTEGER,
    text_value TEXT,
    comment TEXT,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB
) STRICT;
CREATE UNIQUE INDEX data_values_key ON data_values (report_id, indicator_id, part);
CREATE INDEX data_values_indicator ON data_values (indicator_id);

CREATE TABLE data_value_history (
    id BLOB PRIMARY KEY,
    value_id BLOB NOT NULL REFERENCES data_values (id),
    version INTEGER NOT NULL,
    value INTEGER,
    numerator INTEGER,
    denominator INTEGER,
    text_value TEXT,
    comment TEXT,
    changed_at TEXT NOT NULL,
    changed_by BLOB
) STRICT;
CREATE INDEX data_value_history_value ON data_value_history (value_id, version);

CREATE TABLE baselines (
    id BLOB PRIMARY KEY,
    indicator_id BLOB NOT NULL REFERENCES indicators (id),
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    value INTEGER,
    numerator INTEGER,
    denominator INTEGER,
    note TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX baselines_key ON baselines (indicator_id, country);

CREATE TABLE targets (
    id BLOB PRIMARY KEY,
    indicator_id BLOB NOT NULL REFERENCES indicators (id),
    country TEXT NOT NULL,
    org_id BLOB REFERENCES organisations (id),
    period TEXT NOT NULL,
    part TEXT NOT NULL,
    value INTEGER,
    numerator INTEGER,
    denominator INTEGER,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX targets_indicator ON targets (indicator_id, country);
