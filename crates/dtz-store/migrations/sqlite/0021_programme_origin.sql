-- Where a programme comes from: 'entered' (a programme file or the pages) or 'iati'
-- (made by `dtz import iati` from a parent activity; its code is that activity's
-- iati-identifier, its framework is rebuilt by every import of it and read-only here, and
-- its figures stay in the iati_imported_* tables as reported). Same names and columns as
-- migrations/postgres/0021_programme_origin.sql.

ALTER TABLE programmes ADD COLUMN origin TEXT NOT NULL DEFAULT 'entered';
