-- A programme's approved generation: counts the changes to its set of approved reports
-- (an approval at the alliance level, a reopening), in the same transaction as the
-- change. Approved values are frozen, so the approved figures of a programme are a pure
-- function of (programme version, approved generation): the rollup memo keys on them.
-- Same names and columns as migrations/postgres/0012_approved_generation.sql.

ALTER TABLE programmes ADD COLUMN approved_generation INTEGER NOT NULL DEFAULT 0;
