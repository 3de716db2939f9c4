-- The case list at 100,000 cases (issue 8): a team's or an organisation's open cases,
-- newest first, straight from an index. The list stops after its page instead of sorting
-- every open case of the scope, and its count (and the filters on status and risk) read
-- the index alone, never the table (deleted_at rides along so SQLite counts from the
-- index too). Only open cases, so closed ones (most of a team's, in time) cost nothing.
-- The list names the literal `status <> 'closed'` so both databases can use them. Same
-- names and columns as migrations/sqlite/0030_open_cases_newest_first.sql.
CREATE INDEX cases_open_team ON cases (team_id, updated_at DESC, id, status, risk, deleted_at)
    WHERE deleted_at IS NULL AND status <> 'closed';
CREATE INDEX cases_open_org ON cases (org_id, updated_at DESC, id, status, risk, deleted_at)
    WHERE deleted_at IS NULL AND status <> 'closed';
