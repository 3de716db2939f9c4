-- IATI activities imported from any publisher's file (`dtz import iati`), kept as reported:
-- one row per activity, grouped into the programme of its parent activity (its own
-- iati-identifier when it is a parent), with its header parts (participants, dates,
-- countries, sectors, budgets, transactions, documents, related activities) as one JSON
-- document, and its results as rows keyed by activity → result → indicator → period →
-- figure. A figure is a target or an actual exactly as the file gives it: the total
-- (dimensions '[]') or one disaggregation (dimensions as a JSON list of [name, value]),
-- never spread over organisations × countries, which an imported file does not have.
-- Importing an activity again replaces it whole (same iati-identifier).
-- Same names and columns as migrations/postgres/0022_iati_imports.sql.

CREATE TABLE iati_imported_activities (
    id BLOB PRIMARY KEY,
    programme TEXT NOT NULL,
    identifier TEXT NOT NULL,
    position INTEGER NOT NULL,
    hierarchy INTEGER NOT NULL,
    reporting_ref TEXT,
    reporting_name TEXT,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    currency TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    body TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by BLOB
) STRICT;
CREATE UNIQUE INDEX iati_imported_activities_identifier ON iati_imported_activities (identifier);
CREATE INDEX iati_imported_activities_programme ON iati_imported_activities (programme, position);

CREATE TABLE iati_imported_results (
    id BLOB PRIMARY KEY,
    activity_id BLOB NOT NULL REFERENCES iati_imported_activities (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    aggregation INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT
) STRICT;
CREATE UNIQUE INDEX iati_imported_results_key ON iati_imported_results (activity_id, position);

CREATE TABLE iati_imported_indicators (
    id BLOB PRIMARY KEY,
    result_id BLOB NOT NULL REFERENCES iati_imported_results (id),
    position INTEGER NOT NULL,
    measure TEXT NOT NULL,
    ascending INTEGER NOT NULL,
    aggregation INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    refs TEXT NOT NULL,
    baseline_year INTEGER,
    baseline_value TEXT,
    baseline_comment TEXT
) STRICT;
CREATE UNIQUE INDEX iati_imported_indicators_key ON iati_imported_indicators (result_id, position);

CREATE TABLE iati_imported_periods (
    id BLOB PRIMARY KEY,
    indicator_id BLOB NOT NULL REFERENCES iati_imported_indicators (id),
    position INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX iati_imported_periods_key ON iati_imported_periods (indicator_id, position);

CREATE TABLE iati_imported_figures (
    id BLOB PRIMARY KEY,
    period_id BLOB NOT NULL REFERENCES iati_imported_periods (id),
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    dimensions TEXT NOT NULL,
    value TEXT,
    comment TEXT
) STRICT;
CREATE UNIQUE INDEX iati_imported_figures_key ON iati_imported_figures (period_id, kind, position);
