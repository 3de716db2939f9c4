-- Cases checked out to a field node (issue 9): besides their own caseload, a caseworker
-- or supervisor may take a case to a laptop for a stated reason, for a limited time and
-- up to a cap per device. The hub decides what a node holds from these rows at every
-- pull; a returned or expired checkout evicts the case. Same names and columns as
-- migrations/postgres/0026_case_checkouts.sql.
CREATE TABLE case_checkouts (
    id BLOB PRIMARY KEY,
    case_id BLOB NOT NULL REFERENCES cases (id),
    device_id BLOB NOT NULL REFERENCES devices (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    org_id BLOB NOT NULL REFERENCES organisations (id),
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    until TEXT NOT NULL,
    returned_at TEXT,
    returned_by BLOB
) STRICT;
CREATE UNIQUE INDEX case_checkouts_open ON case_checkouts (case_id, device_id) WHERE returned_at IS NULL;
CREATE INDEX case_checkouts_device ON case_checkouts (device_id, returned_at);
