-- Files uploaded for an import, held between the dry run and the confirmation for a short
-- while, for the session that uploaded them. Same names and columns as
-- migrations/postgres/0008_uploads.sql.

CREATE TABLE import_uploads (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    session_hash BLOB NOT NULL,
    programme_code TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX import_uploads_session ON import_uploads (session_hash);
CREATE INDEX import_uploads_created ON import_uploads (created_at);
