-- Indicator values: one report per programme × organisation × country × period carries
-- the approval state; its values are one row per indicator × part (total or one option
-- of one category set); every change to a value is kept in its history. Baselines and
-- targets beside them. Same names and columns as migrations/sqlite/0006_values.sql.

CREATE TABLE reports (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    returned_reason TEXT,
    submitted_at TIMESTAMPTZ,
    submitted_by UUID,
    country_approved_at TIMESTAMPTZ,
    country_approved_by UUID,
    alliance_approved_at TIMESTAMPTZ,
    alliance_approved_by UUID,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX reports_key ON reports (programme_id, org_id, country, period);
CREATE INDEX reports_status ON reports (programme_id, status);

CREATE TABLE data_values (
    id UUID PRIMARY KEY,
    report_id UUID NOT NULL REFERENCES reports (id),
    indicator_id UUID NOT NULL REFERENCES indicators (id),
    part TEXT NOT NULL,
    value BIGINT,
    numerator BIGINT,
    denominator BIGINT,
    text_value TEXT,
    comment TEXT,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID
);
CREATE UNIQUE INDEX data_values_key ON data_values (report_id, indicator_id, part);
CREATE INDEX data_values_indicator ON data_values (indicator_id);

CREATE TABLE data_value_history (
    id UUID PRIMARY KEY,
    value_id UUID NOT NULL REFERENCES data_values (id),
    version BIGINT NOT NULL,
    value BIGINT,
    numerator BIGINT,
    denominator BIGINT,
    text_value TEXT,
    comment TEXT,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by UUID
);
CREATE INDEX data_value_history_value ON data_value_history (value_id, version);

CREATE TABLE baselines (
    id UUID PRIMARY KEY,
    indicator_id UUID NOT NULL REFERENCES indicators (id),
    country TEXT NOT NULL,
    year BIGINT NOT NULL,
    value BIGINT,
    numerator BIGINT,
    denominator BIGINT,
    note TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX baselines_key ON baselines (indicator_id, country);

CREATE TABLE targets (
    id UUID PRIMARY KEY,
    indicator_id UUID NOT NULL REFERENCES indicators (id),
    country TEXT NOT NULL,
    org_id UUID REFERENCES organisations (id),
    period TEXT NOT NULL,
    part TEXT NOT NULL,
    value BIGINT,
    numerator BIGINT,
    denominator BIGINT,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX targets_indicator ON targets (indicator_id, country);
