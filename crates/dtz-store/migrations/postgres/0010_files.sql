-- Files (evidence and other attachments) and what they are attached to. Each file is
-- sealed with its own data key, and the data key is wrapped by the owning organisation's
-- key-encryption key (DESIGN §5 envelope encryption): name and content are ciphertext at
-- rest; type, size and hash are plain for lists and integrity checks. A removed file is a
-- tombstone whose data key, name and content are erased. A link says which record a file
-- belongs to: entity kind, entity id and, where the record has parts, which part (for a
-- report: the indicator). Same names and columns as migrations/sqlite/0010_files.sql.

CREATE TABLE files (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organisations (id),
    name BYTEA NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 BYTEA NOT NULL,
    data_key BYTEA NOT NULL,
    content BYTEA NOT NULL,
    version BIGINT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    deleted_by UUID,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX files_org ON files (org_id);

CREATE TABLE file_links (
    id UUID PRIMARY KEY,
    file_id UUID NOT NULL REFERENCES files (id),
    entity TEXT NOT NULL,
    entity_id UUID NOT NULL,
    subject_id UUID,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX file_links_entity ON file_links (entity, entity_id);
CREATE INDEX file_links_file ON file_links (file_id);
