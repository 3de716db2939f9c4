-- One target per indicator × country × organisation (or none: the whole country) ×
-- period × part, held by unique keys: one for country targets, one for an organisation's
-- (NULL is never equal to NULL in a unique index, hence two partial ones). Rows that an
-- earlier race may have doubled are merged first, keeping the last written. A cleared
-- target or baseline stays as a row without a figure (a tombstone with its version).
-- Same names as migrations/postgres/0009_targets_key.sql.

DELETE FROM targets WHERE rowid NOT IN (
    SELECT MAX(rowid) FROM targets GROUP BY indicator_id, country, org_id, period, part
);
DROP INDEX targets_indicator;
CREATE UNIQUE INDEX targets_country_key ON targets (indicator_id, country, period, part) WHERE org_id IS NULL;
CREATE UNIQUE INDEX targets_org_key ON targets (indicator_id, country, org_id, period, part) WHERE org_id IS NOT NULL;
