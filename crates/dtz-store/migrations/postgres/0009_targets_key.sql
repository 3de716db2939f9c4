-- One target per indicator × country × organisation (or none: the whole country) ×
-- period × part, held by unique keys: one for country targets, one for an organisation's
-- (NULL is never equal to NULL in a unique index, hence two partial ones). Rows that an
-- earlier race may have doubled are merged first, keeping the last written. A cleared
-- target or baseline stays as a row without a figure (a tombstone with its version).
-- Same names as migrations/sqlite/0009_targets_key.sql.

DELETE FROM targets a USING targets b
WHERE a.indicator_id = b.indicator_id AND a.country = b.country AND a.org_id IS NOT DISTINCT FROM b.org_id
    AND a.period = b.period AND a.part = b.part AND (a.updated_at, a.id) < (b.updated_at, b.id);
DROP INDEX targets_indicator;
CREATE UNIQUE INDEX targets_country_key ON targets (indicator_id, country, period, part) WHERE org_id IS NULL;
CREATE UNIQUE INDEX targets_org_key ON targets (indicator_id, country, org_id, period, part) WHERE org_id IS NOT NULL;
