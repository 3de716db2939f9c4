-- Files uploaded for an import, held between the dry run and the confirmation for a short
-- while, for the session that uploaded them. Same names and columns as
-- migrations/sqlite/0008_uploads.sql.

CREATE TABLE import_uploads (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    session_hash BYTEA NOT NULL,
    programme_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_uploads_session ON import_uploads (session_hash);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
