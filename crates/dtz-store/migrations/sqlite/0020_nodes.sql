-- Field nodes (issue 9): enrolment codes, enrolled devices and their signed grants on the
-- hub; the node's own identity; the outbox of signed operations on a node; the
-- operations a hub has applied (so each applies once) and the conflicts sync found.
-- A hub and a node run the same binary and the same schema; on each, the tables of the
-- other role stay empty. Same names and columns as migrations/postgres/0020_nodes.sql.

-- A one-time code an administrator gives a user to enrol one laptop; stored as a hash.
CREATE TABLE node_enrolments (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    code_hash BLOB NOT NULL UNIQUE,
    created_by BLOB,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    device_id BLOB
) STRICT;

-- An enrolled device: its public key, the hash of its sync token, its case-number
-- allocator, the areas its grant covers and the end of its offline lease.
CREATE TABLE devices (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    org_id BLOB NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    public_key BLOB NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    allocator TEXT NOT NULL UNIQUE,
    areas TEXT NOT NULL,
    lease_days INTEGER NOT NULL,
    lease_until TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    last_contact_at TEXT,
    last_seq INTEGER NOT NULL,
    revoked_at TEXT,
    wipe_ordered_at TEXT,
    wiped_at TEXT,
    version INTEGER NOT NULL
) STRICT;
CREATE INDEX devices_org ON devices (org_id);

-- On a node: who it is (one row). The device's secret key and sync token are sealed
-- under the node's master key; the grant is kept as signed by the hub.
CREATE TABLE node_identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    device_id BLOB NOT NULL,
    hub_url TEXT NOT NULL,
    user_id BLOB NOT NULL,
    org_id BLOB NOT NULL,
    secret_key BLOB NOT NULL,
    device_token BLOB NOT NULL,
    grant_json TEXT NOT NULL,
    grant_sig BLOB NOT NULL,
    hub_public_key BLOB NOT NULL,
    allocator TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    last_sync_at TEXT,
    version INTEGER NOT NULL
) STRICT;

-- On a node: every change, written in the transaction of the record and its audit event.
CREATE TABLE sync_outbox (
    id BLOB PRIMARY KEY,
    node_seq INTEGER NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    base_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    payload_hash BLOB NOT NULL,
    signature BLOB NOT NULL,
    device_clock TEXT NOT NULL,
    acked_at TEXT,
    outcome TEXT
) STRICT;

-- On the hub: each operation received, once, with the answer it got (replays get it again).
CREATE TABLE sync_operations (
    id BLOB PRIMARY KEY,
    device_id BLOB NOT NULL REFERENCES devices (id),
    node_seq INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    payload_hash BLOB NOT NULL,
    outcome TEXT NOT NULL,
    result TEXT NOT NULL,
    device_clock TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (device_id, node_seq)
) STRICT;

-- On the hub: a change a node made that sync could not merge, for a person to resolve.
CREATE TABLE sync_conflicts (
    id BLOB PRIMARY KEY,
    device_id BLOB NOT NULL REFERENCES devices (id),
    operation_id BLOB NOT NULL REFERENCES sync_operations (id),
    org_id BLOB NOT NULL,
    entity TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    fields TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by BLOB
) STRICT;
CREATE INDEX sync_conflicts_open ON sync_conflicts (org_id, resolved_at);
