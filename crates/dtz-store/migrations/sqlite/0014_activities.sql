-- Activities (trainings, awareness events, campaigns, lobby meetings…) of an organisation
-- in a country, under a strategic goal of a programme, with their reach by group × sex ×
-- age group (first-time participants apart from repeat ones). `period` is the reporting
-- period containing the start date, kept so the figures of one report are one indexed
-- query. A removed activity is a tombstone. Evidence files attach through file_links
-- (entity 'activity'). Same names and columns as migrations/postgres/0014_activities.sql.

CREATE TABLE activities (
    id BLOB PRIMARY KEY,
    programme_id BLOB NOT NULL REFERENCES programmes (id),
    org_id BLOB NOT NULL REFERENCES organisations (id),
    country TEXT NOT NULL,
    goal TEXT NOT NULL,
    period TEXT NOT NULL,
    activity_type TEXT NOT NULL,
    title TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    area TEXT NOT NULL,
    description TEXT NOT NULL,
    links TEXT NOT NULL,
    basis TEXT NOT NULL,
    reached INTEGER NOT NULL,
    version INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_by BLOB,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE INDEX activities_report ON activities (programme_id, org_id, country, period);
CREATE INDEX activities_start ON activities (programme_id, start_date);

CREATE TABLE activity_reach (
    activity_id BLOB NOT NULL REFERENCES activities (id),
    reach_group TEXT NOT NULL,
    sex TEXT NOT NULL,
    age TEXT NOT NULL,
    first_time INTEGER NOT NULL,
    repeat_count INTEGER NOT NULL,
    PRIMARY KEY (activity_id, reach_group, sex, age)
) STRICT;
