-- Reporting deadlines per programme and period, and when reminders went out. Same names
-- and columns as migrations/sqlite/0007_deadlines.sql.

CREATE TABLE period_deadlines (
    id UUID PRIMARY KEY,
    programme_id UUID NOT NULL REFERENCES programmes (id),
    period TEXT NOT NULL,
    due_date DATE NOT NULL,
    reminded_at TIMESTAMPTZ,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX period_deadlines_key ON period_deadlines (programme_id, period);
