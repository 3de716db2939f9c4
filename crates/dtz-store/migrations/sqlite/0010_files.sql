-- Files (evidence and other attachments) and what they are attached to. Each file is
-- sealed with its own data key, and the data key is wrapped by the owning organisation's
-- key-encryption key (DESIGN §5 envelope encryption): name and content are ciphertext at
-- rest; type, size and hash are plain for lists and integrity checks. A removed file is a
-- tombstone whose data key, name and content are erased. A link says which record a file
-- belongs to: entity kind, entity id and, where the record has parts, which part (for a
-- report: the indicator). Same names and columns as migrations/postgres/0010_files.sql.

CREATE TABLE files (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES organisations (id),
    name BLOB NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 BLOB NOT NULL,
    data_key BLOB NOT NULL,
    content BLOB NOT NULL,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    deleted_by BLOB,
    deleted_at TEXT
) STRICT;
CREATE INDEX files_org ON files (org_id);

CREATE TABLE file_links (
    id BLOB PRIMARY KEY,
    file_id BLOB NOT NULL REFERENCES files (id),
    entity TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    subject_id BLOB,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX file_links_entity ON file_links (entity, entity_id);
CREATE INDEX file_links_file ON file_links (file_id);
