-- Field nodes, audit and encryption (issue 9, points 5 and 6). Same names and columns as
-- migrations/postgres/0025_node_security.sql. As in 0020, a hub and a node share the
-- schema; on each, the other role's tables stay empty.

-- On a node: the device key, wrapped by a key derived from the user's passphrase
-- (Argon2id, parameters and salt kept here), and the hub's escrow key for this device,
-- sealed under the device key. One row.
CREATE TABLE node_keyring (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key_id BLOB NOT NULL,
    kdf TEXT NOT NULL,
    salt BLOB NOT NULL,
    wrapped_key BLOB NOT NULL,
    escrow_key BLOB,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL
) STRICT;

-- On a node: a case opened offline has its data key wrapped a second time, under the
-- hub's escrow key for this device, so the hub can always read it.
CREATE TABLE case_escrow_wraps (
    case_id BLOB PRIMARY KEY,
    device_id BLOB NOT NULL,
    wrapped BLOB NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- On a node: the hub's signed receipts for the batches of its audit chain it anchored.
CREATE TABLE node_audit_receipts (
    batch_no INTEGER PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    head_hash BLOB NOT NULL,
    receipt TEXT NOT NULL,
    signature BLOB NOT NULL,
    received_at TEXT NOT NULL
) STRICT;

-- On the hub: each batch of a device's audit chain it anchored, with the receipt it signed.
CREATE TABLE device_audit_batches (
    id BLOB PRIMARY KEY,
    device_id BLOB NOT NULL REFERENCES devices (id),
    batch_no INTEGER NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    prev_hash BLOB NOT NULL,
    head_hash BLOB NOT NULL,
    digest BLOB NOT NULL,
    receipt TEXT NOT NULL,
    signature BLOB NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (device_id, batch_no),
    UNIQUE (device_id, to_seq)
) STRICT;

-- On the hub: the events of the anchored batches, as the node chained them (ids and
-- field names only, like every audit event), browsable by device.
CREATE TABLE device_audit_events (
    device_id BLOB NOT NULL REFERENCES devices (id),
    seq INTEGER NOT NULL,
    batch_id BLOB NOT NULL REFERENCES device_audit_batches (id),
    id BLOB NOT NULL,
    at TEXT NOT NULL,
    actor_user_id BLOB,
    actor_org_id BLOB,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BLOB,
    entity_version INTEGER,
    fields TEXT NOT NULL,
    org_id BLOB,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;

-- On the hub: what a revoked device sent after its revocation, kept for review, never applied.
CREATE TABLE sync_quarantine (
    id BLOB PRIMARY KEY,
    device_id BLOB NOT NULL REFERENCES devices (id),
    org_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TEXT NOT NULL,
    reviewed_at TEXT,
    reviewed_by BLOB
) STRICT;
CREATE INDEX sync_quarantine_open ON sync_quarantine (org_id, reviewed_at);

-- On the hub: the cases a device held (their data keys were on it) and the cases marked
-- for new data keys when it was revoked.
CREATE TABLE device_held_cases (
    device_id BLOB NOT NULL REFERENCES devices (id),
    case_id BLOB NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (device_id, case_id)
) STRICT;
CREATE TABLE case_rekeys (
    case_id BLOB NOT NULL,
    device_id BLOB NOT NULL REFERENCES devices (id),
    marked_at TEXT NOT NULL,
    rekeyed_at TEXT,
    PRIMARY KEY (case_id, device_id)
) STRICT;
