-- IATI publishing: a programme's IATI settings (sectors, languages, activity layout,
-- document links, per-publisher identifiers) as JSON beside its other fields, and the
-- minimal finance record IATI needs per alliance member × country × year: the budget,
-- the incoming funds from the donor (with their date), the expenditure, and the
-- disbursements to each local partner. Amounts are whole units of the programme's
-- currency. A record cleared in the pages stays as a tombstone (deleted_at) with its
-- version. Same names and columns as migrations/postgres/0013_iati_finance.sql.

ALTER TABLE programmes ADD COLUMN iati_settings TEXT NOT NULL DEFAULT '{}';

CREATE TABLE finance_records (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    budget INTEGER,
    incoming INTEGER,
    incoming_date TEXT,
    expenditure INTEGER,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX finance_records_key ON finance_records (programme_id, org_id, country, year);

CREATE TABLE finance_disbursements (
    id BLOB PRIMARY KEY,
    record_id BLOB NOT NULL REFERENCES finance_records (id),
    partner_id BLOB NOT NULL REFERENCES organisations (id),
    amount INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX finance_disbursements_key ON finance_disbursements (record_id, partner_id);
