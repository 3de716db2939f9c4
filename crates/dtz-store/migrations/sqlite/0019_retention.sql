-- Retention and one-time public form tokens. Same names and columns as
-- migrations/postgres/0019_retention.sql.

-- A public report form may be sent once: the keyed hash of its token is kept until the
-- token would have expired anyway (then retention deletes it). Nothing here says who
-- sent it.
CREATE TABLE public_form_uses (
    token_hash BLOB PRIMARY KEY,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX public_form_uses_expiry ON public_form_uses (expires_at);

-- When retention removed the reporter's contact details from a signal's sealed report.
ALTER TABLE signals ADD COLUMN contact_erased_at TEXT;
CREATE INDEX signals_retention ON signals (status, closed_at);
CREATE INDEX cases_retention ON cases (status, closed_at);
