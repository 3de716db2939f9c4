-- IATI publishing: a programme's IATI settings (sectors, languages, activity layout,
-- document links, per-publisher identifiers) as JSON beside its other fields, and the
-- minimal finance record IATI needs per alliance member × country × year: the budget,
-- the incoming funds from the donor (with their date), the expenditure, and the
-- disbursements to each local partner. Amounts are whole units of the programme's
-- currency. A record cleared in the pages stays as a tombstone (deleted_at) with its
-- version. Same names and columns as migrations/sqlite/0013_iati_finance.sql.

ALTER TABLE programmes ADD COLUMN iati_settings TEXT NOT NULL DEFAULT '{}';

CREATE TABLE finance_records (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    org_id UUID NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    year BIGINT NOT NULL,
    budget BIGINT,
    incoming BIGINT,
    incoming_date DATE,
    expenditure BIGINT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID,
    deleted_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX finance_records_key ON finance_records (programme_id, org_id, country, year);

CREATE TABLE finance_disbursements (
    id UUID PRIMARY KEY,
    record_id UUID NOT NULL REFERENCES finance_records (id),
    partner_id UUID NOT NULL REFERENCES organisations (id),
    amount BIGINT NOT NULL
);
CREATE UNIQUE INDEX finance_disbursements_key ON finance_disbursements (record_id, partner_id);
