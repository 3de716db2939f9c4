-- Cases pulled down to field nodes (issue 9, point 2). Same names and columns as
-- migrations/postgres/0027_cases_down.sql. The hub notes in `device_held_cases` every case
-- it sent to a device (0025); when a case leaves the device's scope the hub marks the row
-- evicted and the node, having deleted the case, its children and its key wraps,
-- acknowledges it. A case coming back into scope is sent again and the marks cleared.
ALTER TABLE device_held_cases ADD COLUMN evicted_at TEXT;
ALTER TABLE device_held_cases ADD COLUMN acknowledged_at TEXT;
CREATE INDEX device_held_cases_evicted ON device_held_cases (evicted_at, acknowledged_at);
