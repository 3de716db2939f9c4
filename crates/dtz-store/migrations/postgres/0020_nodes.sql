-- Field nodes (issue 9): enrolment codes, enrolled devices and their signed grants on the
-- hub; the node's own identity; the outbox of signed operations on a node; the
-- operations a hub has applied (so each applies once) and the conflicts sync found.
-- A hub and a node run the same binary and the same schema; on each, the tables of the
-- other role stay empty. Same names and columns as migrations/sqlite/0020_nodes.sql.

-- A one-time code an administrator gives a user to enrol one laptop; stored as a hash.
CREATE TABLE node_enrolments (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    code_hash BYTEA NOT NULL UNIQUE,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    device_id UUID
);

-- An enrolled device: its public key, the hash of its sync token, its case-number
-- allocator, the areas its grant covers and the end of its offline lease.
CREATE TABLE devices (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    org_id UUID NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    allocator TEXT NOT NULL UNIQUE,
    areas TEXT NOT NULL,
    lease_days BIGINT NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL,
    enrolled_at TIMESTAMPTZ NOT NULL,
    last_contact_at TIMESTAMPTZ,
    last_seq BIGINT NOT NULL,
    revoked_at TIMESTAMPTZ,
    wipe_ordered_at TIMESTAMPTZ,
    wiped_at TIMESTAMPTZ,
    version BIGINT NOT NULL
);
CREATE INDEX devices_org ON devices (org_id);

-- On a node: who it is (one row). The device's secret key and sync token are sealed
-- under the node's master key; the grant is kept as signed by the hub.
CREATE TABLE node_identity (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    device_id UUID NOT NULL,
    hub_url TEXT NOT NULL,
    user_id UUID NOT NULL,
    org_id UUID NOT NULL,
    secret_key BYTEA NOT NULL,
    device_token BYTEA NOT NULL,
    grant_json TEXT NOT NULL,
    grant_sig BYTEA NOT NULL,
    hub_public_key BYTEA NOT NULL,
    allocator TEXT NOT NULL,
    enrolled_at TIMESTAMPTZ NOT NULL,
    last_sync_at TIMESTAMPTZ,
    version BIGINT NOT NULL
);

-- On a node: every change, written in the transaction of the record and its audit event.
CREATE TABLE sync_outbox (
    id UUID PRIMARY KEY,
    node_seq BIGINT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id UUID NOT NULL,
    base_version BIGINT NOT NULL,
    payload TEXT NOT NULL,
    payload_hash BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    device_clock TIMESTAMPTZ NOT NULL,
    acked_at TIMESTAMPTZ,
    outcome TEXT
);

-- On the hub: each operation received, once, with the answer it got (replays get it again).
CREATE TABLE sync_operations (
    id UUID PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices (id),
    node_seq BIGINT NOT NULL,
    entity TEXT NOT NULL,
    entity_id UUID NOT NULL,
    payload_hash BYTEA NOT NULL,
    outcome TEXT NOT NULL,
    result TEXT NOT NULL,
    device_clock TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    UNIQUE (device_id, node_seq)
);

-- On the hub: a change a node made that sync could not merge, for a person to resolve.
CREATE TABLE sync_conflicts (
    id UUID PRIMARY KEY,
    device_id UUID NOT NULL REFERENCES devices (id),
    operation_id UUID NOT NULL REFERENCES sync_operations (id),
    org_id UUID NOT NULL,
    entity TEXT NOT NULL,
    entity_id UUID NOT NULL,
    fields TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    resolved_by UUID
);
CREATE INDEX sync_conflicts_open ON sync_conflicts (org_id, resolved_at);
