-- Field nodes, operations (issue 9): an administrator's review of what a revoked device
-- sent. The note is sealed under a data key of its own, wrapped under the organisation's
-- key like every sealed record. Same names and columns as
-- migrations/sqlite/0029_quarantine_review.sql.
ALTER TABLE sync_quarantine ADD COLUMN review_key BYTEA;
ALTER TABLE sync_quarantine ADD COLUMN review_note BYTEA;
