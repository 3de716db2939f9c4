-- Field nodes, audit and encryption (issue 9, points 5 and 6). Same names and columns as
-- migrations/sqlite/0025_node_security.sql. As in 0020, a hub and a node share the
-- schema; on each, the other role's tables stay empty.

-- On a node: the device key, wrapped by a key derived from the user's passphrase
-- (Argon2id, parameters and salt kept here), and the hub's escrow key for this device,
-- sealed under the device key. One row.
CREATE TABLE node_keyring (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    key_id UUID NOT NULL,
    kdf TEXT NOT NULL,
    salt BYTEA NOT NULL,
    wrapped_key BYTEA NOT NULL,
    escrow_key BYTEA,
    created_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);

-- On a node: a case opened offline has its data key wrapped a second time, under the
-- hub's escrow key for this device, so the hub can always read it.
CREATE TABLE case_escrow_wraps (
    case_id UUID PRIMARY KEY,
    device_id UUID NOT NULL,
    wrapped BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- On a node: the hub's signed receipts for the batches of its audit chain it anchored.
CREATE TABLE node_audit_receipts (
    batch_no BIGINT PRIMARY KEY,
    from_seq BIGINT NOT NULL,
    to_seq BIGINT NOT NULL,
    head_hash BYTEA NOT NULL,
    receipt TEXT NOT NULL,
    signature BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);

-- On the hub: each batch of a device's audit chain it anchored, with the receipt it signed.
CREATE TABLE device_audit_batches (
    id UUID PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices (id),
    batch_no BIGINT NOT NULL,
    from_seq BIGINT NOT NULL,
    to_seq BIGINT NOT NULL,
    prev_hash BYTEA NOT NULL,
    head_hash BYTEA NOT NULL,
    digest BYTEA NOT NULL,
    receipt TEXT NOT NULL,
    signature BYTEA NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    UNIQUE (device_id, batch_no),
    UNIQUE (device_id, to_seq)
);

-- On the hub: the events of the anchored batches, as the node chained them (ids and
-- field names only, like every audit event), browsable by device.
CREATE TABLE device_audit_events (
    device_id UUID NOT NULL REFERENCES devices (id),
    seq BIGINT NOT NULL,
    batch_id UUID NOT NULL REFERENCES device_audit_batches (id),
    id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_user_id UUID,
    actor_org_id UUID,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id UUID,
    entity_version BIGINT,
    fields TEXT NOT NULL,
    org_id UUID,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (device_id, seq)
);

-- On the hub: what a revoked device sent after its revocation, kept for review, never applied.
CREATE TABLE sync_quarantine (
    id UUID PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices (id),
    org_id UUID NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    reviewed_at TIMESTAMPTZ,
    reviewed_by UUID
);
CREATE INDEX sync_quarantine_open ON sync_quarantine (org_id, reviewed_at);

-- On the hub: the cases a device held (their data keys were on it) and the cases marked
-- for new data keys when it was revoked.
CREATE TABLE device_held_cases (
    device_id UUID NOT NULL REFERENCES devices (id),
    case_id UUID NOT NULL,
    since TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, case_id)
);
CREATE TABLE case_rekeys (
    case_id UUID NOT NULL,
    device_id UUID NOT NULL REFERENCES devices (id),
    marked_at TIMESTAMPTZ NOT NULL,
    rekeyed_at TIMESTAMPTZ,
    PRIMARY KEY (case_id, device_id)
);
