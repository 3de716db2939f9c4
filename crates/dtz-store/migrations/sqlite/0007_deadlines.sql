-- Reporting deadlines per programme and period, and when reminders went out. Same names
-- and columns as migrations/postgres/0007_deadlines.sql.

CREATE TABLE period_deadlines (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    period TEXT NOT NULL,
    due_date TEXT NOT NULL,
    reminded_at TEXT,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX period_deadlines_key ON period_deadlines (programme_id, period);
